// request: textDocument/rename
// params: { "newName": "cloud" }
//- pipec.toml
//- svc.pipe
import "std/aws"

pipeline Svc {
  platform = ecs
  production {
    registry = a$0ws
    wave first { regions = [us-east-1] }
  }
}
