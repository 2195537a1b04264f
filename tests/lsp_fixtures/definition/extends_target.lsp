// request: textDocument/definition
//- pipec.toml
//- base.pipe
template Base {
  platform = ecs
}
//- svc.pipe
import "base.pipe"

pipeline Svc extends Ba$0se {
}
