-- :checkhealth infrac
local M = {}

-- vim.health (0.10+: start/ok/warn/error/info) or the older health module
-- (0.7 .. 0.9: report_start/report_ok/...).
local function reporter()
  local h = vim.health
  if h and h.start then
    return h.start, h.ok, h.warn, h.error, h.info
  end
  h = (h and h.report_start) and h or require("health")
  return h.report_start, h.report_ok, h.report_warn, h.report_error, h.report_info
end

function M.check()
  local start, ok, warn, error, info = reporter()
  local infrac = require("infrac")

  start("infrac: Neovim")
  local v = vim.version()
  local version = string.format("%d.%d.%d", v.major, v.minor, v.patch)
  if vim.fn.has("nvim-0.7") == 1 then
    ok("Neovim " .. version)
  else
    error("Neovim " .. version .. " is too old: infrac needs 0.7 or newer")
  end

  start("infrac: language server")
  local cmd = infrac.server_cmd()
  local exe = vim.fn.exepath(cmd[1])
  if exe ~= "" then
    ok(string.format("`%s` is %s (server: %s)", cmd[1], exe, table.concat(cmd, " ")))
    local out = vim.fn.systemlist({ exe, "--version" })
    if vim.v.shell_error == 0 and out[1] then
      info(out[1])
    end
  else
    error(string.format("`%s` is not an executable on PATH", cmd[1]), {
      "Install infrac, or set `cmd` / `infrac` in require('infrac').setup()",
    })
  end
  local clients = infrac.clients()
  if #clients > 0 then
    for _, client in ipairs(clients) do
      info(string.format("client %d running for %s", client.id, tostring(client.config.root_dir)))
    end
  else
    info("no infrac client is running")
  end

  start("infrac: tree-sitter")
  if infrac.has_parser() then
    ok("the `infra` parser is installed")
  else
    warn("the `infra` parser is not installed: regex highlighting (syntax/infra.vim) is used", {
      "Build it with editors/nvim/scripts/build-parser.sh, or register it with nvim-treesitter (see README)",
    })
  end
  local queries = vim.api.nvim_get_runtime_file("queries/infra/highlights.scm", true)
  if #queries > 0 then
    ok("highlight queries: " .. table.concat(queries, ", "))
  else
    warn("no queries/infra/highlights.scm on the runtimepath", {
      "editors/nvim/queries/infra is a symlink to grammar/tree-sitter-infra/queries: use the whole repository",
    })
  end
end

return M
