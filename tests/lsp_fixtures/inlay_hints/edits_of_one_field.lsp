// request: textDocument/inlayHint
//- pipec.toml
//- base.pipe
import "std/aws"

template Base {
  platform = ecs
  source app = git("org/app")
  build bundle from app { run = "make" }
  abstract timeout : duration
  stage beta {
    deploy bundle
    bake = 1h
    regions = [us-east-1, us-west-2]
  }
  production {
    registry = aws
    wave first { regions = [us-east-1]; bake = 2h }
    wave rest { regions = rest; bake = 2h }
  }
}
//- svc.pipe
$0import "base.pipe"

pipeline Svc extends Base {
  timeout = 5m
  stage beta {
    regions -= [us-west-2]
    regions += [eu-west-1]
  }
}
$1
