// request: textDocument/references
// params: { "context": { "includeDeclaration": true } }
//- pipec.toml
//- base.pipe
import "std/aws"

template Base {
  platform = ecs
  source app = git("org/app")
  build bundle from app { run = "make" }
  stage beta { deploy bundle }
  production {
    registry = aws
    wave fi$0rst { regions = [us-east-1]; bake = 2h }
    wave rest { regions = rest }
  }
}
//- svc.pipe
import "base.pipe"

pipeline Svc extends Base {
  production {
    wave first { bake = 1h }
    wave rest { bake = 3h }
  }
}
