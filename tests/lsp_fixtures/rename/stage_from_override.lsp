// request: textDocument/rename
// params: { "newName": "preprod" }
//- pipec.toml
//- base.pipe
import "std/aws"

template Base {
  platform = ecs
  stage beta {
    bake = 1h
  }
  production {
    registry = aws
    wave first { regions = [us-east-1] }
  }
}
//- svc.pipe
import "base.pipe"

pipeline Svc extends Base {
  stage be$0ta {
    bake = 30m
  }
}

pipeline Other extends Base {
  stage beta {
    bake = 2h
  }
}
