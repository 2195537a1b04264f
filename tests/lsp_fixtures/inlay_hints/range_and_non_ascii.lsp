// request: textDocument/inlayHint
//- pipec.toml
//- base.pipe
import "std/aws"

template Base {
  platform = ecs
  source app = git("org/app")
  build bundle from app { run = "make" }
  stage beta { deploy bundle; bake = 1h; env NOTE = "a" }
  production {
    registry = aws
    wave first { regions = [us-east-1] }
    wave rest { regions = rest }
  }
}
//- svc.pipe
import "base.pipe"

pipeline Svc extends Base {
  $0stage beta { env NOTE = "grüß 🚀"; bake = 30m }
$1  production {
    wave first { regions = [eu-west-1] }
  }
}
