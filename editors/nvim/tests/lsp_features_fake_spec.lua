-- The language-feature checks of lsp_features.lua against tests/fake_lsp.py,
-- on the fixture copy of the running example.
local T = dofile(vim.env.INFRAC_NVIM_TESTS .. "/harness.lua")
dofile(T.tests .. "/lsp_features.lua")(T, {
  cmd = { vim.fn.exepath("python3"), T.tests .. "/fake_lsp.py" },
  file = T.tests .. "/fixtures/thumbnailer/main.infra",
})
T.finish()
