-- infrac for Neovim 0.7+: the `infrac lsp` language server for .infra
-- buffers, and :InfracPlan / :InfracGraph / :InfracRestart.
--
--   require("infrac").setup({
--     cmd = { "infrac", "lsp" },   -- how to start the server (default: { infrac, "lsp" })
--     infrac = "infrac",           -- the executable for :InfracPlan / :InfracGraph
--     on_attach = function(client, bufnr) end,
--   })

local M = {}

local defaults = {
  -- The infrac executable, for the server (when `cmd` is nil) and the commands.
  infrac = "infrac",
  -- The server's command line: a list, or a string split on white space.
  -- nil means { infrac, "lsp" }.
  cmd = nil,
  filetypes = { "infra" },
  -- The root is the nearest directory upwards holding one of these,
  -- else the buffer's own directory.
  root_markers = { "infra.toml" },
  -- Start the server when an infra buffer is opened.
  autostart = true,
  -- Define :InfracPlan, :InfracGraph and :InfracRestart.
  commands = true,
  -- Highlight with tree-sitter (Neovim 0.8+) when the `infra` parser is installed.
  treesitter = true,
  -- Passed through to the LSP client.
  name = "infrac",
  on_attach = nil,
  capabilities = nil,
  settings = nil,
  init_options = nil,
  handlers = nil,
  flags = nil,
  cmd_env = nil,
}

M.config = vim.deepcopy(defaults)

-- Every option, those whose default is nil included.
local option_names = {
  "infrac", "cmd", "filetypes", "root_markers", "autostart", "commands", "treesitter", "name",
  "on_attach", "capabilities", "settings", "init_options", "handlers", "flags", "cmd_env",
}

local uv = vim.uv or vim.loop
local augroup = nil
local warned = {}

local function notify(message, level)
  vim.notify("infrac: " .. message, level or vim.log.levels.INFO)
end

local function warn_once(key, message)
  if not warned[key] then
    warned[key] = true
    notify(message, vim.log.levels.ERROR)
  end
end

--- The server's command line, as a list.
function M.server_cmd()
  local cmd = M.config.cmd
  if cmd == nil then
    return { M.config.infrac, "lsp" }
  end
  if type(cmd) == "string" then
    return vim.split(vim.trim(cmd), "%s+")
  end
  return vim.deepcopy(cmd)
end

--- The project root of a file: the nearest directory upwards holding a root
--- marker (infra.toml), else the file's own directory.
function M.root_dir(path)
  local start
  if path == nil or path == "" then
    start = vim.fn.getcwd()
  else
    start = vim.fn.fnamemodify(path, ":p:h")
  end
  local dir = start
  while true do
    for _, marker in ipairs(M.config.root_markers) do
      if uv.fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      return start
    end
    dir = parent
  end
end

-- Neovim 0.7: the client started for each root, so that buffers opened while
-- it is still initializing (when get_active_clients() does not list it yet)
-- attach to it instead of starting another.
local client_for_root = {}

--- The infrac clients that are running, initializing ones included.
function M.clients()
  local all
  if vim.lsp.get_clients then
    -- 0.11 leaves initializing clients out unless asked.
    all = vim.lsp.get_clients({ _uninitialized = true })
  else
    all = vim.lsp.get_active_clients()
    local seen = {}
    for _, client in ipairs(all) do
      seen[client.id] = true
    end
    for _, id in pairs(client_for_root) do
      local client = vim.lsp.get_client_by_id(id)
      if client and not seen[id] then
        table.insert(all, client)
      end
    end
  end
  local mine = {}
  for _, client in ipairs(all) do
    if client.name == M.config.name then
      table.insert(mine, client)
    end
  end
  return mine
end

