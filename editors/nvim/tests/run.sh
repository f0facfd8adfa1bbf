#!/usr/bin/env bash
# Runs every tests/*_spec.lua in headless Neovim, once per Neovim given.
#
# Usage: editors/nvim/tests/run.sh [NVIM_BINARY...]     (default: nvim on PATH)
#
# Environment:
#   INFRAC_BIN=/path/to/infrac      also run lsp_real_spec.lua against `infrac lsp`
#   INFRAC_LSP_CMD="infrac lsp"     the real server's command line (overrides INFRAC_BIN)
#   INFRAC_TEST_FILE=path.infra     the file lsp_real_spec.lua opens
#                                   (default: examples/thumbnailer/main.infra)
#
# Prints `ok` / `not ok` per test and ends with `nvim: N passed, M failed, K skipped`;
# exits non-zero when a test failed or a spec did not finish.
set -uo pipefail

TESTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PLUGIN="$(dirname "$TESTS")"
REPO="$(cd "$PLUGIN/../.." && pwd)"
export INFRAC_NVIM_TESTS="$TESTS" INFRAC_NVIM_ROOT="$PLUGIN" INFRAC_REPO_ROOT="$REPO"

# The tree-sitter parser, built once for treesitter_spec.lua.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [[ -f "$REPO/grammar/tree-sitter-infra/src/parser.c" ]]; then
  if "$PLUGIN/scripts/build-parser.sh" "$work/ts" >"$work/build.log" 2>&1; then
    export INFRAC_TS_RTP="$work/ts"
  else
    cat "$work/build.log"
    echo "not ok - building the tree-sitter parser (scripts/build-parser.sh)"
    build_failed=1
  fi
fi

nvims=("$@")
[[ ${#nvims[@]} -gt 0 ]] || nvims=(nvim)

passed=0
failed=0
skipped=0
[[ -z "${build_failed:-}" ]] || failed=1

for nvim in "${nvims[@]}"; do
  if ! version="$("$nvim" --version 2>/dev/null | head -n 1)"; then
    echo "not ok - $nvim: cannot run it"
    failed=$((failed + 1))
    continue
  fi
  for spec in "$TESTS"/*_spec.lua; do
    name="$(basename "$spec" .lua)"
    # A home of its own: no user config, data, parsers or state.
    home="$work/home-$RANDOM$RANDOM"
    mkdir -p "$home"
    out="$work/out" err="$work/err"
    HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" \
      XDG_STATE_HOME="$home/.local/state" XDG_CACHE_HOME="$home/.cache" NVIM_LOG_FILE="$home/nvim.log" \
      timeout 300 "$nvim" --headless -u NONE -i NONE -n \
      --cmd "set rtp^=$PLUGIN" \
      -c "lua local ok, e = pcall(dofile, [[$spec]]); if not ok then io.stdout:write('not ok - $name crashed: ' .. tostring(e) .. '\\n'); vim.cmd('cquit 2') end" \
      >"$out" 2>"$err" </dev/null
    rc=$?
    sed "s/^/[$version $name] /" "$out"
    p=$(grep -c '^ok - ' "$out" | tr -d ' ')
    s=$(grep -c '^ok - .* # SKIP ' "$out" | tr -d ' ')
    f=$(grep -c '^not ok - ' "$out" | tr -d ' ')
    passed=$((passed + p - s))
    skipped=$((skipped + s))
    failed=$((failed + f))
    if [[ $rc -ne 0 && $f -eq 0 ]] || ! grep -q '^# summary ' "$out"; then
      echo "[$version $name] not ok - the spec did not finish (exit $rc)"
      failed=$((failed + 1))
    fi
    if [[ $rc -ne 0 && -s "$err" ]]; then
      head -n 40 "$err" | awk -v p="[$version $name] stderr: " '{ print p $0 }'
    fi
  done
done

echo "nvim: $passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
