// request: textDocument/inlayHint
//- pipec.toml
//- base.pipe
$0import "std/aws"

template Base {
  platform = ecs
  source app = git("org/app")
  build bundle from app { run = "make" }
  stage beta { deploy bundle }
  production {
    registry = aws
    wave first { regions = [us-east-1, eu-west-1] }
    wave rest { regions = rest }
  }
}
$1
//- a.pipe
import "base.pipe"

pipeline A extends Base {
}
//- b.pipe
import "base.pipe"

// Its first wave takes the same regions in another order, so the template
// shows no regions for it; `rest` is the same for both pipelines.
pipeline B extends Base {
  production {
    wave first { regions = [eu-west-1, us-east-1] }
  }
}
