// request: textDocument/semanticTokens/full
//- pipec.toml
//- svc.pipe
pipeline Svc {
  platform = ecs
}
//- policy.pipe
policy acme {
  deny onebox-first
  exempt Svc from onebox-first { reason = "batch" }
}
