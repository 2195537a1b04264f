// request: textDocument/definition
//- pipec.toml
//- svc.pipe
import "std/aws"

template Base {
  production {
    registry = a$0ws
  }
}
