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
  T.finish()
end
