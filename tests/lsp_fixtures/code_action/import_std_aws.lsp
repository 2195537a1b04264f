// request: textDocument/codeAction
//- pipec.toml
//- svc.pipe
pipeline Svc {
  platform = ecs
  source app = git("org/app")
  build bundle from app { run = "make" }
  production {
    registry = $0aws$1
    wave first { regions = [us-east-1]; bake = 2h }
  }
}
