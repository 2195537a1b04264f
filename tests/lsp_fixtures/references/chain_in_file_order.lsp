// request: textDocument/references
// params: { "context": { "includeDeclaration": true } }
//- pipec.toml
//- base.pipe
import "std/aws"

alarm errors = ALARM("Errors")

template Base {
  platform = ecs
  source app = git("org/app")
  build bundle from app { run = "make" }
  alarm local = ALARM("Local") and errors
  stage beta {
    deploy bundle
    bake = 1h
  }
  production {
    registry = aws
    rollback on local
    wave first { regions = [us-east-1]; bake = 2h }
    wave second { regions = [us-west-2]; bake = 2h }
  }
}
//- team.pipe
import "base.pipe"

template Team extends Base {
  stage beta {
    bake = 45m
  }
}
//- svc.pipe
import "team.pipe"

pipeline Svc extends Team {
  stage beta {
    ba$0ke = 30m
  }
}
//- svc2.pipe
import "team.pipe"

pipeline Svc2 extends Team {
  stage beta {
    bake = 20m
  }
}
