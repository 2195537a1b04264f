// request: textDocument/rename
// params: { "newName": "office_hours" }
//- pipec.toml
//- svc.pipe
import "std/aws"

calendar freezes {
  holiday 2026-12-24 "Christmas Eve"
}

window business_hours {
  zone   = "America/Los_Angeles"
  allow  = [mon..thu 09:00..16:00]
  except = freezes
}

pipeline Svc {
  platform = ecs
  production {
    registry = aws
    window business$0_hours
    wave first { regions = [us-east-1] }
  }
}
