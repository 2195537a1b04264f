// request: textDocument/completion
// encoding: utf-8
//- pipec.toml
//- svc.pipe
template Base {
  stage beta { environment = "prod-é🚀"; bake = 12$0 }
}
