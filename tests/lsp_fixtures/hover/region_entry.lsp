// request: textDocument/hover
//- pipec.toml
//- dc.pipe
registry dc {
  region dc-pa$0ris { name = "Paris"; tier = low; azs = [par-1, par-2] }
}
