// request: textDocument/rename
// params: { "newName": "2fast" }
//- pipec.toml
//- base.pipe
template Ba$0se {
  platform = ecs
}
