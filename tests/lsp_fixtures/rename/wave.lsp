// request: textDocument/rename
// params: { "newName": "pilot" }
//- pipec.toml
//- base.pipe
import "std/aws"

template Base {
  platform = ecs
  production {
    registry = aws
    wave fir$0st { regions = [us-east-1]; bake = 1h }
    wave later { regions = [us-west-2] }
  }
}
//- svc.pipe
import "base.pipe"

pipeline Svc extends Base {
  production {
    wave first { bake = 2h }
  }
}
