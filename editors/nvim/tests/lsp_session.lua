-- One .infra buffer attached to a language server, on a copy of the file's
-- project directory, and the helpers the feature checks use: a test that the
-- server attaches, then positions, requests and hover text. Shared by
-- lsp_features.lua (v0 features) and lsp_features_v1.lua (language v1).
--
--   local S = dofile(tests .. "/lsp_session.lua")(T, { cmd = {...}, file = "/path/main.infra", timeout = 20000 })
--   S.buf, S.uri, S.lines(), S.pos(pattern, word), S.request(method, params), S.at(position),
--   S.hover_text(result), S.code_of(diagnostic), S.timeout
return function(T, opts)
  local infrac = require("infrac")
  local timeout = opts.timeout or 10000

  vim.cmd("filetype plugin indent on")

  -- Work on a copy of the file's project directory: edits stay in the buffer,
  -- but nothing of the original can be touched.
  local src_dir = vim.fn.fnamemodify(opts.file, ":p:h")
  local copy = vim.fn.resolve(T.tempdir()) .. "/project"
  vim.fn.system({ "cp", "-R", src_dir, copy })
  T.truthy(vim.v.shell_error == 0, "copying " .. src_dir)
  local file = copy .. "/" .. vim.fn.fnamemodify(opts.file, ":t")

  infrac.setup({ cmd = opts.cmd })
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(buf)

  local function lines()
    return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  end

  --- {line, character} (0-based) of `word` in the first line matching `pattern`.
  local function pos(pattern, word)
    for n, line in ipairs(lines()) do
      if line:find(pattern) then
        local s, e = line:find(pattern)
        local col = line:sub(s, e):find(word, 1, true)
        T.truthy(col, string.format("%q in %q", word, line))
        return { line = n - 1, character = s - 1 + col - 1 }
      end
    end
    error("no line matches " .. pattern .. " in\n" .. table.concat(lines(), "\n"))
  end

  local function request(method, params)
    local responses, err = vim.lsp.buf_request_sync(buf, method, params, timeout)
    T.truthy(responses, method .. ": no response (" .. tostring(err) .. ")")
    for _, response in pairs(responses) do
      if response.err or response.error then
        error(method .. " failed: " .. vim.inspect(response.err or response.error))
      end
      return response.result
    end
    error(method .. ": no client answered")
  end

  local function at(position)
    return { textDocument = { uri = uri }, position = position }
  end

  local function hover_text(result)
    local contents = result and result.contents
    if type(contents) == "string" then
      return contents
    elseif type(contents) == "table" and contents.value then
      return contents.value
    elseif type(contents) == "table" then
      local parts = {}
      for _, c in ipairs(contents) do
        table.insert(parts, type(c) == "string" and c or c.value)
      end
      return table.concat(parts, "\n")
    end
    return ""
  end

  local function code_of(d)
    return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
  end

  T.test("the server attaches to " .. vim.fn.fnamemodify(opts.file, ":~:."), function()
    local client = T.wait(timeout, function()
      for _, c in ipairs(T.buf_clients(buf)) do
        if c.name == "infrac" and (c.initialized == nil or c.initialized) and c.server_capabilities ~= nil then
          return c
        end
      end
      -- 0.7 has no `initialized`/`server_capabilities` fields before 0.8: use resolved_capabilities
      for _, c in ipairs(T.buf_clients(buf)) do
        if c.name == "infrac" and c.resolved_capabilities ~= nil then
          return c
        end
      end
    end, "an initialized infrac client")
    T.eq(client.config.root_dir, copy, "root_dir")
  end)

  return {
    buf = buf,
    uri = uri,
    copy = copy,
    timeout = timeout,
    lines = lines,
    pos = pos,
    request = request,
    at = at,
    hover_text = hover_text,
    code_of = code_of,
  }
end
