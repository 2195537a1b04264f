-- `*.pipe` files are pipec's language. Neovim 0.7 reads ftdetect/*.lua on
-- every runtimepath entry; an autocmd works from 0.7 on.
vim.cmd("autocmd BufRead,BufNewFile *.pipe setfiletype pipe")
