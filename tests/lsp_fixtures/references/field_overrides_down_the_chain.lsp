// request: textDocument/references
// params: { "context": { "includeDeclaration": false } }
//- pipec.toml
//- base.pipe
import "std/aws"

template Base {
  platform = ecs
  source app = git("org/app")
  build bundle from app { run = "make" }
  stage beta {
    deploy bundle
    ba$0ke = 1h
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
  stage beta { bake = 30m }
  profile fast {
    stage beta { bake = 5m }
  }
}
//- other.pipe
import "base.pipe"

// Sets a `bake` of another member: not a reference.
pipeline Other extends Base {
  production {
    wave first { bake = 1h }
  }
}
