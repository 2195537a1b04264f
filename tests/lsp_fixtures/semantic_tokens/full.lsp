// request: textDocument/semanticTokens/full
//- pipec.toml
//- base.pipe
import "std/aws"

template Base {
  platform = ecs
  source app = git("org/app")
  build bundle from app { run = "make" }
  stage beta {
    deploy bundle
    bake = 1h
  }
  production {
    registry = aws
    wave first { regions = [us-east-1]; bake = 2h }
  }
}
//- svc.pipe
import "base.pipe" as b
import "std/aws"

// Errors of the service.
alarm errors = ALARM("Svc_Errors")

window hours {
  zone = "UTC"
  allow = [mon..fri 09:00..17:00]
}

pipeline Svc extends b.Base {
  new final note: string = "n"
  new alarm fault = ALARM("Fault")
  stage beta {
    bake = 30m
    new rollback on errors or fault or aws.large_scale_event
  }
  production {
    new window hours overridable
    wave first { regions = aws where geo == eu take 1; new onebox { traffic <= 5% } }
  }
  new source extra = git("org/extra", branch: "main")
  new profile fast {
    stage beta { bake = 5m }
  }
}
