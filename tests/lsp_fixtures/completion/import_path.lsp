// request: textDocument/completion
//- pipec.toml
//- shared/alarms.pipe
alarm shared = ALARM("Shared_Errors")
//- services/base.pipe
template Base {}
//- services/svc.pipe
import "$0"
