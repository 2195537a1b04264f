; Bodies, lists and argument lists indent what they hold; their closing
; bracket goes back to the opening line's indentation.
[
  (block)
  (list)
  (arguments)
  (list_type)
] @indent.begin

(block "}" @indent.end)
(list "]" @indent.end)
(arguments ")" @indent.end)

[ "}" "]" ")" ] @indent.branch
