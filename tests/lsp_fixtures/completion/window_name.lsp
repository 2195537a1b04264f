// request: textDocument/completion
//- pipec.toml
//- svc.pipe
window weekdays { zone = "UTC"; allow = [mon..fri 09:00..17:00] }
calendar freezes { holiday 2026-12-24 "Christmas Eve" }

template Base {
  stage beta {
    window $0
  }
}
