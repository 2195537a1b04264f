-- Run by tests/editor_neovim.rs in headless Neovim (0.7 or newer) with the
-- sample file as argument: loads the parser built from
-- editors/tree-sitter-pipe/src, the queries of editors/neovim, highlights
-- the buffer, starts `pipec lsp` through lua/pipec, and writes what it saw
-- as JSON to PIPEC_NVIM_OUT.
--
-- PIPEC_NVIM_PARSER: the compiled parser. PIPEC_NVIM_RUNTIME: editors/neovim.
-- PIPEC_NVIM_PROBES: "row:col,row:col,..." (from zero) whose captures to report.
local report = { errors = {}, probes = {} }

local function run()
  vim.opt.runtimepath:prepend(os.getenv("PIPEC_NVIM_RUNTIME"))
  -- nvim-treesitter is not installed here: a stand-in of its parser
  -- table records what the package registers.
  local parser_configs = {}
  package.preload["nvim-treesitter.parsers"] = function()
    return {
      get_parser_configs = function()
        return parser_configs
      end,
    }
  end
  -- The package's own setup: `pipec lsp` for every pipe buffer, and the
  -- parser for nvim-treesitter.
  require("pipec").setup({
    cmd = { os.getenv("PIPEC_BIN"), "lsp" },
    parser_url = os.getenv("PIPEC_REPOSITORY"),
  })
  report.parser_config = parser_configs.pipe or vim.NIL
  local parser_path = os.getenv("PIPEC_NVIM_PARSER")
  if vim.treesitter.language and vim.treesitter.language.add then
    vim.treesitter.language.add("pipe", { path = parser_path })
  else
    vim.treesitter.require_language("pipe", parser_path)
  end
  -- The file was given on the command line before the runtimepath held
  -- ftdetect/pipe.lua: read it again for detection to run.
  vim.cmd("runtime! ftdetect/pipe.lua")
  vim.cmd("edit")
  report.filetype = vim.bo.filetype

  local parser = vim.treesitter.get_parser(0, "pipe")
  local root = parser:parse()[1]:root()
  report.root = root:type()
  report.has_error = root:has_error()

  local get_query = (vim.treesitter.query and vim.treesitter.query.get) or vim.treesitter.get_query
  local query = get_query("pipe", "highlights")
  report.query_loaded = query ~= nil
  vim.treesitter.highlighter.new(parser)
  report.highlighter_active = vim.treesitter.highlighter.active[vim.api.nvim_get_current_buf()] ~= nil

  -- The innermost capture at each probe: the one on the smallest node,
  -- as the highlighter draws it.
  for probe in string.gmatch(os.getenv("PIPEC_NVIM_PROBES") or "", "[^,]+") do
    local row, col = string.match(probe, "(%d+):(%d+)")
    row, col = tonumber(row), tonumber(col)
    local best, best_size, best_text
    for id, node in query:iter_captures(root, 0, row, row + 1) do
      local sr, sc, er, ec = node:range()
      local after_start = sr < row or (sr == row and sc <= col)
      local before_end = er > row or (er == row and ec > col)
      if after_start and before_end then
        local size = (er - sr) * 100000 + (ec - sc)
        if best_size == nil or size <= best_size then
          best, best_size = query.captures[id], size
          best_text = (vim.treesitter.get_node_text or vim.treesitter.query.get_node_text)(node, 0)
        end
      end
    end
    report.probes[probe] = { capture = best or vim.NIL, text = best_text or vim.NIL }
  end

  -- The language server the FileType autocmd started.
  local attached = vim.wait(20000, function()
    for _, client in pairs(vim.lsp.buf_get_clients(0)) do
      if client.name == "pipec" and client.initialized then
        return true
      end
    end
    return false
  end, 50)
  report.lsp_attached = attached
  for _, client in pairs(vim.lsp.buf_get_clients(0)) do
    report.lsp_root = client.config.root_dir
  end
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
