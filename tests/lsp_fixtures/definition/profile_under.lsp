// request: textDocument/definition
//- pipec.toml
//- svc.pipe
import "policy.pipe"

template Base {
  profile emergency {}
}
//- policy.pipe
policy acme {
  under emerg$0ency {
    warn code-review
    reason = "hotfixes"
  }
}
