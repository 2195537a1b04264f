// request: textDocument/definition
//- pipec.toml
//- dc.pipe
registry dc {
  region dc-paris { name = "Paris" }
  region dc-berlin { name = "Berlin" }
}
//- svc.pipe
import "dc.pipe"

template Base {
  production {
    registry = dc
    exclude [dc-ber$0lin] because "closing"
  }
}
