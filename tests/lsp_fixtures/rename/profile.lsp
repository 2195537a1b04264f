// request: textDocument/rename
// params: { "newName": "hotfix" }
//- pipec.toml
//- rules.pipe
policy release {
  deny first-wave-bake
  under emergency {
    warn first-wave-bake
    reason = "reviewed security fixes"
  }
}
//- svc.pipe
import "std/aws"
import "rules.pipe"

pipeline Svc {
  platform = ecs
  production {
    registry = aws
    wave first { regions = [us-east-1]; bake = 12h }
  }
  profile emer$0gency {
    bake scale 25%
  }
}
