// request: textDocument/hover
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
  }
}
//- svc.pipe
import "base.pipe"

pipeline Svc extends Base {
  stage beta {
    ba$0ke = 30m
  }
}
