// request: textDocument/rename
// params: { "newName": "extends" }
//- pipec.toml
//- base.pipe
template Ba$0se {
  platform = ecs
}
