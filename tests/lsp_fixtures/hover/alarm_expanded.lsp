// request: textDocument/hover
//- pipec.toml
//- alarms.pipe
alarm faults = ALARM("Orders_Faults")
alarm latency = ALARM("Orders_Latency") and not ALARM("Orders_Maintenance")
alarm severe = faults or latency
//- svc.pipe
import "alarms.pipe"

template Base {
  alarm local = ALARM("Orders_Local")
  stage beta {
    rollback on sev$0ere or local
  }
}
