// request: textDocument/inlayHint
//- pipec.toml
//- base.pipe
import "std/aws"

alarm errors = ALARM("Errors")

template Base {
  platform = ecs
  abstract alarm fault
  source app = git("org/app")
  build bundle from app { run = "make" }
  stage beta { deploy bundle }
  production {
    registry = aws
    rollback on errors
    wave first {
      regions = [
        us-east-1,
        eu-west-1,
      ]
    }
    wave rest { regions = rest }
  }
}
//- svc.pipe
$0import "base.pipe"

// Binds the abstract alarm, replaces an alarm expression and a list
// written over several lines.
pipeline Svc extends Base {
  alarm fault = ALARM("Fault")
  production {
    rollback on fault or errors
    wave first { regions = [us-west-2, us-east-1, eu-west-1, eu-central-1, ap-southeast-1] }
  }
}
$1
