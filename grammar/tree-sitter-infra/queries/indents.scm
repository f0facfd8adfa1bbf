; Indents (nvim-treesitter conventions): the members of a block, the entries
; of a map and the elements of a list are indented one level; the closing
; brace or bracket goes back to the level of the line that opened it.

[
  (block)
  (map)
  (list)
] @indent.begin

[
  "}"
  "]"
] @indent.end @indent.branch

(comment) @indent.auto
