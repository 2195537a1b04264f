// request: textDocument/inlayHint
//- pipec.toml
//- base.pipe
import "std/aws"

template Base {
  platform = ecs
  source app = git("org/app")
  build bundle from app { run = "make" }
  stage beta {
    deploy bundle
    bake = 1h
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
  stage beta {
    bake = 30m
  }
  production {
    wave first { regions = aws where geo == eu take 2 }
    wave rest { regions = rest; bake = 1h }
  }
}
$1
