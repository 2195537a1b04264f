// request: workspace/symbol
// params: { "query": "late" }
//- pipec.toml
//- svc.pipe
alarm é_first = ALARM("café") alarm latency = ALARM("Latency")
