; Scopes, definitions and references (nvim-treesitter conventions).
; Names are global to a project, so the whole file is the one scope;
; a trigger block is a scope of its own because `event` is bound there.

(source_file) @local.scope

(trigger
  body: (block) @local.scope)

(resource
  name: (identifier) @local.definition.type)

(let_declaration
  name: (identifier) @local.definition.var)

(output_declaration
  name: (identifier) @local.definition.var)

(attribute
  name: (identifier) @local.definition.field)

(map_entry
  key: (identifier) @local.definition.field)

(trigger
  source: (identifier) @local.reference)

(trigger
  target: (identifier) @local.reference)

(reference
  name: (identifier) @local.reference)

(path
  root: (identifier) @local.reference)
