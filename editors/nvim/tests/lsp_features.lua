-- The language features an .infra buffer gets from the server, checked
-- against a copy of a project (the running example by default): diagnostics,
-- hover, definition, completion, rename and formatting. Shared by
-- lsp_features_fake_spec.lua (tests/fake_lsp.py) and lsp_real_spec.lua (`infrac lsp`).
--
--   dofile(tests .. "/lsp_features.lua")(T, { cmd = {...}, file = "/path/main.infra", timeout = 20000 })
return function(T, opts)
  local S = dofile(T.tests .. "/lsp_session.lua")(T, opts)
  local buf, uri, timeout = S.buf, S.uri, S.timeout
  local lines, pos, request, at, hover_text, code_of = S.lines, S.pos, S.request, S.at, S.hover_text, S.code_of

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
