// request: textDocument/references
// params: { "context": { "includeDeclaration": false } }
//- pipec.toml
//- time.pipe
calendar holidays {
  holiday 2026-12-25 "Christmas Day"
}

calendar company {
  include holidays
  holiday 2026-12-24 "Christmas Eve"
}

window business_hours {
  zone = "UTC"
  allow = [mon..fri 09:00..17:00]
  except = [holidays, company]
}
//- base.pipe
import "std/aws"
import "time.pipe" as t

template Base {
  platform = ecs
  source app = git("org/app")
  build bundle from app { run = "make" }
  stage beta { deploy bundle; window t.business_hours }
  production {
    registry = aws
    window business_$0hours overridable
    wave first { regions = [us-east-1] }
  }
}
