// request: textDocument/codeAction
//- pipec.toml
//- rules.pipe
policy release {
  deny signed-artifacts
}
//- base.pipe
import "std/aws"
import "rules.pipe"

alarm errors = ALARM("Errors")

template Base {
  platform = ecs
  source app = git("org/app")
  $0build bundle from app { run = "make" }$1
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
}
