-- The language v1 checks of lsp_features_v1.lua against tests/fake_lsp.py, on
-- the fixture copy of the v1 running example: they run here before the real
-- server knows language v1, and against it in lsp_real_v1_spec.lua.
local T = dofile(vim.env.INFRAC_NVIM_TESTS .. "/harness.lua")
dofile(T.tests .. "/lsp_features_v1.lua")(T, {
  cmd = { vim.fn.exepath("python3"), T.tests .. "/fake_lsp.py" },
  file = T.tests .. "/fixtures/thumbnailer_v1/main.infra",
})
T.finish()
