" Regex highlighting for the infrac language, for Neovim without the
" tree-sitter parser (and for Vim).
if exists('b:current_syntax')
  finish
endif

syntax case match

syntax keyword infraKind bucket function task schedule service secret
syntax keyword infraKeyword let output
syntax keyword infraAccess reads writes runs invokes
syntax keyword infraBoolean true false
syntax keyword infraEvent event

syntax match infraArrow '->'
syntax match infraOperator '='
syntax match infraNumber '\<\d\+\>'
syntax match infraDuration '\<\d\+[smhd]\>'
syntax match infraSize '\<\d\+[MG]B\>'
syntax match infraTriggerEvent '\.\@1<=on_[a-z_]\+\ze\s*('
syntax match infraAttribute '^\s*\zs[A-Za-z_][A-Za-z0-9_]*\ze\s*='

syntax region infraString start=+"+ skip=+\\.+ end=+"+ contains=infraEscape,infraInterpolation oneline
syntax match infraEscape '\\[\\"nt$]' contained
syntax region infraInterpolation matchgroup=infraInterpolationDelimiter start='\${' end='}' contained contains=infraEvent,infraNumber

syntax region infraComment start='/\*' end='\*/' contains=infraTodo
syntax match infraComment '//.*$' contains=infraTodo
syntax match infraDocComment '///.*$' contains=infraTodo
syntax keyword infraTodo TODO FIXME XXX NOTE contained

highlight default link infraKind Type
highlight default link infraKeyword Keyword
highlight default link infraAccess Keyword
highlight default link infraBoolean Boolean
highlight default link infraEvent Special
highlight default link infraArrow Operator
highlight default link infraOperator Operator
highlight default link infraNumber Number
highlight default link infraDuration Number
highlight default link infraSize Number
highlight default link infraTriggerEvent Function
highlight default link infraAttribute Identifier
highlight default link infraString String
highlight default link infraEscape SpecialChar
highlight default link infraInterpolationDelimiter Delimiter
highlight default link infraComment Comment
highlight default link infraDocComment SpecialComment
highlight default link infraTodo Todo

let b:current_syntax = 'infra'
