" *.infra files are the infrac language. Sourced by `:filetype on` on every
" Neovim (0.7 included, where filetype.lua is opt-in) and Vim.
autocmd BufRead,BufNewFile *.infra setfiletype infra
