" Indentation for the infrac language: one level inside each {...}, [...]
" and (...) left open on the line above; a line starting with a closing
" bracket goes back one level. Strings and comments are ignored.
if exists('b:did_indent')
  finish
endif
let b:did_indent = 1

setlocal autoindent nosmartindent nocindent nolisp
setlocal indentexpr=InfraIndent(v:lnum)
setlocal indentkeys=0{,0},0],0),!^F,o,O,e
let b:undo_indent = 'setlocal ai< si< cin< lisp< inde< indk<'

if exists('*InfraIndent')
  finish
endif

" The code of a line: strings emptied, comments removed.
function! s:Code(line) abort
  let code = substitute(a:line, '"\%(\\.\|[^"\\]\)*"', '""', 'g')
  let code = substitute(code, '/\*.\{-}\*/', '', 'g')
  return substitute(code, '//.*$', '', '')
endfunction

function! InfraIndent(lnum) abort
  let prev = prevnonblank(a:lnum - 1)
  if prev == 0
    return 0
  endif
  let ind = indent(prev)
  " Brackets opened on the previous line, not counting the closing ones it
  " starts with (those already moved that line back).
  let code = substitute(s:Code(getline(prev)), '^\s*[}\])]*', '', '')
  let opened = len(substitute(code, '[^{[(]', '', 'g'))
  let closed = len(substitute(code, '[^}\])]', '', 'g'))
  if opened > closed
    let ind += shiftwidth()
  elseif closed > opened
    let ind -= shiftwidth() * (closed - opened)
  endif
  if getline(a:lnum) =~# '^\s*[}\])]'
    let ind -= shiftwidth()
  endif
  return ind < 0 ? 0 : ind
endfunction
