-- The tree-sitter side: the queries (queries/infra, a symlink to
-- grammar/tree-sitter-infra/queries) and the parser built by
-- scripts/build-parser.sh, in this Neovim's own tree-sitter.
local T = dofile(vim.env.INFRAC_NVIM_TESTS .. "/harness.lua")
local infrac = require("infrac")

vim.cmd("filetype plugin indent on")

local grammar = T.repo .. "/grammar/tree-sitter-infra"
local fixture = T.tests .. "/fixtures/thumbnailer/main.infra"
-- every query the grammar has, found in its queries/ directory
local query_names = {}
for _, file in ipairs(vim.fn.glob(grammar .. "/queries/*.scm", false, true)) do
  table.insert(query_names, vim.fn.fnamemodify(file, ":t:r"))
end

T.test("queries/infra on the runtimepath are the grammar's queries", function()
  T.truthy(vim.tbl_contains(query_names, "highlights"), "grammar/tree-sitter-infra/queries/highlights.scm exists")
  for _, name in ipairs(query_names) do
    local files = vim.api.nvim_get_runtime_file("queries/infra/" .. name .. ".scm", true)
    T.eq(files, { T.root .. "/queries/infra/" .. name .. ".scm" }, name .. ".scm on the runtimepath")
    T.eq(T.read(files[1]), T.read(grammar .. "/queries/" .. name .. ".scm"), name .. ".scm contents")
  end
end)

local parser_dir = vim.env.INFRAC_TS_RTP
local abi
do
  local f = io.open(grammar .. "/src/parser.c", "r")
  if f then
    abi = tonumber(f:read("*a"):match("#define LANGUAGE_VERSION (%d+)"))
    f:close()
  end
end
local supported = vim.treesitter.language_version
  or (vim.treesitter.language and vim.treesitter.language.language_version) -- not present before 0.7
local why_not
if parser_dir == nil or parser_dir == "" then
  why_not = "INFRAC_TS_RTP is not set (tests/run.sh builds the parser there)"
elseif abi == nil then
  why_not = "grammar/tree-sitter-infra/src/parser.c is missing"
elseif supported == nil or abi > supported then
  why_not = string.format(
    "the parser has tree-sitter ABI %d; this Neovim loads ABI <= %s (grammar/test.sh generates ABI 14)",
    abi,
    tostring(supported)
  )
end

local parse_query = (vim.treesitter.query and vim.treesitter.query.parse) or vim.treesitter.parse_query

local function captures_by_text(bufnr, query, root)
  local out = {}
  for id, node in query:iter_captures(root, bufnr, 0, -1) do
    local text = vim.treesitter.get_node_text and vim.treesitter.get_node_text(node, bufnr)
      or vim.treesitter.query.get_node_text(node, bufnr)
    out[text] = out[text] or {}
    out[text][query.captures[id]] = true
  end
  return out
end

if why_not then
  T.skip("the infra parser loads and parses the running example", why_not)
  T.skip("every query compiles in this Neovim", why_not)
  T.skip("highlights.scm captures the running example", why_not)
  T.skip("the parser and highlights.scm know the language v1 words", why_not)
  T.skip("setup() turns tree-sitter highlighting on", why_not)
