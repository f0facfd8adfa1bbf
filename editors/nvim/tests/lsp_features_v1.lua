-- The language features of language v1 (`service`, `secret`, `runs`,
-- `invokes`) an .infra buffer gets from the server, on a copy of the v1
-- running example (tests/fixtures/thumbnailer_v1). Shared by
-- lsp_v1_fake_spec.lua (tests/fake_lsp.py) and lsp_real_v1_spec.lua
-- (`infrac lsp`, once it knows language v1).
--
--   dofile(tests .. "/lsp_features_v1.lua")(T, { cmd = {...}, file = "/path/main.infra", timeout = 20000, real = true })
--
-- With `real`, also the checks only the real server can answer: the AWS
-- resources a service creates, and what `runs` adds.
return function(T, opts)
  local S = dofile(T.tests .. "/lsp_session.lua")(T, opts)
  local buf, timeout = S.buf, S.timeout
  local lines, pos, request, at, hover_text, code_of = S.lines, S.pos, S.request, S.at, S.hover_text, S.code_of

  local function errors()
    local out = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.severity == vim.diagnostic.severity.ERROR then
        table.insert(out, string.format("%d: %s %s", d.lnum + 1, tostring(code_of(d)), d.message))
      end
    end
    return out
  end

  --- The labels the server completes at the end of `text`, typed on a new line after the
  --- service's `health` line; the line is removed again.
  local function complete_after(text)
    local p = pos("^%s*health%s*=", "health")
    vim.api.nvim_buf_set_lines(buf, p.line + 1, p.line + 1, false, { text })
    local params = at({ line = p.line + 1, character = #text })
    params.context = { triggerKind = 1 }
    local ok, result = pcall(request, "textDocument/completion", params)
    vim.api.nvim_buf_set_lines(buf, p.line + 1, p.line + 2, false, {})
    T.truthy(ok, tostring(result))
    local labels = {}
    for _, item in ipairs(result and (result.items or result) or {}) do
      labels[item.label] = true
    end
    return labels
  end

  T.test("diagnostics: the v1 running example has no errors", function()
    -- An edit that gives an error and then takes it back, so the absence of errors is the
    -- server's answer to the whole file, not a server that has not answered yet.
    local n = #lines()
    vim.api.nvim_buf_set_lines(buf, n, n, false, { "", "buckt extra {", "}" })
    T.wait(timeout, function()
      for _, x in ipairs(vim.diagnostic.get(buf)) do
        if code_of(x) == "E0101" then
          return true
        end
      end
    end, "an E0101 diagnostic for `buckt extra`")
    vim.api.nvim_buf_set_lines(buf, n, n + 3, false, {})
    local ok = vim.wait(timeout, function()
      return #errors() == 0
    end, 20)
    T.truthy(ok, "errors in the v1 running example:\n" .. table.concat(errors(), "\n"))
  end)

  T.test("hover on a service shows its doc comment", function()
    local result = request("textDocument/hover", at(pos("^service%s+gallery", "gallery")))
    T.contains(hover_text(result), "The gallery: a web app that lists the thumbnails.", "hover")
  end)

  T.test("completion in a service block offers the service's own attributes", function()
    local labels = complete_after("  ")
    -- Only attributes the block does not set yet: infrac leaves out the ones already there.
    for _, name in ipairs({ "public", "target_cpu" }) do
      T.truthy(labels[name], name .. " is not offered: " .. vim.inspect(vim.tbl_keys(labels)))
    end
  end)

  T.test("completion after `runs ` offers the tasks, after `invokes ` the functions", function()
    local runs = complete_after("  runs ")
    T.truthy(runs.ffmpeg, "runs: ffmpeg is not offered: " .. vim.inspect(vim.tbl_keys(runs)))
    T.truthy(not runs.on_thumbnail, "runs: a function is offered: " .. vim.inspect(vim.tbl_keys(runs)))
    local invokes = complete_after("  invokes ")
    T.truthy(invokes.on_thumbnail and invokes.on_new_video, "invokes: " .. vim.inspect(vim.tbl_keys(invokes)))
    T.truthy(not invokes.ffmpeg, "invokes: a task is offered: " .. vim.inspect(vim.tbl_keys(invokes)))
  end)

  if not opts.real then
    return
  end

  -- What hover shows beyond the doc comment: { test name, line pattern, words, expected texts }.
  -- With several words, what hover shows on any of them counts (`runs ffmpeg` may answer on
  -- the keyword or on the task's name).
  local hovers = {
    {
      "hover on a service lists the load balancer and the ECS service it creates",
      "^service%s+gallery",
      { "gallery" },
      { "aws:elbv2:LoadBalancer", "aws:elbv2:TargetGroup", "aws:elbv2:Listener", "aws:ecs:Service" },
    },
    {
      "hover on `runs ffmpeg` shows the variables it adds and ecs:RunTask",
      "^%s*runs%s+ffmpeg",
      { "runs", "ffmpeg" },
      { "FFMPEG_CLUSTER", "FFMPEG_TASK_DEFINITION", "ecs:RunTask", "iam:PassRole" },
    },
  }
  for _, case in ipairs(hovers) do
    local name, pattern, words, expected = case[1], case[2], case[3], case[4]
    T.test(name, function()
      local texts = {}
      for _, word in ipairs(words) do
        table.insert(texts, hover_text(request("textDocument/hover", at(pos(pattern, word)))))
      end
      local text = table.concat(texts, "\n")
      for _, e in ipairs(expected) do
        T.contains(text, e, name)
      end
    end)
  end
end
