// request: workspace/symbol
// params: { "query": "" }
//- pipec.toml
//- base.pipe
import "std/aws"

calendar holidays {
  holiday 2026-12-25 "Christmas Day"
}

policy acme {
  deny bake_too_short
}

registry lab extends aws {
}
//- svc.pipe
import "base.pipe"

template Base {
  platform = ecs
}
