// request: textDocument/completion
//- pipec.toml
//- svc.pipe
import "std/calendars"

calendar freezes {
  include $0
}
