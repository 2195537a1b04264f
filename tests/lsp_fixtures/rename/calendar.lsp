// request: textDocument/rename
// params: { "newName": "holidays" }
//- pipec.toml
//- svc.pipe
calendar free$0zes {
  holiday 2026-12-24 "Christmas Eve"
}

calendar all_days_off {
  include freezes
}

window business_hours {
  zone   = "America/Los_Angeles"
  allow  = [mon..thu 09:00..16:00]
  except = freezes
}
