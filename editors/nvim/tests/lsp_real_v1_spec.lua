-- The language v1 checks of lsp_features_v1.lua against the real `infrac lsp`,
-- on the fixture copy of the v1 running example (tests/fixtures/thumbnailer_v1).
--
--   INFRAC_BIN=/path/to/infrac editors/nvim/tests/run.sh
--
-- Skipped, saying so, when the server is not given or is an infrac from before
-- language v1: one whose `infrac explain` knows neither E0208 (service) nor
-- E0210 (secret).
local T = dofile(vim.env.INFRAC_NVIM_TESTS .. "/harness.lua")

local name = "the real `infrac lsp` answers for service, secret, runs and invokes"
local cmd_line = vim.env.INFRAC_LSP_CMD
local bin = vim.env.INFRAC_BIN
local cmd
if cmd_line ~= nil and cmd_line ~= "" then
  cmd = vim.split(vim.trim(cmd_line), "%s+")
elseif bin ~= nil and bin ~= "" then
  cmd = { bin, "lsp" }
end

if cmd == nil then
  T.skip(name, "INFRAC_BIN is not set (set INFRAC_BIN=/path/to/infrac, or INFRAC_LSP_CMD, to test the real server)")
  T.finish()
elseif vim.fn.executable(cmd[1]) ~= 1 then
  T.test(name, function()
    error(cmd[1] .. " is not executable")
  end)
  T.finish()
else
  local unknown = {}
  for _, code in ipairs({ "E0208", "E0210" }) do
    vim.fn.system({ cmd[1], "explain", code })
    if vim.v.shell_error ~= 0 then
      table.insert(unknown, code)
    end
  end
  if #unknown > 0 then
    T.skip(
      name,
      string.format("%s predates language v1: `infrac explain` does not know %s", cmd[1], table.concat(unknown, ", "))
    )
  else
    dofile(T.tests .. "/lsp_features_v1.lua")(T, {
      cmd = cmd,
      file = T.tests .. "/fixtures/thumbnailer_v1/main.infra",
      timeout = 20000,
      real = true,
    })
  end
  T.finish()
end
