// request: textDocument/hover
//- pipec.toml
//- base.pipe
import "std/aws"

window office { zone = "UTC"; allow = [mon..fri 09:00..17:00] }

template Base {
  platform = ecs
  source app = git("org/app")
  build bundle from app { run = "make" }
  production {
    registry = aws
    window office
    wave first { regions = [us-east-1] }
  }
}
//- svc.pipe
import "base.pipe"

window late { zone = "UTC"; allow = [mon..fri 12:00..20:00] }

pipeline Svc extends Base {
  production {
    win$0dow late
  }
}
