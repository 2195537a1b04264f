// request: textDocument/semanticTokens/full
// encoding: utf-8
//- pipec.toml
//- svc.pipe
alarm first = ALARM("Ünïcödé 🚀") alarm next = first // ça
