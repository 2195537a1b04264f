// request: textDocument/completion
//- pipec.toml
//- svc.pipe
registry dc {
  region dc-paris { name = "Paris" }
  region dc-berlin { name = "Berlin" }
}

template Base {
  production {
    registry = dc
    exclude [dc-$0] because "closing"
  }
}
