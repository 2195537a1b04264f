; Every body folds, and so does a list written over several lines.
[
  (block)
  (list)
  (arguments)
] @fold
