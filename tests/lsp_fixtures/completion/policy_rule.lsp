// request: textDocument/completion
//- pipec.toml
//- policy.pipe
policy acme {
  deny code-review, $0
}
