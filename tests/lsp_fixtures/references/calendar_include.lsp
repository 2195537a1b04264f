// request: textDocument/references
// params: { "context": { "includeDeclaration": false } }
//- pipec.toml
//- time.pipe
calendar company {
  include holi$0days
  holiday 2026-12-24 "Christmas Eve"
}

window business_hours {
  zone = "UTC"
  allow = [mon..fri 09:00..17:00]
  except = [holidays, company]
}

calendar holidays {
  holiday 2026-12-25 "Christmas Day"
}
