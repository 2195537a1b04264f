// request: textDocument/rename
// params: { "newName": "fleet" }
//- pipec.toml
//- regions.pipe
registry mine {
  region us-east-1 { azs = [use1-az1] }
}
//- svc.pipe
import "regions.pipe"

pipeline Svc {
  platform = ecs
  production {
    registry = mi$0ne
    wave first { regions = [us-east-1] }
  }
}
