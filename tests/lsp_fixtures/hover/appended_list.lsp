// request: textDocument/hover
//- pipec.toml
//- base.pipe
template Base {
  platform = ecs
  new stage beta { regions = [us-east-1, eu-west-1] }
}
//- svc.pipe
import "base.pipe"

// A list edited with `+=` and `-=` (RFC 0001, R17): the effective value is
// the list the edits made, in order, not the last edit's text; the edits
// and the list they started from are its history.
template Svc extends Base {
  stage beta {
    regions += [us-west-2, ap-east-1]
    reg$0ions -= [eu-west-1]
  }
}
