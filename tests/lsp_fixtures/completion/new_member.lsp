// request: textDocument/completion
//- pipec.toml
//- base.pipe
template Base {
  stage beta {}
}
//- svc.pipe
import "base.pipe"

template Team extends Base {
  stage zeta$0
}
