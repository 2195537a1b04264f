-- Writes the current buffer as HTML, in the colours Neovim's tree-sitter
-- highlighter gives it: each capture's highlight group, resolved through
-- the colour scheme. (Neovim 0.7's :TOhtml reads only syntax items, not
-- tree-sitter highlights.) Used by editors/neovim/tools/screenshot.sh for
-- the picture in editors/README.md.
--
-- Environment: PIPEC_NVIM_PARSER (the compiled parser), PIPEC_NVIM_RUNTIME
-- (editors/neovim), PIPEC_HTML_OUT (where to write).
vim.opt.runtimepath:prepend(os.getenv("PIPEC_NVIM_RUNTIME"))
local parser_path = os.getenv("PIPEC_NVIM_PARSER")
if vim.treesitter.language and vim.treesitter.language.add then
  vim.treesitter.language.add("pipe", { path = parser_path })
else
  vim.treesitter.require_language("pipe", parser_path)
end
-- Neovim's default colours for a light background, as on a page.
vim.o.background = "light"
vim.cmd("runtime! ftdetect/pipe.lua")
vim.cmd("edit")

local parser = vim.treesitter.get_parser(0, "pipe")
local root = parser:parse()[1]:root()
local highlighter = vim.treesitter.highlighter.new(parser)
local query = highlighter:get_query("pipe")

local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
-- The highlight id of every byte, later captures drawn over earlier ones
-- as the highlighter draws them.
local cells = {}
for row = 1, #lines do
  cells[row] = {}
end
for id, node in query:query():iter_captures(root, 0, 0, -1) do
  local hl = query.hl_cache[id]
  local sr, sc, er, ec = node:range()
  for row = sr, er do
    local line = lines[row + 1] or ""
    local from = row == sr and sc or 0
    local to = row == er and ec or #line
    for col = from, to - 1 do
      cells[row + 1][col + 1] = hl
    end
  end
end

local function color(value)
  return value and string.format("#%06x", value) or nil
end

local function style(hl)
  local attrs = vim.api.nvim_get_hl_by_id(hl, true)
  local parts = {}
  if attrs.foreground then
    table.insert(parts, "color:" .. color(attrs.foreground))
  end
  if attrs.bold then
    table.insert(parts, "font-weight:bold")
  end
  if attrs.italic then
    table.insert(parts, "font-style:italic")
  end
  return table.concat(parts, ";")
end

local function escape(text)
  return (text:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

local normal = vim.api.nvim_get_hl_by_name("Normal", true)
local out = {
  "<!doctype html><meta charset=utf-8><style>body{margin:0;background:"
    .. (color(normal.background) or "#ffffff")
    .. ";color:"
    .. (color(normal.foreground) or "#000000")
    .. "}pre{margin:12px;font:14px/1.35 'DejaVu Sans Mono',monospace}</style><pre>",
}
for row, line in ipairs(lines) do
  local col = 1
  while col <= #line do
    local hl = cells[row][col]
    local stop = col
    while stop + 1 <= #line and cells[row][stop + 1] == hl do
      stop = stop + 1
    end
    local text = escape(line:sub(col, stop))
    if hl then
      table.insert(out, string.format('<span style="%s">%s</span>', style(hl), text))
    else
      table.insert(out, text)
    end
    col = stop + 1
  end
  table.insert(out, "\n")
end
table.insert(out, "</pre>")
local file = io.open(os.getenv("PIPEC_HTML_OUT"), "w")
file:write(table.concat(out))
file:close()
vim.cmd("qall!")
