#!/usr/bin/env bash
# Compiles the tree-sitter grammar (grammar/tree-sitter-infra/src) into the
# parser Neovim loads: OUT_DIR/parser/infra.so. OUT_DIR defaults to
# editors/nvim, which is on the runtimepath when the plugin is.
#
# Usage: editors/nvim/scripts/build-parser.sh [OUT_DIR]
# Environment: CC (default cc), INFRA_GRAMMAR_DIR (default grammar/tree-sitter-infra).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
plugin="$(dirname "$here")"
grammar="${INFRA_GRAMMAR_DIR:-$plugin/../../grammar/tree-sitter-infra}"
src="$grammar/src"
out="${1:-$plugin}"
cc="${CC:-cc}"

if [[ ! -f "$src/parser.c" ]]; then
  echo "build-parser: $src/parser.c does not exist (generate it in grammar/tree-sitter-infra first)" >&2
  exit 1
fi
files=("$src/parser.c")
[[ -f "$src/scanner.c" ]] && files+=("$src/scanner.c")

mkdir -p "$out/parser"
case "$(uname -s)" in
  Darwin) shared=(-dynamiclib -Wl,-undefined,dynamic_lookup) ;;
  *) shared=(-shared) ;;
esac
"$cc" -std=c11 -O2 -fPIC "${shared[@]}" -I "$src" "${files[@]}" -o "$out/parser/infra.so.tmp"
mv "$out/parser/infra.so.tmp" "$out/parser/infra.so"
abi="$(sed -n 's/^#define LANGUAGE_VERSION \([0-9]*\).*/\1/p' "$src/parser.c")"
echo "build-parser: $out/parser/infra.so (tree-sitter ABI $abi)"
