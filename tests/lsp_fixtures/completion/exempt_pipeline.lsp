// request: textDocument/completion
//- pipec.toml
//- svc.pipe
template Base {}
pipeline Orders { platform = ecs }
pipeline Billing { platform = ecs }
//- policy.pipe
import "svc.pipe"

policy acme {
  exempt $0 from code-review { reason = "legacy" }
}
