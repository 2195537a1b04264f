// request: textDocument/completion
//- pipec.toml
//- svc.pipe
template Base {
  profile emergency {}
  profile drill {}
}
//- policy.pipe
policy acme {
  under $0
}
