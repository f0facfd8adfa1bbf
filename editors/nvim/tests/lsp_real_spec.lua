-- The language-feature checks of lsp_features.lua against the real
-- `infrac lsp`, on examples/thumbnailer/main.infra.
--
--   INFRAC_BIN=/path/to/infrac editors/nvim/tests/run.sh
--   INFRAC_LSP_CMD="/path/to/infrac lsp --some-flag" editors/nvim/tests/run.sh
--   INFRAC_TEST_FILE=/path/to/other/main.infra (default: examples/thumbnailer/main.infra)
local T = dofile(vim.env.INFRAC_NVIM_TESTS .. "/harness.lua")

local cmd_line = vim.env.INFRAC_LSP_CMD
local bin = vim.env.INFRAC_BIN
if (cmd_line == nil or cmd_line == "") and (bin == nil or bin == "") then
  T.skip(
    "the real `infrac lsp` answers diagnostics, hover, definition, completion, rename and formatting",
    "INFRAC_BIN is not set (set INFRAC_BIN=/path/to/infrac, or INFRAC_LSP_CMD, to test the real server)"
  )
  T.finish()
else
  local cmd
  if cmd_line ~= nil and cmd_line ~= "" then
    cmd = vim.split(vim.trim(cmd_line), "%s+")
  else
    cmd = { bin, "lsp" }
  end
  local file = vim.env.INFRAC_TEST_FILE
  if file == nil or file == "" then
    file = T.repo .. "/examples/thumbnailer/main.infra"
  end
  T.test("the real server and its test file exist", function()
    T.truthy(vim.fn.executable(cmd[1]) == 1, cmd[1] .. " is not executable")
    T.truthy(vim.fn.filereadable(file) == 1, file .. " does not exist")
  end)
  if T.failed == 0 then
    dofile(T.tests .. "/lsp_features.lua")(T, { cmd = cmd, file = file, timeout = 20000 })
  end

  -- The plugin sends Neovim's own default capabilities. Neovim 0.7 declares no snippet
  -- support: completion must then insert plain text (the snippet's defaults filled in), never
  -- `${1:...}` placeholders that it would insert raw.
  T.test("completion follows Neovim's default snippet support", function()
    local defaults = vim.lsp.protocol.make_client_capabilities()
    local item_caps = ((defaults.textDocument or {}).completion or {}).completionItem or {}
    local snippets = item_caps.snippetSupport == true
    local buf = vim.api.nvim_get_current_buf()
    local at
    for n, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
      if line:find("^task ") then
        at = n
        break
      end
    end
    T.truthy(at, "a task block")
    vim.api.nvim_buf_set_lines(buf, at, at, false, { "  " })
    local responses = vim.lsp.buf_request_sync(buf, "textDocument/completion", {
      textDocument = { uri = vim.uri_from_bufnr(buf) },
      position = { line = at, character = 2 },
    }, 20000)
    vim.api.nvim_buf_set_lines(buf, at, at + 1, false, {})
    local items = {}
    for _, response in pairs(responses or {}) do
      local result = response.result or {}
      items = result.items or result
    end
    T.truthy(#items > 0, "completion items")
    local snippet_items = 0
    for _, item in ipairs(items) do
      local text = (item.textEdit and item.textEdit.newText) or item.insertText or item.label
      if item.insertTextFormat == 2 then
        snippet_items = snippet_items + 1
      elseif not snippets then
        T.truthy(not text:find("%${%d"), "a placeholder in plain text: " .. text)
      end
    end
    if snippets then
      T.truthy(snippet_items > 0, "snippets for a client that takes them")
    else
      T.eq(snippet_items, 0, "snippets sent to a client without snippet support")
    end
  end)
  T.finish()
end
