// request: textDocument/completion
//- pipec.toml
//- base.pipe
template Base {
  stage beta {}
  production {
    wave first {}
    wave last {}
  }
}
//- svc.pipe
import "base.pipe"

template Team extends Base {
  production {
    wave $0 {}
  }
}
