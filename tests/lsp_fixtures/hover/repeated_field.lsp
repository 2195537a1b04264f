// request: textDocument/hover
//- pipec.toml
//- base.pipe
template Base {
  stage beta { bake = 1h }
}
//- svc.pipe
import "base.pipe"

// `bake` is written twice in one body (P0103): the repeat is ignored
// (RFC 0001, R7), so the first is the effective value, and the repeat is
// not in its history.
template Svc extends Base {
  stage beta {
    ba$0ke = 30m
    bake = 2h
  }
}
