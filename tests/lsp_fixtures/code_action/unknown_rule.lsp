// request: textDocument/codeAction
//- pipec.toml
//- rules.pipe
policy release {
  deny $0signed-artifact$1
}
