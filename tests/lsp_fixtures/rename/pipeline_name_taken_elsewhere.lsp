// request: textDocument/rename
// params: { "newName": "Lonely" }
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
    wave first { regions = [us-east-1]; bake = 2h }
    wave second { regions = [us-west-2]; bake = 2h }
  }
}
//- svc.pipe
import "base.pipe"

pipeline S$0vc extends Base {
  stage beta {
    bake = 30m
  }
  production {
    wave first { bake = 3h }
  }
}
//- other.pipe
pipeline Lonely {
  platform = ecs
}
