// request: textDocument/rename
// params: { "newName": "Shared" }
//- pipec.toml
//- shared.pipe
template Shared {
}
//- base.pipe
template Ba$0se {
  platform = ecs
}
//- svc.pipe
import "base.pipe"
import "shared.pipe"

pipeline Svc extends Base {
}
