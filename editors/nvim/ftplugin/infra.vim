" Buffer settings for the infrac language (.infra files).
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

" `infrac fmt` indents by two spaces.
setlocal expandtab shiftwidth=2 softtabstop=2 tabstop=8
" `/// doc` comments (attached to the next declaration), `//` and `/* */`.
setlocal comments=:///,://,s1:/*,mb:*,ex:*/
setlocal commentstring=//\ %s
setlocal formatoptions-=t formatoptions+=croql
setlocal suffixesadd=.infra

let b:undo_ftplugin = 'setlocal et< sw< sts< ts< com< cms< fo< sua<'
