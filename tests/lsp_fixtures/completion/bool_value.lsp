// request: textDocument/completion
//- pipec.toml
//- svc.pipe
template Base {
  build bundle { run = "make"; sign = $0 }
}
