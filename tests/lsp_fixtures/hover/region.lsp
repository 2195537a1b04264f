// request: textDocument/hover
//- pipec.toml
//- svc.pipe
import "std/aws"

template Base {
  production {
    registry = aws
    wave first { regions = [eu-we$0st-1] }
  }
}
