// request: textDocument/hover
//- pipec.toml
//- svc.pipe
alarm faults = ALARM("Orders_Faults")
alarm sev$0ere = faults or ALARM("Orders_Latency")
