// request: textDocument/completion
//- pipec.toml
//- svc.pipe
import "policy.pipe"

template Base {
  profile emergency {}
  profile drill {}
}
//- policy.pipe
policy acme {
  under $0
}
