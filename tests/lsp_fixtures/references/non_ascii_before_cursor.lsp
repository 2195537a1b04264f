// request: textDocument/references
// params: { "context": { "includeDeclaration": true } }
//- pipec.toml
//- base.pipe
import "std/aws"

template Base {
  platform = ecs
  source app = git("org/app")
  build bundle from app { run = "make" }
  stage beta { deploy bundle; env GREETING = "grüß 🚀"; bake = 1h }
  production {
    registry = aws
    wave first { regions = [us-east-1] }
  }
}
//- svc.pipe
import "base.pipe"

pipeline Svc extends Base {
  stage beta { env NOTE = "déjà 🚀"; ba$0ke = 30m }
}