else
  vim.opt.runtimepath:append(parser_dir)
  local buf

  T.test("the infra parser loads and parses the running example", function()
    T.truthy(infrac.has_parser(), "infrac.has_parser()")
    vim.cmd("edit " .. vim.fn.fnameescape(fixture))
    buf = vim.api.nvim_get_current_buf()
    local tree = vim.treesitter.get_parser(buf, "infra"):parse()[1]
    T.eq(tree:root():type(), "source_file", "root node")
    T.eq(tree:root():has_error(), false, "syntax errors in the running example")
  end)

  T.test("every query compiles in this Neovim", function()
    for _, name in ipairs(query_names) do
      local ok, err = pcall(parse_query, "infra", T.read(T.root .. "/queries/infra/" .. name .. ".scm"))
      T.truthy(ok, name .. ".scm: " .. tostring(err))
    end
  end)

  T.test("highlights.scm captures the running example", function()
    local query = parse_query("infra", T.read(T.root .. "/queries/infra/highlights.scm"))
    local root = vim.treesitter.get_parser(buf, "infra"):parse()[1]:root()
    local caps = captures_by_text(buf, query, root)
    -- `capture` or a more specific one (`@comment` is satisfied by `@comment.documentation`)
    local function has(text, ...)
      for _, capture in ipairs({ ... }) do
        for got in pairs(caps[text] or {}) do
          if got == capture or got:sub(1, #capture + 1) == capture .. "." then
            return
          end
        end
      end
      error(string.format("%q is not captured as any of %s: %s", text, vim.inspect({ ... }), vim.inspect(caps[text])))
    end
    has("bucket", "type", "keyword")
    has("versioning", "property")
    has('"./ffmpeg"', "string")
    has("512MB", "number")
    has("/// Uploaded videos and their thumbnails.", "comment")
    has("// folder holding a Dockerfile", "comment")
    has("false", "boolean")
  end)

  T.test("the parser and highlights.scm know the language v1 words", function()
    vim.cmd("edit " .. vim.fn.fnameescape(T.tests .. "/fixtures/thumbnailer_v1/main.infra"))
    local b = vim.api.nvim_get_current_buf()
    local root = vim.treesitter.get_parser(b, "infra"):parse()[1]:root()
    T.eq(root:has_error(), false, "syntax errors in the v1 running example")
    local kinds, modes = {}, {}
    local structure = parse_query(
      "infra",
      "(resource kind: (resource_kind) @kind) (access mode: (access_mode) @mode)"
    )
    for id, node in structure:iter_captures(root, b, 0, -1) do
      local text = vim.treesitter.get_node_text and vim.treesitter.get_node_text(node, b)
        or vim.treesitter.query.get_node_text(node, b)
      local into = structure.captures[id] == "kind" and kinds or modes
      table.insert(into, text)
    end
    T.eq(kinds, { "bucket", "task", "function", "function", "service", "secret" }, "resource kinds")
    T.eq(modes, { "reads", "writes", "runs", "reads" }, "access modes")
    local caps = captures_by_text(b, parse_query("infra", T.read(T.root .. "/queries/infra/highlights.scm")), root)
    T.truthy((caps.service or {}).type, "service: " .. vim.inspect(caps.service))
    T.truthy((caps.secret or {}).type, "secret: " .. vim.inspect(caps.secret))
    T.truthy((caps.runs or {}).keyword, "runs: " .. vim.inspect(caps.runs))
    T.truthy((caps.port or {}).property, "port: " .. vim.inspect(caps.port))
    T.truthy((caps.signing_key or {}).variable, "signing_key: " .. vim.inspect(caps.signing_key))
  end)

  -- The plugin starts highlighting with vim.treesitter.start (0.8+); 0.7 loads
  -- an ABI 14 parser but keeps the regex syntax.
  local test_start = vim.treesitter.start and T.test
    or function(name)
      T.skip(name, "vim.treesitter.start is missing (Neovim 0.7): the plugin keeps the regex syntax")
    end
  test_start("setup() turns tree-sitter highlighting on", function()
    infrac.setup({ autostart = false })
    vim.cmd("edit " .. vim.fn.fnameescape(T.tempdir() .. "/x.infra"))
    vim.api.nvim_buf_set_lines(0, 0, -1, false, { "bucket media {", "  versioning = true", "}" })
    local b = vim.api.nvim_get_current_buf()
    T.truthy(vim.treesitter.highlighter.active[b], "a tree-sitter highlighter for the buffer")
    if vim.treesitter.get_captures_at_pos then
      vim.treesitter.get_parser(b, "infra"):parse() -- no redraw in headless mode parses it
      local names = {}
      for _, c in ipairs(vim.treesitter.get_captures_at_pos(b, 0, 0)) do
        names[c.capture] = true
      end
      local found = false
      for name in pairs(names) do
        found = found or name:match("^type") ~= nil or name:match("^keyword") ~= nil
      end
      T.truthy(found, "capture at `bucket`: " .. vim.inspect(names))
    end
  end)
end

T.finish()
