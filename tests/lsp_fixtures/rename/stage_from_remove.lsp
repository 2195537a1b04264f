// request: textDocument/rename
// params: { "newName": "alpha" }
//- pipec.toml
//- base.pipe
import "std/aws"

alarm errors = ALARM("Errors")

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
    rollback on errors
    wave first { regions = [us-east-1]; bake = 2h }
  }
}
//- svc.pipe
import "base.pipe"

pipeline Svc extends Base {
  remove stage be$0ta
}
