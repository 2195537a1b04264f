// request: textDocument/completion
//- pipec.toml
//- svc.pipe
import "std/aws"

template Base {
  production {
    registry = aws
    wave first { regions = aws where $0 }
  }
}
