; Folds: blocks, maps, lists and (multi-line) comments.

[
  (block)
  (map)
  (list)
  (comment)
] @fold
