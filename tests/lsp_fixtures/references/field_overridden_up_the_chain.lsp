// request: textDocument/references
// params: { "context": { "includeDeclaration": true } }
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
//- middle.pipe
import "base.pipe"

template Middle extends Base {
  stage beta { bake = 45m }
}
//- svc.pipe
import "middle.pipe"

pipeline Svc extends Middle {
  stage beta { ba$0ke = 30m }
}
//- sibling.pipe
import "middle.pipe"

// A sibling's override is not one of Svc's.
pipeline Sibling extends Middle {
  stage beta { bake = 10m }
}
