// request: textDocument/prepareRename
//- pipec.toml
//- base.pipe
template Base {
  platform = ecs
}
//- svc.pipe
import "base.pipe"

pipeline Svc extends base.Ba$0se {
}
