-- setup() with a fake language server (tests/fake_lsp.py): attaching, root
-- detection, diagnostics, hover, restart, and the :InfracPlan / :InfracGraph
-- commands with a fake infrac executable.
local T = dofile(vim.env.INFRAC_NVIM_TESTS .. "/harness.lua")
local infrac = require("infrac")

vim.cmd("filetype plugin indent on")

local python = vim.fn.exepath("python3")
local log_file = vim.fn.tempname()
vim.env.FAKE_LSP_LOG = log_file

-- proj/infra.toml, proj/main.infra, proj/sub/other.infra, loose/x.infra
local base = vim.fn.resolve(T.tempdir())
local proj = base .. "/proj"
local loose = base .. "/loose"
T.write(proj .. "/infra.toml", 'name = "proj"\n')
T.write(proj .. "/main.infra", "/// The media bucket.\nbucket Media {\n  versioning = true\n}\n")
T.write(proj .. "/sub/other.infra", "bucket other\n")
T.write(loose .. "/x.infra", "bucket x\n")

local attached = {}
infrac.setup({
  cmd = { python, T.tests .. "/fake_lsp.py" },
  on_attach = function(client, bufnr)
    table.insert(attached, { client = client.id, buf = bufnr })
  end,
})

local function open(path)
  vim.cmd("edit " .. vim.fn.fnameescape(path))
  return vim.api.nvim_get_current_buf()
end

local function infrac_client(bufnr)
  for _, client in ipairs(T.buf_clients(bufnr)) do
    if client.name == "infrac" then
      return client
    end
  end
end

local function messages()
  local out = {}
  for line in io.lines(log_file) do
    table.insert(out, vim.json and vim.json.decode(line) or vim.fn.json_decode(line))
  end
  return out
end

local main_buf

T.test("setup() starts the server and attaches it to an infra buffer", function()
  main_buf = open(proj .. "/main.infra")
  local client = T.wait(10000, function()
    return infrac_client(main_buf)
  end, "the infrac client to attach")
  T.eq(client.config.root_dir, proj, "root_dir (the directory holding infra.toml)")
  T.wait(5000, function()
    return #attached > 0
  end, "on_attach")
  T.eq(attached[1], { client = client.id, buf = main_buf }, "on_attach arguments")
end)

T.test("the server's diagnostic arrives", function()
  local diags = T.wait(10000, function()
    local d = vim.diagnostic.get(main_buf)
    return #d > 0 and d
  end, "diagnostics")
  T.eq(#diags, 1, "number of diagnostics")
  local d = diags[1]
  T.eq({ d.lnum, d.col, d.severity }, { 1, 7, vim.diagnostic.severity.WARN }, "position and severity")
  T.eq(d.code or (d.user_data and d.user_data.lsp.code), "W0003", "code")
  T.contains(d.message, "`Media` is not lower snake case", "message")
end)

T.test("hover returns the declaration and its doc comment", function()
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(main_buf) },
    position = { line = 1, character = 9 },
  }
  local responses = vim.lsp.buf_request_sync(main_buf, "textDocument/hover", params, 5000)
  T.truthy(responses, "a hover response")
  local _, response = next(responses)
  T.truthy(response.result, "a hover result: " .. vim.inspect(response))
  T.contains(response.result.contents.value, "bucket Media", "hover")
  T.contains(response.result.contents.value, "The media bucket.", "hover")
end)

T.test("vim.lsp.buf.hover() shows the hover in a floating window", function()
  vim.api.nvim_win_set_cursor(0, { 2, 9 })
  vim.lsp.buf.hover()
  local text = T.wait(5000, function()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(win).relative ~= "" then
        local lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false)
        return table.concat(lines, "\n")
      end
    end
  end, "a hover window")
  T.contains(text, "The media bucket.", "hover window")
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= "" then
      vim.api.nvim_win_close(win, true)
    end
  end
end)

T.test("the client was initialised with the project root and sent didOpen", function()
  local init, open_msg
  for _, m in ipairs(messages()) do
    if m.method == "initialize" then
      init = init or m
    elseif m.method == "textDocument/didOpen" then
      open_msg = open_msg or m
    end
  end
  T.truthy(init, "an initialize request")
  T.eq(init.params.rootUri, vim.uri_from_fname(proj), "rootUri")
  T.eq(init.params.workspaceFolders[1].uri, vim.uri_from_fname(proj), "workspaceFolders")
  T.eq(open_msg.params.textDocument.languageId, "infra", "languageId")
  T.eq(open_msg.params.textDocument.uri, vim.uri_from_fname(proj .. "/main.infra"), "uri")
end)

T.test("edits are sent and the diagnostics follow them", function()
  vim.api.nvim_buf_set_lines(main_buf, 1, 2, false, { "bucket media {" })
  T.wait(10000, function()
    return #vim.diagnostic.get(main_buf) == 0
  end, "the warning to go away")
  vim.api.nvim_buf_set_lines(main_buf, 1, 2, false, { "buckt media {" })
  local d = T.wait(10000, function()
    return vim.diagnostic.get(main_buf)[1]
  end, "an E0101 diagnostic")
  T.eq(d.code or d.user_data.lsp.code, "E0101", "code")
  vim.api.nvim_buf_set_lines(main_buf, 1, 2, false, { "bucket Media {" })
end)

local first_client

