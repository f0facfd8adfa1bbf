-- The language features an .infra buffer gets from the server, checked
-- against a copy of a project (the running example by default): diagnostics,
-- hover, definition, completion, rename and formatting. Shared by
-- lsp_features_fake_spec.lua (tests/fake_lsp.py) and lsp_real_spec.lua (`infrac lsp`).
--
--   dofile(tests .. "/lsp_features.lua")(T, { cmd = {...}, file = "/path/main.infra", timeout = 20000 })
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

  T.test("diagnostics: an unknown resource kind gives E0101 on its line", function()
    local n = #lines()
    vim.api.nvim_buf_set_lines(buf, n, n, false, { "", "buckt extra {", "}" })
    local d = T.wait(timeout, function()
      for _, x in ipairs(vim.diagnostic.get(buf)) do
        if code_of(x) == "E0101" then
          return x
        end
      end
    end, "an E0101 diagnostic")
    T.eq(d.lnum, n + 1, "line of the diagnostic")
    T.eq(d.severity, vim.diagnostic.severity.ERROR, "severity")
    T.contains(d.message, "buckt", "message")
    vim.api.nvim_buf_set_lines(buf, n, n + 3, false, {})
    T.wait(timeout, function()
      for _, x in ipairs(vim.diagnostic.get(buf)) do
        if code_of(x) == "E0101" then
          return false
        end
      end
      return true
    end, "the E0101 diagnostic to go once the line is gone")
  end)

  T.test("hover on a reference shows the bucket's doc comment", function()
    local result = request("textDocument/hover", at(pos("^%s*reads%s+media", "media")))
    T.contains(hover_text(result), "Uploaded videos and their thumbnails.", "hover")
  end)

  T.test("definition of a reference is the declaration", function()
    local decl = pos("^bucket%s+media", "media")
    local result = request("textDocument/definition", at(pos("^%s*reads%s+media", "media")))
    T.truthy(result, "a definition")
    local loc = result[1] or result -- Location, Location[] or LocationLink[]
    T.eq(loc.uri or loc.targetUri, uri, "uri")
    local range = loc.targetSelectionRange or loc.range or loc.targetRange
    T.eq(range.start.line, decl.line, "line of `bucket media`")
  end)

  T.test("completion in a bucket block offers the bucket's attributes", function()
    local p = pos("^%s*versioning%s*=", "versioning")
    vim.api.nvim_buf_set_lines(buf, p.line + 1, p.line + 1, false, { "  " })
    local params = at({ line = p.line + 1, character = 2 })
    params.context = { triggerKind = 1 }
    local result = request("textDocument/completion", params)
    vim.api.nvim_buf_set_lines(buf, p.line + 1, p.line + 2, false, {})
    local items = result and (result.items or result) or {}
    local labels = {}
    for _, item in ipairs(items) do
      labels[item.label] = true
    end
    T.truthy(labels.expire_after and labels.force_destroy, "labels: " .. vim.inspect(vim.tbl_keys(labels)))
  end)

  T.test("rename of a bucket renames every reference", function()
    local result = request("textDocument/rename", {
      textDocument = { uri = uri },
      position = pos("^bucket%s+media", "media"),
      newName = "assets",
    })
    T.truthy(result, "a workspace edit")
    vim.lsp.util.apply_workspace_edit(result, "utf-16")
    local text = table.concat(lines(), "\n")
    T.truthy(not text:find("%f[%w_]media%f[^%w_]"), "`media` is left in:\n" .. text)
    for _, expected in ipairs({ "bucket assets", "reads assets", 'writes assets("*.jpg")', 'assets.on_put(".mp4")', "= assets.name" }) do
      T.contains(text, expected, "renamed text")
    end
    -- the server saw the edit too
    local hover = request("textDocument/hover", at(pos("^%s*reads%s+assets", "assets")))
    T.contains(hover_text(hover), "Uploaded videos and their thumbnails.", "hover after rename")
  end)

  T.test("formatting puts a messed-up member back in canonical form, and is idempotent", function()
    local p = pos("^%s*cpu%s*=", "cpu")
    vim.api.nvim_buf_set_lines(buf, p.line, p.line + 1, false, { "      cpu=256" })
    local options = { tabSize = 2, insertSpaces = true }
    local edits = request("textDocument/formatting", { textDocument = { uri = uri }, options = options })
    T.truthy(edits and #edits > 0, "formatting edits")
    vim.lsp.util.apply_text_edits(edits, buf, "utf-16")
    T.eq(lines()[p.line + 1], "  cpu = 256", "formatted line")
    local before = lines()
    local again = request("textDocument/formatting", { textDocument = { uri = uri }, options = options })
    if again and #again > 0 then
      vim.lsp.util.apply_text_edits(again, buf, "utf-16")
    end
    T.eq(lines(), before, "text after formatting twice")
  end)
end
