// request: textDocument/completion
//- pipec.toml
//- svc.pipe
template Base {
  production {
    wave first {
      by $0
    }
  }
}
