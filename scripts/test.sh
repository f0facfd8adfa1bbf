#!/usr/bin/env bash
# Every test of the repository, on a fresh machine: installs what is missing (Neovim, npm
# packages, the tree-sitter CLI, pytest-lsp), builds in debug, and runs the Rust tests, the
# examples, the grammar tests, the editor tests and the language server against recorded
# client profiles. Ends with one line: `all: N passed, M failed`.
#
#   scripts/test.sh            everything
#   scripts/test.sh rust       only the Rust workspace (cargo test + examples)
#   scripts/test.sh readme     only the README's install and quick start, in a clean clone
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
only=${1:-all}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

passed=0
failed=0
failures=()

# Reads "N passed, M failed" style lines of a part's output and adds them up.
count() {
  local name=$1 log=$2 status=$3
  local p f
  local lines
  if grep -q '^test result:' "$log"; then
    lines=$(grep '^test result:' "$log")           # cargo: one line per test binary
  else
    lines=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)   # a part's own closing line
  fi
  p=$(printf '%s\n' "$lines" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
  f=$(printf '%s\n' "$lines" | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$status" -ne 0 ]; then
    failures+=("$name (exit $status)")
    [ "$f" -eq 0 ] && failed=$((failed + 1))
  fi
  echo "== $name: $p passed, $f failed (exit $status)"
}

run_part() {
  local name=$1; shift
  local log
  log=$(mktemp)
  echo "== $name: $*"
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  count "$name" "$log" "$status"
  rm -f "$log"
}

# The deploy tests (crates/infrac/tests/moto.rs) run against moto's server; they skip only
# when it is missing, so install it here and CI never skips them.
install_moto() {
  command -v moto_server >/dev/null 2>&1 ||
    python3 -m pip install --quiet "moto[server]==5.2.5" ||
    echo "warning: could not install moto; the deploy tests will skip"
}

# The thumbnailer's handler runs under Node.js in a deploy test
# (crates/infrac/tests/thumbnailer_handler.rs); Lambda's runtime has the AWS SDK v3, and here
# it is installed, pinned, into target/node-sdk.
install_node_sdk() {
  [ -d target/node-sdk/node_modules/@aws-sdk/client-ecs ] && return 0
  command -v npm >/dev/null 2>&1 &&
    npm install --prefix target/node-sdk --no-save --no-audit --no-fund --silent \
      "@aws-sdk/client-ecs@3.1161.0" ||
    echo "warning: could not install @aws-sdk/client-ecs; the handler test will skip"
}

rust_tests() {
  install_moto
  install_node_sdk
  cargo build --workspace --all-targets --locked &&
  # --no-fail-fast: one failing test binary must not hide the results of the others.
  cargo test --workspace --locked --no-fail-fast -- --color never
}

examples() {
  local bin="$root/target/debug/infrac" ok=0 bad=0
  for dir in "$root"/examples/*/; do
    if "$bin" check "$dir" && "$bin" check "$dir" --format json >/dev/null; then
      ok=$((ok + 1))
    else
      bad=$((bad + 1))
    fi
  done
  echo "examples: $ok passed, $bad failed"
  [ "$bad" -eq 0 ]
}

if [ "$only" = "all" ] || [ "$only" = "rust" ]; then
  run_part "rust" rust_tests
  run_part "examples" examples
fi
if [ "$only" = "all" ]; then
  run_part "grammar" bash grammar/test.sh
  # With INFRAC_BIN the Neovim tests also drive the real `infrac lsp` end to end.
  run_part "editors" env INFRAC_BIN="$root/target/debug/infrac" bash editors/test.sh
  # pytest-lsp: every recorded client profile, every position of the examples and fixtures.
  run_part "lsp-clients" env INFRAC_BIN="$root/target/debug/infrac" bash editors/lsp-clients/run.sh
fi
# Last: the clean clone's builds share target/ and replace target/debug/infrac with the
# committed tree's (the same tree in CI).
if [ "$only" = "all" ] || [ "$only" = "readme" ]; then
  run_part "readme" scripts/readme-quickstart.sh
fi

echo
if [ ${#failures[@]} -gt 0 ]; then
  printf 'failed parts: %s\n' "${failures[*]}"
fi
echo "all: $passed passed, $failed failed"
[ ${#failures[@]} -eq 0 ] && [ "$failed" -eq 0 ]
