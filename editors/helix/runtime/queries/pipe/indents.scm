; Bodies, lists and argument lists indent what they hold; their closing
; bracket goes back (Helix's names for the captures of
; editors/tree-sitter-pipe/queries/indents.scm).
[
  (block)
  (list)
  (arguments)
  (list_type)
] @indent

[ "}" "]" ")" ] @outdent
