; Highlights for the .infra language (nvim-treesitter capture conventions).

; Comments --------------------------------------------------------------------

(comment) @comment

(doc_comment) @comment.documentation

; Keywords --------------------------------------------------------------------

[
  "let"
  "output"
] @keyword

(access_mode) @keyword

(resource_kind) @type

(event) @variable.builtin

(boolean) @boolean

; Declarations and references ---------------------------------------------------

(resource
  name: (identifier) @variable)

(trigger
  source: (identifier) @variable)

(trigger
  event: (identifier) @function.method)

(trigger
  target: (identifier) @variable)

(reference
  name: (identifier) @variable)

(let_declaration
  name: (identifier) @variable)

(output_declaration
  name: (identifier) @variable)

(attribute
  name: (identifier) @property)

(map_entry
  key: (identifier) @property)

(path
  root: (identifier) @variable)

(path
  field: (identifier) @variable.member)

; Literals ----------------------------------------------------------------------

(string) @string

(escape_sequence) @string.escape

(integer) @number

[
  (duration)
  (size)
] @number

; Interpolation: `${` and `}` are special punctuation, the inside is code.
(interpolation
  [
    "${"
    "}"
  ] @punctuation.special)

; Operators and punctuation -----------------------------------------------------

[
  "="
  "->"
] @operator

[
  "."
  ","
  ";"
] @punctuation.delimiter

; Brackets, by parent, so that the `}` closing an interpolation stays special.
(block
  [
    "{"
    "}"
  ] @punctuation.bracket)

(map
  [
    "{"
    "}"
  ] @punctuation.bracket)

(list
  [
    "["
    "]"
  ] @punctuation.bracket)

(trigger
  [
    "("
    ")"
  ] @punctuation.bracket)

(reference
  [
    "("
    ")"
  ] @punctuation.bracket)
