// request: textDocument/completion
//- pipec.toml
//- base.pipe
template Base {
  source app = git("org/app")
  build bundle from app { run = "make" }
}
//- svc.pipe
import "base.pipe"

template Team extends Base {
  build docs from app { run = "make docs" }
  stage beta {
    new deploy $0
  }
}
