// request: textDocument/documentSymbol
//- pipec.toml
//- base.pipe
$0import "std/aws"

alarm errors = ALARM("Errors")
window office { zone = "UTC"; allow = [mon..fri 09:00..17:00] }
calendar hols { dates = [2026-12-25] }

registry dc {
  region dc-paris { name = "Paris"; tier = low }
}

template Base {
  platform = ecs
  abstract timeout : duration
  limit : int = 3
  source app = git("org/app", branch: "main")
  build bundle from app { run = "make" }
  test smoke { run = "make smoke" }
  alarm local = ALARM("L")
  profile fast { }
  stage beta {
    deploy bundle
    bake = 1h
  }
  production {
    registry = aws
    onebox { bake = 1h }
    wave first { regions = [us-east-1]; bake = 2h }
  }
}
