-- Drives `pipec lsp` from Neovim 0.7 (the first with `vim.diagnostic` and
-- still the one Debian ships): starts the server with
-- `vim.lsp.start_client`, attaches the current buffer, waits for its
-- diagnostics, asks for a hover, and writes what it saw as JSON to
-- $PIPEC_NVIM_OUT. tests/lsp_clients.rs makes the assertions; this script
-- only reports, and always quits, so a broken server fails the test
-- instead of hanging it.
local out = assert(os.getenv("PIPEC_NVIM_OUT"))
local report = { errors = {} }

local function finish()
  local file = assert(io.open(out, "w"))
  file:write(vim.fn.json_encode(report))
  file:close()
  vim.cmd("qall!")
end

local ok, err = pcall(function()
  local buf = vim.api.nvim_get_current_buf()
  local path = vim.api.nvim_buf_get_name(buf)
  local id = vim.lsp.start_client({
    name = "pipec",
    cmd = { assert(os.getenv("PIPEC_BIN")), "lsp" },
    root_dir = vim.fn.fnamemodify(path, ":h"),
    -- A fixed date: the checks of windows and exemptions depend on it.
    init_options = { today = "2026-12-01" },
    on_exit = function(code)
      report.exit_code = code
    end,
  })
  report.client_started = id ~= nil
  vim.lsp.buf_attach_client(buf, id)

  -- Bounded: 30 s is far more than a check takes.
  report.diagnostics_arrived = vim.wait(30000, function()
    return #vim.diagnostic.get(buf) > 0
  end, 20)
  report.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(report.diagnostics, {
      code = d.code,
      lnum = d.lnum,
      col = d.col,
      message = d.message,
    })
  end

  local line = tonumber(os.getenv("PIPEC_NVIM_HOVER_LINE"))
  local character = tonumber(os.getenv("PIPEC_NVIM_HOVER_CHARACTER"))
  local answers = vim.lsp.buf_request_sync(buf, "textDocument/hover", {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = line, character = character },
  }, 30000)
  report.hover = {}
  for _, answer in pairs(answers or {}) do
    if answer.error then
      table.insert(report.errors, answer.error.message)
    elseif answer.result then
      table.insert(report.hover, answer.result.contents.value)
    end
  end

  -- An edit, as typing makes it: `12` becomes `12h`. Neovim sends it as
  -- a ranged change (the server asks for incremental sync); the mistake's
  -- diagnostic must go.
  local edit_line = tonumber(os.getenv("PIPEC_NVIM_EDIT_LINE"))
  local edit_column = tonumber(os.getenv("PIPEC_NVIM_EDIT_COLUMN"))
  vim.api.nvim_buf_set_text(buf, edit_line, edit_column, edit_line, edit_column, { "h" })
  report.cleared_after_edit = vim.wait(30000, function()
    return #vim.diagnostic.get(buf) == 0
  end, 20)
  local client_sync = vim.lsp.get_client_by_id(id).server_capabilities.textDocumentSync
  report.sync_change = client_sync and client_sync.change

  -- Ends the session as an editor does on quit.
  local client = vim.lsp.get_client_by_id(id)
  client.stop()
  report.stopped = vim.wait(10000, function()
    return report.exit_code ~= nil
  end, 20)
end)
if not ok then
  table.insert(report.errors, tostring(err))
end
finish()
