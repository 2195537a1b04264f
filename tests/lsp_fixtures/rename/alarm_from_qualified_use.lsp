// request: textDocument/rename
// params: { "newName": "faults" }
//- pipec.toml
//- alarms.pipe
alarm errors = ALARM("Errors")
alarm paging = errors or ALARM("Latency")
//- svc.pipe
import "std/aws"
import "alarms.pipe" as shared

pipeline Svc {
  platform = ecs
  production {
    registry = aws
    rollback on shared.err$0ors
    block on errors
    wave first { regions = [us-east-1] }
  }
}
