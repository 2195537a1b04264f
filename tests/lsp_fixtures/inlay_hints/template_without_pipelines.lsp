// request: textDocument/inlayHint
//- pipec.toml
//- base.pipe
$0import "std/aws"

// No pipeline extends it: its regions are not known.
template Base {
  platform = ecs
  production {
    registry = aws
    wave first { regions = [us-east-1] }
  }
}
$1
