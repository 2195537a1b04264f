// request: textDocument/semanticTokens/full
//- pipec.toml
//- policy.pipe
policy acme {
  deny onebox-first, rollback-alarm
  exempt Svc from onebox-first { reason = "batch"; expires = 2027-01-31 }
  floor bake = 1h
}

pipeline Svc {
  platform = ecs
}
