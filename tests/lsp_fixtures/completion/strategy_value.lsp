// request: textDocument/completion
//- pipec.toml
//- svc.pipe
import "std/aws"

template Base {
  production {
    registry = aws
    strategy = can$0
  }
}
