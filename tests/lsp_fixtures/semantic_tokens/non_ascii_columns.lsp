// request: textDocument/semanticTokens/full
//- pipec.toml
//- svc.pipe
alarm first = ALARM("Ünïcödé 🚀") alarm next = first // ça
