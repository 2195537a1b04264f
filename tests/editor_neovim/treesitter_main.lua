-- Run by tests/editor_neovim.rs in headless Neovim with the sample file as
-- argument: lua/pipec's setup with a parser_url while the installed
-- nvim-treesitter is one without get_parser_configs (the rewrite on its
-- main branch). Writes as JSON to PIPEC_NVIM_OUT whether setup ran without
-- an error and `pipec lsp` still attached.
local report = { errors = {}, messages = {} }

local function run()
  vim.opt.runtimepath:prepend(os.getenv("PIPEC_NVIM_RUNTIME"))
  -- A stand-in of that nvim-treesitter: its parsers module is the table
  -- of parsers itself.
  package.preload["nvim-treesitter.parsers"] = function()
    return { lua = { install_info = { url = "https://example.invalid/lua" } } }
  end
  local notify = vim.notify
  vim.notify = function(message, level)
    table.insert(report.messages, { message = message, level = level })
  end
  local ok, err = pcall(require("pipec").setup, {
    cmd = { os.getenv("PIPEC_BIN"), "lsp" },
    parser_url = os.getenv("PIPEC_REPOSITORY"),
  })
  vim.notify = notify
  report.setup_ok = ok
  if not ok then
    table.insert(report.errors, tostring(err))
  end
  vim.cmd("runtime! ftdetect/pipe.lua")
  vim.cmd("edit")
  report.filetype = vim.bo.filetype
  report.lsp_attached = vim.wait(20000, function()
    for _, client in pairs(vim.lsp.buf_get_clients(0)) do
      if client.name == "pipec" and client.initialized then
        return true
      end
    end
    return false
  end, 50)
end

local ok, err = pcall(run)
if not ok then
  table.insert(report.errors, tostring(err))
end
local file = io.open(os.getenv("PIPEC_NVIM_OUT"), "w")
file:write(vim.fn.json_encode(report))
file:close()
vim.lsp.stop_client(vim.lsp.get_active_clients())
vim.wait(5000, function()
  return #vim.lsp.get_active_clients() == 0
end, 50)
vim.cmd("qall!")
