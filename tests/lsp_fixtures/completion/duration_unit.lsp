// request: textDocument/completion
//- pipec.toml
//- svc.pipe
template Base {
  stage beta {
    bake = 30$0
  }
}
