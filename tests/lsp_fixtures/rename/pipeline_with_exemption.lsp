// request: textDocument/rename
// params: { "newName": "orders" }
//- pipec.toml
//- rules.pipe
policy release {
  deny signed-artifacts
  exempt Svc from signed-artifacts { reason = "vendor build" }
}
//- svc.pipe
import "std/aws"
import "rules.pipe"

pipeline S$0vc {
  platform = ecs
  production {
    registry = aws
    wave first { regions = [us-east-1] }
  }
}
