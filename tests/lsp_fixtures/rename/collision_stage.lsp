// request: textDocument/rename
// params: { "newName": "gamma" }
//- pipec.toml
//- base.pipe
template Base {
  platform = ecs
  stage be$0ta { bake = 1h }
}
//- svc.pipe
import "base.pipe"

pipeline Svc extends Base {
  new stage gamma { bake = 1h }
}
