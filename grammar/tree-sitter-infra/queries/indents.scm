; Indents (nvim-treesitter conventions): two spaces inside braces and brackets.

[
  (block)
  (map)
  (list)
] @indent.begin

[
  "}"
  "]"
] @indent.branch @indent.end

(reference
  "(" @indent.begin
  ")" @indent.end @indent.branch)

(trigger
  ")" @indent.branch)

(comment) @indent.auto

(string) @indent.ignore
