// request: textDocument/completion
//- pipec.toml
//- svc.pipe
registry dc {
  region dc-paris { name = "Paris"; tier = low }
  region dc-berlin { name = "Berlin"; tier = high }
}

template Base {
  production {
    registry = dc
    wave first { regions = [dc-paris, $0] }
  }
}
