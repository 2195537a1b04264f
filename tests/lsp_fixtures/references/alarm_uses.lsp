// request: textDocument/references
// params: { "context": { "includeDeclaration": true } }
//- pipec.toml
//- alarms.pipe
alarm err$0ors = ALARM("Errors")
alarm latency = ALARM("Latency")
alarm either = errors or latency
//- base.pipe
import "std/aws"
import "alarms.pipe"

template Base {
  platform = ecs
  source app = git("org/app")
  build bundle from app { run = "make" }
  stage beta { deploy bundle; rollback on errors }
  production {
    registry = aws
    block on alarms.errors overridable
    wave first { regions = [us-east-1] }
  }
}
//- shadow.pipe
import "std/aws"
import "alarms.pipe"

// `errors` here is the template's own alarm member, not the top-level one.
template Shadow {
  platform = ecs
  alarm errors = ALARM("ShadowErrors")
  source app = git("org/app")
  build bundle from app { run = "make" }
  stage beta { deploy bundle; rollback on errors }
  production {
    registry = aws
    rollback on latency and not alarms.errors
    wave first { regions = [us-east-1] }
  }
}
