// request: textDocument/rename
// params: { "newName": "vorab" }
//- pipec.toml
//- base.pipe
template Base {
  platform = ecs
  stage beta { environment = "bêta ✓ 日本" }
}
//- svc.pipe
import "base.pipe"

pipeline Svc extends Base { stage beta { environment = "ü→✓" } }
pipeline Other extends Base { new stage gamma { environment = "日本 ✓" }; stage be$0ta { environment = "b" } }
