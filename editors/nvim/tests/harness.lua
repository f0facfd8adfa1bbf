-- A tiny test harness for headless Neovim (0.7+). Each spec file does
--   local T = dofile(vim.env.INFRAC_NVIM_TESTS .. "/harness.lua")
--   T.test("name", function() ... end)
--   T.finish()
-- and prints TAP-like lines (`ok - name`, `not ok - name`, `ok - name # SKIP why`)
-- that tests/run.sh counts. T.finish() stops LSP clients and quits with
-- exit code 0 (all passed) or 1.
local T = { passed = 0, failed = 0, skipped = 0 }

T.root = vim.env.INFRAC_NVIM_ROOT -- editors/nvim
T.tests = vim.env.INFRAC_NVIM_TESTS -- editors/nvim/tests
T.repo = vim.env.INFRAC_REPO_ROOT

function T.log(line)
  io.stdout:write(line .. "\n")
  io.stdout:flush()
end

function T.test(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    T.passed = T.passed + 1
    T.log("ok - " .. name)
  else
    T.failed = T.failed + 1
    T.log("not ok - " .. name)
    for line in tostring(err):gmatch("[^\n]+") do
      T.log("  # " .. line)
    end
  end
end

function T.skip(name, reason)
  T.skipped = T.skipped + 1
  T.log("ok - " .. name .. " # SKIP " .. reason)
end

function T.eq(actual, expected, what)
  if not vim.deep_equal(actual, expected) then
    error(string.format("%s: expected %s, got %s", what or "value", vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

function T.truthy(value, what)
  if not value then
    error(what or "expected a true value", 2)
  end
  return value
end

function T.contains(haystack, needle, what)
  if type(haystack) ~= "string" or not haystack:find(needle, 1, true) then
    error(string.format("%s: %s does not contain %s", what or "text", vim.inspect(haystack), vim.inspect(needle)), 2)
  end
end

--- Waits (processing events) until cond() returns a truthy value, and returns it.
function T.wait(timeout_ms, cond, what)
  local value
  local ok = vim.wait(timeout_ms, function()
    value = cond()
    return value and true or false
  end, 20)
  if not ok then
    error(string.format("timed out after %d ms waiting for %s", timeout_ms, what), 2)
  end
  return value
end

function T.tempdir()
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, "p")
  return dir
end

function T.write(path, text)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ":h"), "p")
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

function T.read(path)
  local f = assert(io.open(path, "r"))
  local text = f:read("*a")
  f:close()
  return text
end

--- All LSP clients (any Neovim version).
function T.all_clients()
  return vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
end

--- The clients attached to a buffer.
function T.buf_clients(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr })
  end
  return vim.tbl_values(vim.lsp.buf_get_clients(bufnr))
end

--- Records vim.notify calls in T.notes: { { msg = ..., level = ... } }.
T.notes = {}
vim.notify = function(msg, level)
  table.insert(T.notes, { msg = msg, level = level })
end

function T.finish()
  local ids = {}
  for _, client in ipairs(T.all_clients()) do
    table.insert(ids, client.id)
  end
  if #ids > 0 then
    vim.lsp.stop_client(ids)
    vim.wait(3000, function()
      return #T.all_clients() == 0
    end, 20)
    vim.lsp.stop_client(ids, true)
  end
  T.log(string.format("# summary pass=%d fail=%d skip=%d", T.passed, T.failed, T.skipped))
  if T.failed > 0 then
    vim.cmd("cquit 1")
  else
    vim.cmd("qall!")
  end
end

return T
