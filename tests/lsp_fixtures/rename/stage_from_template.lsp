// request: textDocument/rename
// params: { "newName": "preprod" }
//- pipec.toml
//- base.pipe
import "std/aws"

template Base {
  platform = ecs
  stage be$0ta {
    bake = 1h
  }
  stage gamma {
    bake = 1h
  }
  production {
    registry = aws
    wave first { regions = [us-east-1] }
  }
}

template Unrelated {
  stage beta {
    bake = 1h
  }
}
//- svc.pipe
import "base.pipe"

pipeline Svc extends Base {
  stage beta {
    bake = 30m
  }
  profile fast {
    stage beta { bake = 1m }
  }
}

pipeline Lean extends Base {
  remove stage beta
}
