// request: textDocument/hover
//- pipec.toml
//- base.pipe
import "std/aws"
import "std/calendars"

alarm errors = ALARM("Errors")
calendar hols {
  include calendars.us_holidays
}
window office { zone = "UTC"; allow = [mon..fri 09:00..17:00]; except = hols }

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
    window office
    rollback on errors
    wave first { regions = [us-east-1]; bake = 2h }
  }
}
//- svc.pipe
import "base.pipe" as b

pipeline Svc extends b.Base {
  rem$0ove stage beta
  new stage gamma {
    bake = 30m
  }
}