local function is_infra_buffer(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= "" then
    return false
  end
  return vim.tbl_contains(M.config.filetypes, vim.bo[bufnr].filetype)
end

--- Starts (or reuses) the client for the buffer's project root and attaches
--- the buffer. Returns the client id, or nil when the server cannot start.
function M.start(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  local cmd = M.server_cmd()
  if vim.fn.executable(cmd[1]) ~= 1 then
    warn_once(
      "exe:" .. cmd[1],
      string.format(
        "cannot start the language server: `%s` is not an executable on PATH "
          .. "(install infrac, or pass `cmd` or `infrac` to require('infrac').setup())",
        cmd[1]
      )
    )
    return nil
  end
  local root = M.root_dir(vim.api.nvim_buf_get_name(bufnr))
  local config = {
    name = M.config.name,
    cmd = cmd,
    cmd_env = M.config.cmd_env,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    capabilities = M.config.capabilities or vim.lsp.protocol.make_client_capabilities(),
    on_attach = M.config.on_attach,
    settings = M.config.settings,
    init_options = M.config.init_options,
    handlers = M.config.handlers,
    flags = M.config.flags,
  }

  if vim.lsp.start then
    -- Neovim 0.8+: reuses a client with the same name and root.
    local id
    vim.api.nvim_buf_call(bufnr, function()
      id = vim.lsp.start(config, { bufnr = bufnr })
    end)
    return id
  end

  -- Neovim 0.7.
  local existing = client_for_root[root] and vim.lsp.get_client_by_id(client_for_root[root])
  if existing and not existing.is_stopped() then
    vim.lsp.buf_attach_client(bufnr, existing.id)
    return existing.id
  end
  local id = vim.lsp.start_client(config)
  if id then
    client_for_root[root] = id
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

local function wait_gone(ids, timeout_ms)
  return vim.wait(timeout_ms, function()
    for _, id in ipairs(ids) do
      if vim.lsp.get_client_by_id(id) ~= nil then
        return false
      end
    end
    return true
  end, 20)
end

--- Stops every infrac client; waits up to `timeout_ms` (default 5000) for
--- them to exit, then kills what is left. Returns true when all are gone.
function M.stop(timeout_ms)
  local ids = {}
  for _, client in ipairs(M.clients()) do
    table.insert(ids, client.id)
  end
  if #ids == 0 then
    return true
  end
  vim.lsp.stop_client(ids)
  if wait_gone(ids, timeout_ms or 5000) then
    return true
  end
  vim.lsp.stop_client(ids, true)
  return wait_gone(ids, 2000)
end

--- Stops the servers and starts them again for every open infra buffer.
function M.restart()
  M.stop()
  warned = {}
  local started = 0
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and is_infra_buffer(bufnr) then
      if M.start(bufnr) then
        started = started + 1
      end
    end
  end
  notify(string.format("language server restarted (%d buffer%s)", started, started == 1 and "" or "s"))
end

--- The project directory for :InfracPlan / :InfracGraph: the argument, else
--- the directory of the current .infra file, else the working directory.
function M.project_dir(arg)
  if arg ~= nil and arg ~= "" then
    local dir = vim.fn.fnamemodify(vim.fn.expand(arg), ":p")
    if dir:sub(-1) == "/" and #dir > 1 then
      dir = dir:sub(1, -2)
    end
    return dir
  end
  local name = vim.api.nvim_buf_get_name(0)
  if name:match("%.infra$") or vim.fn.fnamemodify(name, ":t") == "infra.toml" then
    return vim.fn.fnamemodify(name, ":p:h")
  end
  return vim.fn.getcwd()
end

local output_buffers = {}

--- Shows `lines` in a read-only scratch buffer named `name`, in a split
--- (reused when it is already shown). Returns the buffer number.
local function show_output(name, lines, filetype)
  local bufnr = output_buffers[name]
  if bufnr == nil or not vim.api.nvim_buf_is_valid(bufnr) then
    bufnr = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(bufnr, name)
    vim.bo[bufnr].bufhidden = "hide"
    output_buffers[name] = bufnr
  end
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
  vim.bo[bufnr].modifiable = false
  vim.bo[bufnr].modified = false
  vim.bo[bufnr].filetype = filetype
  local win = vim.fn.bufwinid(bufnr)
  if win == -1 then
    vim.cmd("botright split")
    vim.api.nvim_win_set_buf(0, bufnr)
  else
    vim.api.nvim_set_current_win(win)
  end
  return bufnr
end

local function drop_trailing_empty(lines)
  while #lines > 0 and lines[#lines] == "" do
    table.remove(lines)
  end
  return lines
end

--- Runs `infrac <args>` without blocking and calls on_done(code, stdout_lines,
--- stderr_lines). Returns the job id, or nil when infrac is not executable.
local function run_infrac(args, cwd, on_done)
  local exe = M.config.infrac
  if vim.fn.executable(exe) ~= 1 then
    notify(string.format("`%s` is not an executable on PATH (set `infrac` in setup())", exe), vim.log.levels.ERROR)
    return nil
  end
  local argv = { exe }
  vim.list_extend(argv, args)
  local stdout, stderr = {}, {}
  local job = vim.fn.jobstart(argv, {
    cwd = cwd,
    stdout_buffered = true,
    stderr_buffered = true,
    on_stdout = function(_, data)
      stdout = data
    end,
    on_stderr = function(_, data)
      stderr = data
    end,
    on_exit = function(_, code)
      vim.schedule(function()
        on_done(code, drop_trailing_empty(stdout), drop_trailing_empty(stderr))
      end)
    end,
  })
  if job <= 0 then
    notify("could not run " .. table.concat(argv, " "), vim.log.levels.ERROR)
    return nil
  end
  return job
end

local function show_command(kind, args, dir, filetype)
  return run_infrac(args, dir, function(code, out, err)
    if code ~= 0 then
      local message = #err > 0 and table.concat(err, "\n") or table.concat(out, "\n")
      notify(string.format("infrac %s failed (exit %d):\n%s", kind, code, message), vim.log.levels.ERROR)
      return
    end
    show_output(string.format("infrac://%s/%s", kind, dir), out, filetype)
  end)
end

--- :InfracPlan [dir] — `infrac plan <dir>` in a scratch split.
function M.plan(dir)
  dir = M.project_dir(dir)
  return show_command("plan", { "plan", dir }, dir, "text")
end

--- :InfracGraph [dir] — `infrac graph <dir> --format mermaid` in a scratch split.
function M.graph(dir)
  dir = M.project_dir(dir)
  return show_command("graph", { "graph", dir, "--format", "mermaid" }, dir, "mermaid")
end

--- True when the `infra` tree-sitter parser can be loaded.
function M.has_parser()
  local ts = vim.treesitter
  if ts.language and ts.language.add then
    local ok, result = pcall(ts.language.add, "infra")
    return ok and result ~= false
  end
  if ts.require_language then
    local ok, result = pcall(ts.require_language, "infra", nil, true)
    return ok and result == true
  end
  return false
end

local function on_filetype(bufnr)
  if M.config.treesitter and vim.treesitter.start and M.has_parser() then
    pcall(vim.treesitter.start, bufnr, "infra")
  end
  if M.config.autostart then
    M.start(bufnr)
  end
end

local function define_commands()
  local create = vim.api.nvim_create_user_command
  create("InfracPlan", function(o)
    M.plan(o.args)
  end, { nargs = "?", complete = "dir", desc = "infrac plan <project dir>" })
  create("InfracGraph", function(o)
    M.graph(o.args)
  end, { nargs = "?", complete = "dir", desc = "infrac graph <project dir> --format mermaid" })
  create("InfracRestart", function()
    M.restart()
  end, { nargs = 0, desc = "Restart the infrac language server" })
end

--- Configures the plugin. Safe to call more than once: the last call wins.
function M.setup(opts)
  opts = opts or {}
  local config = vim.deepcopy(defaults)
  for key, value in pairs(opts) do
    if not vim.tbl_contains(option_names, key) then
      notify("unknown setup() option `" .. tostring(key) .. "`", vim.log.levels.WARN)
    end
    config[key] = value
  end
  M.config = config
  warned = {}

  if vim.filetype and vim.filetype.add then
    vim.filetype.add({ extension = { infra = "infra" } })
  end

  augroup = vim.api.nvim_create_augroup("infrac", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = augroup,
    pattern = M.config.filetypes,
    callback = function(args)
      on_filetype(args.buf)
    end,
  })
  if M.config.commands then
    define_commands()
  end

  -- The server's code lenses ("7 AWS resources") run `infrac.showPlan` with the document's
  -- URI: show the plan of that document's project.
  if vim.lsp and vim.lsp.commands then
    vim.lsp.commands["infrac.showPlan"] = function(command)
      local uri = command and command.arguments and command.arguments[1]
      local dir = nil
      if type(uri) == "string" then
        dir = vim.fn.fnamemodify(vim.uri_to_fname(uri), ":h")
      end
      return M.plan(dir)
    end
  end

  -- Buffers opened before setup() (lazy loading).
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and is_infra_buffer(bufnr) then
      on_filetype(bufnr)
    end
  end
end

return M
