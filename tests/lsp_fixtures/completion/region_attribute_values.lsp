// request: textDocument/completion
//- pipec.toml
//- svc.pipe
import "std/aws"

template Base {
  production {
    registry = aws
    wave first { regions = aws where geo == eu and traffic == $0 }
  }
}
