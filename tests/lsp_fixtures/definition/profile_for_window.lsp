// request: textDocument/definition
//- pipec.toml
//- svc.pipe
window business { zone = "UTC"; allow = [mon..fri 09:00..17:00] }
window on_call { zone = "UTC"; allow = [mon..sun 00:00..24:00] }

template Base {
  stage beta {
    final window business
    window on_call for profile emer$0gency
  }
  profile emergency {}
}
