// request: workspace/symbol
// params: { "query": "S" }
//- lib.pipe
template Shared {
  platform = ecs
}
//- svc.pipe
import "lib.pipe"

// No pipec.toml: this file and what it imports.
pipeline Svc extends Shared {
}
