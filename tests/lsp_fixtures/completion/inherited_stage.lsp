// request: textDocument/completion
//- pipec.toml
//- base.pipe
template Base {
  stage beta {}
  stage gamma {}
  production {
    wave first {}
    wave last {}
  }
}
//- svc.pipe
import "base.pipe"

pipeline Svc extends Base {
  stage gamma {}
  stage $0
}
