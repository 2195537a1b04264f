// request: textDocument/rename
// params: { "newName": "Foundation" }
//- pipec.toml
//- base.pipe
import "std/aws"

template Ba$0se {
  platform = ecs
  production {
    registry = aws
    wave first { regions = [us-east-1] }
  }
}

template Service extends Base {
}
//- svc.pipe
import "base.pipe"

pipeline Svc extends base.Base {
}

pipeline Other extends Base {
}
