-- pipec for Neovim: the language server and the tree-sitter parser.
--
-- Add editors/neovim to 'runtimepath' (or install it with a plugin
-- manager), then call require("pipec").setup() from your init.lua.
-- Neovim 0.7 or newer.
local M = {}

-- The directory holding pipec.toml, searched upwards from the buffer's
-- file; else the file's own directory.
local function root_dir(bufnr)
  local dir = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ":p:h")
  local toml = vim.fn.findfile("pipec.toml", dir .. ";")
  if toml ~= "" then
    return vim.fn.fnamemodify(toml, ":p:h")
  end
  return dir
end

-- One client per workspace root on Neovim 0.7, which has no vim.lsp.start.
local clients = {}

--- Starts (or reuses) `pipec lsp` for a buffer.
---@param bufnr number
---@param opts table
function M.start_lsp(bufnr, opts)
  local config = {
    name = "pipec",
    cmd = opts.cmd or { "pipec", "lsp" },
    root_dir = root_dir(bufnr),
    init_options = opts.init_options,
  }
  if vim.lsp.start then
    -- 0.8 and newer: reuses a running client with the same name and root.
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients[config.root_dir]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client(config)
    clients[config.root_dir] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

--- Registers the parser with nvim-treesitter, when it is installed, so that
--- `:TSInstall pipe` builds it from this repository. `url` is where the
--- repository is: a git URL, or the path of a local checkout. Only the
--- nvim-treesitter that has `get_parser_configs` (its `master` branch) is
--- told; another (the rewrite on its `main` branch) is left alone, with a
--- message, and the language server still starts.
---@param url string
function M.register_parser(url)
  local ok, parsers = pcall(require, "nvim-treesitter.parsers")
  if not ok then
    return false
  end
  if type(parsers) ~= "table" or type(parsers.get_parser_configs) ~= "function" then
    vim.notify(
      "pipec: this nvim-treesitter has no get_parser_configs; register the pipe parser "
        .. "(editors/tree-sitter-pipe) as its documentation says",
      vim.log.levels.WARN
    )
    return false
  end
  local parser_config = parsers.get_parser_configs()
  parser_config.pipe = {
    install_info = {
      url = url,
      files = { "src/parser.c" },
      location = "editors/tree-sitter-pipe",
      requires_generate_from_grammar = false,
    },
    filetype = "pipe",
  }
  return true
end

--- opts.lsp (default true): start `pipec lsp` for every pipe buffer.
--- opts.cmd: the server's command line (default { "pipec", "lsp" }).
--- opts.init_options: the server's settings (docs/editors.md).
--- opts.parser_url: register the tree-sitter parser with nvim-treesitter.
function M.setup(opts)
  opts = opts or {}
  if opts.parser_url then
    M.register_parser(opts.parser_url)
  end
  if opts.lsp ~= false then
    vim.api.nvim_create_autocmd("FileType", {
      pattern = "pipe",
      group = vim.api.nvim_create_augroup("pipec", { clear = true }),
      callback = function(args)
        M.start_lsp(args.buf, opts)
      end,
    })
  end
end

return M
