#!/usr/bin/env bash
# Parses every `*.infra` file of the repository with this tree-sitter grammar
# and fails if any tree has an ERROR or MISSING node.
#
# Skipped, because they are meant to be wrong:
#   - files under a directory named `invalid` (a path containing `/invalid/`)
#     and files whose path contains `errors`;
#   - checker fixtures that say they expect a syntax or lexical error: files
#     with an annotation comment naming E0001 or E0002 (`//^^ E0002: ...`).
# Also skipped: node_modules/ and target/ folders, and whatever git ignores.
#
# Usage: parse-all.sh [REPO_ROOT]
#   REPO_ROOT   default: the repository holding this grammar
#   TREE_SITTER the tree-sitter CLI to use (default: `tree-sitter` on PATH)
#
# Prints one line per file (`skip`, `ok` or `FAIL`), then
# `parse-all: N passed, M failed`.
set -euo pipefail

grammar_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "${1:-$grammar_dir/../..}" && pwd)"
ts="${TREE_SITTER:-tree-sitter}"

list_files() {
  if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked and untracked-but-not-ignored files.
    git -C "$root" ls-files --cached --others --exclude-standard -- '*.infra' \
      | sort -u
  else
    (cd "$root" && find . -name '*.infra' -type f \
      -not -path '*/node_modules/*' -not -path '*/target/*' -not -path '*/.git/*' \
      | sed 's|^\./||' | sort)
  fi
}

files=()
skipped=0
while IFS= read -r rel; do
  [[ -f "$root/$rel" ]] || continue # deleted in the work tree
  case "/$rel" in
    */node_modules/* | */target/*) continue ;;
    */invalid/* | *errors*)
      skipped=$((skipped + 1))
      echo "skip $rel (meant to be invalid: its path)"
      continue
      ;;
  esac
  # A fixture that expects E0001 (syntax) or E0002 (lexical) is not valid .infra.
  if grep -qE '^[[:space:]]*//.*\bE000[12]\b' "$root/$rel"; then
    skipped=$((skipped + 1))
    echo "skip $rel (meant to be invalid: expects E0001/E0002)"
    continue
  fi
  files+=("$rel")
done < <(list_files)

if [[ ${#files[@]} -eq 0 ]]; then
  echo "parse-all: no .infra files found under $root" >&2
  echo "parse-all: 0 passed, 1 failed"
  exit 1
fi

paths_file="$(mktemp)"
trap 'rm -f "$paths_file"' EXIT
for rel in "${files[@]}"; do printf '%s\n' "$root/$rel"; done >"$paths_file"

# `--quiet` prints one line for each file whose tree has an ERROR or MISSING
# node, and nothing for the others. Run from the grammar directory so the CLI
# uses this grammar (built from src/parser.c), whatever else is configured.
set +e
report="$(cd "$grammar_dir" && "$ts" parse --quiet --paths "$paths_file" 2>&1)"
status=$?
set -e

passed=0
failed=0
for rel in "${files[@]}"; do
  line="$(grep -F -- "$root/$rel" <<<"$report" | grep -E 'ERROR|MISSING' || true)"
  if [[ -n "$line" ]]; then
    failed=$((failed + 1))
    echo "FAIL $rel: ${line##*$'\t'}"
  else
    passed=$((passed + 1))
    echo "ok   $rel"
  fi
done

# The CLI failing for another reason (no compiler, a crash) fails the check.
if [[ $status -ne 0 && $failed -eq 0 ]]; then
  echo "$report" >&2
  echo "parse-all: tree-sitter parse exited with status $status" >&2
  failed=$((failed + 1))
fi

echo "parse-all: skipped $skipped file(s) meant to be invalid"
echo "parse-all: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
