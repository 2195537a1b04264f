// request: textDocument/completion
//- pipec.toml
//- alarms.pipe
alarm shared = ALARM("Shared_Errors")
//- svc.pipe
import "alarms.pipe"

template Base {
  alarm latency = ALARM("Latency")
  stage beta {
    rollback on latency or $0
  }
}
