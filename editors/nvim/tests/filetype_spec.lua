-- Filetype detection, buffer options, indentation and regex syntax.
local T = dofile(vim.env.INFRAC_NVIM_TESTS .. "/harness.lua")

vim.cmd("filetype plugin indent on")
vim.cmd("syntax on")

local fixture = T.tests .. "/fixtures/thumbnailer/main.infra"

T.test("ftdetect: opening a .infra file sets filetype infra", function()
  local dir = T.tempdir()
  vim.cmd("edit " .. vim.fn.fnameescape(dir .. "/Main.infra"))
  T.eq(vim.bo.filetype, "infra", "filetype of Main.infra")
  vim.cmd("edit " .. vim.fn.fnameescape(dir .. "/notes.infrastructure"))
  T.truthy(vim.bo.filetype ~= "infra", "notes.infrastructure is not infra")
  vim.cmd("edit " .. vim.fn.fnameescape(fixture))
  T.eq(vim.bo.filetype, "infra", "filetype of the fixture")
end)

T.test("setup() registers *.infra with vim.filetype.add", function()
  require("infrac").setup({ autostart = false, commands = false })
  if vim.fn.has("nvim-0.8") == 1 then
    T.eq(vim.filetype.match({ filename = "/x/app.infra" }), "infra", "vim.filetype.match")
  else
    -- 0.7: vim.filetype.match(name, bufnr) sets the buffer's filetype itself.
    local buf = vim.api.nvim_create_buf(true, false)
    vim.api.nvim_buf_set_name(buf, T.tempdir() .. "/app.infra")
    vim.filetype.match(vim.api.nvim_buf_get_name(buf), buf)
    T.eq(vim.bo[buf].filetype, "infra", "filetype set by vim.filetype.match")
  end
end)

T.test("setup() answers the server's infrac.showPlan code-lens command with the plan", function()
  local infrac = require("infrac")
  infrac.setup({ autostart = false, commands = false })
  T.truthy(type(vim.lsp.commands["infrac.showPlan"]) == "function", "infrac.showPlan is registered")
  local asked = nil
  local real_plan = infrac.plan
  infrac.plan = function(dir)
    asked = dir
  end
  local dir = T.tempdir()
  vim.lsp.commands["infrac.showPlan"]({ title = "7 AWS resources", command = "infrac.showPlan", arguments = { vim.uri_from_fname(dir .. "/main.infra") } })
  infrac.plan = real_plan
  T.eq(asked, dir, "the plan of the document's project")
end)

T.test("ftplugin: comments, two-space indents", function()
  vim.cmd("edit " .. vim.fn.fnameescape(fixture))
  T.eq(vim.bo.commentstring, "// %s", "commentstring")
  T.eq(vim.bo.shiftwidth, 2, "shiftwidth")
  T.eq(vim.bo.expandtab, true, "expandtab")
  T.contains(vim.bo.comments, "://", "comments")
  T.contains(vim.bo.comments, ":///", "comments")
end)

T.test("indent: gg=G re-indents the running example to its canonical form", function()
  local expected = vim.fn.readfile(fixture)
  local flat = vim.tbl_map(function(l)
    return (l:gsub("^%s+", ""))
  end, expected)
  vim.cmd("enew")
  vim.bo.filetype = "infra"
  vim.api.nvim_buf_set_lines(0, 0, -1, false, flat)
  vim.cmd("normal! gg=G")
  T.eq(vim.api.nvim_buf_get_lines(0, 0, -1, false), expected, "re-indented lines")
end)

T.test("indent: a new line inside a block is indented, a closing brace outdented", function()
  vim.cmd("enew")
  vim.bo.filetype = "infra"
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { "bucket media {" })
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("A<CR>versioning = true<CR>}<Esc>", true, false, true), "xt", false)
  T.eq(vim.api.nvim_buf_get_lines(0, 0, -1, false), { "bucket media {", "  versioning = true", "}" }, "typed lines")
end)

--- The syntax group at the first line of the current buffer matching `pattern`, `offset`
--- columns into the match.
local function group_at(pattern, offset)
  for n, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    local col = line:find(pattern)
    if col then
      return vim.fn.synIDattr(vim.fn.synID(n, col + (offset or 0), 1), "name")
    end
  end
  error("no line matches " .. pattern)
end

T.test("syntax: regex highlighting of the running example", function()
  vim.cmd("edit " .. vim.fn.fnameescape(fixture))
  T.eq(vim.b.current_syntax, "infra", "b:current_syntax")
  T.eq(group_at("^///"), "infraDocComment", "/// doc comment")
  T.eq(group_at("^bucket"), "infraKind", "bucket")
  T.eq(group_at('"%./ffmpeg"', 1), "infraString", "string")
  T.eq(group_at("// folder"), "infraComment", "trailing comment")
  T.eq(group_at("512MB"), "infraSize", "size")
  T.eq(group_at("30s"), "infraDuration", "duration")
  T.eq(group_at("%${event", 0), "infraInterpolationDelimiter", "${")
  T.eq(group_at("%${event", 2), "infraEvent", "event inside ${...}")
  T.eq(group_at("%->"), "infraArrow", "->")
  T.eq(group_at("on_put"), "infraTriggerEvent", "on_put")
  T.eq(group_at("^  reads"), "", "leading space")
  T.eq(group_at("reads"), "infraAccess", "reads")
end)

T.test("syntax: regex highlighting of the language v1 words", function()
  vim.cmd("edit " .. vim.fn.fnameescape(T.tests .. "/fixtures/thumbnailer_v1/main.infra"))
  T.eq(vim.b.current_syntax, "infra", "b:current_syntax")
  T.eq(group_at("^service"), "infraKind", "service")
  T.eq(group_at("^secret"), "infraKind", "secret")
  T.eq(group_at("runs ffmpeg", 0), "infraAccess", "runs")
  T.eq(group_at("runs ffmpeg", 5), "", "the task after runs")
  T.eq(group_at("^  port", 2), "infraAttribute", "port")
  T.eq(group_at("^  health", 2), "infraAttribute", "health")
  T.eq(group_at('"/healthz"'), "infraString", "health path")
  T.eq(group_at("1GB"), "infraSize", "1GB")
  -- a name that merely starts with a v1 word is not a keyword
  vim.api.nvim_buf_set_lines(0, -1, -1, false, { "let secret_name = signing_key.name", "  invokes_total = 1" })
  T.eq(group_at("secret_name"), "", "secret_name")
  T.eq(group_at("invokes_total"), "infraAttribute", "invokes_total")
  vim.bo.modified = false
end)

T.finish()
