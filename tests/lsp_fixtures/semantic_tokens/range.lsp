// request: textDocument/semanticTokens/range
//- pipec.toml
//- svc.pipe
alarm one = ALARM("One")
$0alarm two = one or ALARM("Two")
$1alarm three = ALARM("Three")
