// request: textDocument/references
// params: { "context": { "includeDeclaration": true } }
//- pipec.toml
//- base.pipe
import "std/aws"

alarm fault = ALARM("TopLevelFault")

template Base {
  platform = ecs
  abstract alarm fault
  source app = git("org/app")
  build bundle from app { run = "make" }
  stage beta { deploy bundle; rollback on fault }
  production {
    registry = aws
    wave first { regions = [us-east-1] }
  }
}
//- svc.pipe
import "base.pipe"

pipeline Svc extends Base {
  alarm fault = ALARM("SvcFault")
  production {
    new rollback on fa$0ult or base.fault
  }
}
