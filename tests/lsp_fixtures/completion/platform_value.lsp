// request: textDocument/completion
//- pipec.toml
//- svc.pipe
pipeline Svc {
  platform = $0
}
