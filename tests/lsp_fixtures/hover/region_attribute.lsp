// request: textDocument/hover
//- pipec.toml
//- dc.pipe
registry dc {
  region dc-paris { name = "Paris"; traf$0fic = low; azs = [par-1, par-2] }
}
