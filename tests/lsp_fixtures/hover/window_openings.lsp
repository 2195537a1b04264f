// request: textDocument/hover
//- pipec.toml
//- svc.pipe
calendar freezes { holiday 2026-12-02 "Freeze" }

window business {
  zone = "America/New_York"
  allow = [mon..thu 09:00..16:00, fri 09:00..12:00]
  except = freezes
}

template Base {
  stage beta {
    window busi$0ness
  }
}
