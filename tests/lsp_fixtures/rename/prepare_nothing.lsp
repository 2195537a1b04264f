// request: textDocument/prepareRename
//- pipec.toml
//- base.pipe
template Base {
  plat$0form = ecs
}
