// request: textDocument/rename
// params: { "newName": "preprod" }
//- pipec.toml
//- base.pipe
template Base {
  platform = ecs
  stage beta {
    bake = 1h
  }
}
//- svc.pipe
import "base.pipe"

pipeline Svc extends Base {
  profile fast {
    stage be$0ta { bake = 1m }
  }
}