T.test("buffers under the same infra.toml share one client; others get their own", function()
  first_client = infrac_client(main_buf).id
  local sub = open(proj .. "/sub/other.infra")
  local c = T.wait(10000, function()
    return infrac_client(sub)
  end, "a client for sub/other.infra")
  T.eq(c.id, first_client, "client of sub/other.infra")
  local x = open(loose .. "/x.infra")
  local cx = T.wait(10000, function()
    return infrac_client(x)
  end, "a client for loose/x.infra")
  T.truthy(cx.id ~= first_client, "loose/x.infra has its own client")
  T.eq(cx.config.root_dir, loose, "root of a file without infra.toml")
  T.wait(10000, function()
    return #infrac.clients() == 2
  end, "two infrac clients")
end)

T.test(":InfracRestart replaces the clients and re-attaches every infra buffer", function()
  local before = {}
  for _, c in ipairs(infrac.clients()) do
    before[c.id] = true
  end
  vim.cmd("InfracRestart")
  for id in pairs(before) do
    T.eq(vim.lsp.get_client_by_id(id), nil, "old client " .. id)
  end
  local client = T.wait(10000, function()
    return infrac_client(main_buf)
  end, "a new client for main.infra")
  T.truthy(not before[client.id], "a new client id")
  T.wait(10000, function()
    return #vim.diagnostic.get(main_buf) == 1
  end, "diagnostics from the new server")
  T.wait(10000, function()
    return #infrac.clients() == 2
  end, "two infrac clients after restart")
  T.contains(T.notes[#T.notes].msg, "language server restarted (3 buffers)", "notification")
end)

T.test(":checkhealth infrac reports the server command and the running clients", function()
  vim.cmd("checkhealth infrac")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  T.contains(text, "python3", "health report")
  T.contains(text, "running for " .. proj, "health report")
  vim.cmd("bwipeout!")
end)

-- A fake `infrac` for the plan and graph commands.
local bin = T.tempdir()
local fake_infrac = bin .. "/infrac"
T.write(
  fake_infrac,
  table.concat({
    "#!/bin/sh",
    'if [ -f "$2/FAIL" ]; then echo "error[E0103]: \\`medai\\` is not declared" >&2; exit 1; fi',
    'case "$1" in',
    '  plan) printf "plan for %s\\n+ bucket media\\n" "$2" ;;',
    '  graph) printf "graph TD\\n  media --> ffmpeg\\n%%%% %s\\n" "$*" ;;',
    "esac",
  }, "\n") .. "\n"
)
vim.fn.setfperm(fake_infrac, "rwxr-xr-x")

local function output_buffer(name)
  return T.wait(10000, function()
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_get_name(b) == name and #vim.api.nvim_buf_get_lines(b, 0, -1, false) > 1 then
        return b
      end
    end
  end, "buffer " .. name)
end

T.test(":InfracPlan shows `infrac plan <dir of the .infra file>` in a split", function()
  infrac.setup({ infrac = fake_infrac, autostart = false })
  vim.cmd("edit " .. vim.fn.fnameescape(proj .. "/sub/other.infra"))
  local wins = #vim.api.nvim_list_wins()
  vim.cmd("InfracPlan")
  local b = output_buffer("infrac://plan/" .. proj .. "/sub")
  T.eq(vim.api.nvim_buf_get_lines(b, 0, -1, false), { "plan for " .. proj .. "/sub", "+ bucket media" }, "plan text")
  T.eq(vim.bo[b].modifiable, false, "read-only")
  T.eq(vim.bo[b].buftype, "nofile", "scratch")
  T.eq(#vim.api.nvim_list_wins(), wins + 1, "one split")
  T.eq(vim.api.nvim_get_current_buf(), b, "the plan is shown")
end)

T.test(":InfracPlan DIR and :InfracGraph DIR", function()
  vim.cmd("InfracPlan " .. vim.fn.fnameescape(proj))
  local b = output_buffer("infrac://plan/" .. proj)
  T.eq(vim.api.nvim_buf_get_lines(b, 0, 1, false)[1], "plan for " .. proj, "plan text")
  vim.cmd("InfracGraph " .. vim.fn.fnameescape(proj))
  local g = output_buffer("infrac://graph/" .. proj)
  T.eq(
    vim.api.nvim_buf_get_lines(g, 0, -1, false),
    { "graph TD", "  media --> ffmpeg", "%% graph " .. proj .. " --format mermaid" },
    "graph text"
  )
  T.eq(vim.bo[g].filetype, "mermaid", "filetype")
end)

T.test(":InfracPlan reports infrac's errors", function()
  T.write(loose .. "/FAIL", "")
  local n = #T.notes
  vim.cmd("InfracPlan " .. vim.fn.fnameescape(loose))
  local note = T.wait(10000, function()
    return #T.notes > n and T.notes[#T.notes]
  end, "an error notification")
  T.eq(note.level, vim.log.levels.ERROR, "level")
  T.contains(note.msg, "infrac plan failed (exit 1)", "message")
  T.contains(note.msg, "error[E0103]: `medai` is not declared", "message")
end)

T.test("a server that is not installed gives one clear error and no client", function()
  infrac.stop()
  local n = #T.notes
  -- setup() also starts the server for the infra buffers already open
  infrac.setup({ cmd = { "/nonexistent/infrac", "lsp" } })
  local a = open(T.tempdir() .. "/a.infra")
  local b = open(T.tempdir() .. "/b.infra")
  T.eq(#infrac.clients(), 0, "clients")
  T.eq(#T.notes, n + 1, "one notification for two buffers")
  T.contains(T.notes[#T.notes].msg, "`/nonexistent/infrac` is not an executable", "message")
  T.eq(#T.buf_clients(a) + #T.buf_clients(b), 0, "attached clients")
end)

T.finish()
