#!/usr/bin/env bash
# Builds and tests the editor grammars of the .infra language:
#
#   1. tree-sitter-infra/: `tree-sitter generate --abi 14` must reproduce the
#      committed src/ exactly (the committed parser is never stale);
#   2. `tree-sitter test`: the corpus (test/corpus), the highlight assertions
#      (test/highlight) and the validity of every query in queries/;
#   3. every .infra file of the repository parses without ERROR or MISSING
#      nodes (skipped: files under an `invalid/` folder, with `errors` in
#      their path, or annotated as expecting E0001/E0002), and that check
#      itself catches a broken file;
#   4. textmate/: the assertion tests (tests/unit) and the snapshot tests
#      (tests/snap) of infra.tmLanguage.json, with vscode-tmgrammar-test.
#
# Usage: bash grammar/test.sh        (from any directory)
#
# Needs: bash, git, node >= 18 with npm, a C compiler (gcc or cc), and cargo
# when the pinned tree-sitter CLI is not installed yet (it is then built from
# crates.io, into ~/.cargo/bin, or into grammar/.tools when ~/.cargo/bin holds
# another tree-sitter version). TREE_SITTER=/path/to/tree-sitter overrides it
# (it must be the pinned version).
#
# Ends with `grammar: N passed, M failed`; exits non-zero on any failure.
set -uo pipefail

TS_CLI_VERSION="0.27.1"
# The tree-sitter ABI of the committed src/parser.c: 14, which tree-sitter
# libraries from 0.20.6 on load (Neovim 0.8 to 0.10 included), where ABI 15
# needs the 0.25 library (Neovim 0.11+). ABI 14 has no reserved-word sets
# (see README.md, "ABI 14" and "Choices where the specification is silent").
# Regenerate with the same flag: tree-sitter generate --abi 14
TS_ABI="14"

GRAMMAR_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$GRAMMAR_DIR/.." && pwd)"
TS_DIR="$GRAMMAR_DIR/tree-sitter-infra"
TM_DIR="$GRAMMAR_DIR/textmate"
OUT_DIR="$GRAMMAR_DIR/.out"

passed=0
failed=0
started=$SECONDS

say() { printf '\n==> %s\n' "$*"; }
strip_ansi() { sed 's/\x1b\[[0-9;]*[A-Za-z]//g'; }

finish() {
  echo
  echo "grammar: finished in $((SECONDS - started))s"
  echo "grammar: $passed passed, $failed failed"
  if [[ $failed -eq 0 ]]; then exit 0; else exit 1; fi
}

# A setup step that failed: nothing after it can run.
abort() {
  echo "grammar: setup failed: $*" >&2
  failed=$((failed + 1))
  finish
}

# --------------------------------------------------------------------- setup

mkdir -p "$OUT_DIR"

command -v node >/dev/null || abort "node is not installed"
command -v npm >/dev/null || abort "npm is not installed"
command -v git >/dev/null || abort "git is not installed"
command -v "${CC:-cc}" >/dev/null || command -v gcc >/dev/null ||
  abort "no C compiler (cc or gcc): the tree-sitter CLI compiles the parser with it"

# The tree-sitter CLI keeps its config and compiled parsers here, not in ~.
export TREE_SITTER_DIR="$OUT_DIR/tree-sitter-config"
export TREE_SITTER_LIBDIR="$OUT_DIR/tree-sitter-lib"
mkdir -p "$TREE_SITTER_DIR" "$TREE_SITTER_LIBDIR" "$OUT_DIR/no-parsers"
printf '{ "parser-directories": ["%s"] }\n' "$OUT_DIR/no-parsers" >"$TREE_SITTER_DIR/config.json"

ts_version_of() { "$1" --version 2>/dev/null | awk '{print $2}'; }

find_tree_sitter() {
  local candidate
  for candidate in \
    "${TREE_SITTER:-}" \
    "$GRAMMAR_DIR/.tools/bin/tree-sitter" \
    "$(command -v tree-sitter 2>/dev/null || true)" \
    "${CARGO_HOME:-$HOME/.cargo}/bin/tree-sitter"; do
    [[ -n "$candidate" && -x "$candidate" ]] || continue
    if [[ "$(ts_version_of "$candidate")" == "$TS_CLI_VERSION" ]]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

say "tree-sitter CLI $TS_CLI_VERSION"
if ! TS="$(find_tree_sitter)"; then
  if [[ -n "${TREE_SITTER:-}" ]]; then
    abort "TREE_SITTER=$TREE_SITTER is not tree-sitter $TS_CLI_VERSION"
  fi
  CARGO="$(command -v cargo 2>/dev/null || echo "${CARGO_HOME:-$HOME/.cargo}/bin/cargo")"
  [[ -x "$CARGO" ]] || abort "tree-sitter $TS_CLI_VERSION is not installed and cargo is not there to build it"
  # The npm package `tree-sitter-cli` downloads its binary from GitHub when it
  # installs, so it is built from crates.io instead. Another tree-sitter
  # version in ~/.cargo/bin is left alone: ours goes under grammar/.tools.
  root_args=()
  if [[ -e "${CARGO_HOME:-$HOME/.cargo}/bin/tree-sitter" ]]; then
    root_args=(--root "$GRAMMAR_DIR/.tools")
  fi
  echo "building tree-sitter-cli $TS_CLI_VERSION from crates.io (takes a few minutes, once)..."
  t0=$SECONDS
  if ! "$CARGO" install --locked --quiet tree-sitter-cli --version "$TS_CLI_VERSION" "${root_args[@]}"; then
    abort "cargo install tree-sitter-cli $TS_CLI_VERSION failed"
  fi
  echo "built in $((SECONDS - t0))s"
  TS="$(find_tree_sitter)" || abort "tree-sitter $TS_CLI_VERSION still not found after cargo install"
fi
echo "using $TS ($("$TS" --version))"
export TREE_SITTER="$TS"

say "npm ci (textmate)"
if ! (cd "$TM_DIR" && npm ci --no-audit --no-fund --loglevel=error); then
  abort "npm ci failed in $TM_DIR"
fi

# --------------------------------------------------------------------- tests

# 1. The committed generated parser is what grammar.js generates.
say "tree-sitter generate --abi $TS_ABI reproduces the committed src/"
gen_dir="$(mktemp -d)"
cp "$TS_DIR/grammar.js" "$TS_DIR/tree-sitter.json" "$TS_DIR/package.json" "$gen_dir/"
if (cd "$gen_dir" && "$TS" generate --abi "$TS_ABI") && diff -r "$gen_dir/src" "$TS_DIR/src" >"$OUT_DIR/generate.diff"; then
  echo "ok: src/ is up to date"
  passed=$((passed + 1))
else
  head -40 "$OUT_DIR/generate.diff"
  echo "FAIL: src/ differs from what grammar.js generates: run 'tree-sitter generate --abi $TS_ABI' in $TS_DIR and commit src/"
  failed=$((failed + 1))
fi
rm -rf "$gen_dir"

# 2. Corpus, highlight assertions, queries.
say "tree-sitter test (corpus, highlights, queries)"
(cd "$TS_DIR" && "$TS" test) >"$OUT_DIR/ts-test.log" 2>&1
status=$?
strip_ansi <"$OUT_DIR/ts-test.log" | grep -v '^ *[0-9]*: \|^ *at \|Stack backtrace' || true
ok_count=$(strip_ansi <"$OUT_DIR/ts-test.log" | grep -c '✓' || true)
bad_count=$(strip_ansi <"$OUT_DIR/ts-test.log" | grep -c '✗' || true)
if [[ $status -ne 0 && $bad_count -eq 0 ]]; then bad_count=1; fi # e.g. a query that does not compile
if [[ $ok_count -eq 0 && $bad_count -eq 0 ]]; then bad_count=1; fi # ran nothing
passed=$((passed + ok_count))
failed=$((failed + bad_count))
echo "tree-sitter test: $ok_count passed, $bad_count failed"

# 3a. The parse check catches a broken file and skips the invalid ones.
say "parse-all catches ERROR and MISSING nodes"
fixture="$(mktemp -d)"
mkdir -p "$fixture/good" "$fixture/invalid" "$fixture/parse-errors"
printf 'bucket media\n' >"$fixture/good/ok.infra"
printf 'bucket media {\n  versioning =\n}\n' >"$fixture/good/missing.infra"
printf 'bucket media {\n  "stray"\n}\n' >"$fixture/good/error.infra"
printf 'bucket media {\n  "stray"\n}\n' >"$fixture/invalid/skipped.infra"
printf 'bucket media {\n  "stray"\n}\n' >"$fixture/parse-errors/skipped.infra"
printf 'bucket media {\n  memory = 5x\n         //^^ E0002: unknown unit\n}\n' >"$fixture/good/E0002-fixture.infra"
bash "$TS_DIR/scripts/parse-all.sh" "$fixture" >"$OUT_DIR/parse-all-self.log" 2>&1
status=$?
if [[ $status -ne 0 ]] && grep -q 'parse-all: 1 passed, 2 failed' "$OUT_DIR/parse-all-self.log" &&
  grep -q 'skipped 3 file' "$OUT_DIR/parse-all-self.log"; then
  echo "ok: a good file passes, an ERROR and a MISSING fail; invalid/, *errors* and E0001/E0002 fixtures are skipped"
  passed=$((passed + 1))
else
  cat "$OUT_DIR/parse-all-self.log"
  echo "FAIL: parse-all.sh did not tell good files from broken ones"
  failed=$((failed + 1))
fi
rm -rf "$fixture"

# 3b. Every .infra file of the repository.
say "every .infra file of the repository parses"
bash "$TS_DIR/scripts/parse-all.sh" "$REPO_ROOT" 2>&1 | tee "$OUT_DIR/parse-all.log"
status=${PIPESTATUS[0]}
summary="$(grep -E '^parse-all: [0-9]+ passed, [0-9]+ failed$' "$OUT_DIR/parse-all.log" | tail -1)"
if [[ "$summary" =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
  passed=$((passed + BASH_REMATCH[1]))
  failed=$((failed + BASH_REMATCH[2]))
  if [[ $status -ne 0 && ${BASH_REMATCH[2]} -eq 0 ]]; then failed=$((failed + 1)); fi
else
  failed=$((failed + 1))
fi

# 4. TextMate grammar.
TMTEST="$TM_DIR/node_modules/.bin/vscode-tmgrammar-test"
TMSNAP="$TM_DIR/node_modules/.bin/vscode-tmgrammar-snap"

say "TextMate assertion tests (textmate/tests/unit)"
(cd "$TM_DIR" && "$TMTEST" --compact 'tests/unit/**/*.infra') >"$OUT_DIR/tm-unit.log" 2>&1
status=$?
strip_ansi <"$OUT_DIR/tm-unit.log"
ok_count=$(strip_ansi <"$OUT_DIR/tm-unit.log" | grep -c '^✓' || true)
bad_count=$(strip_ansi <"$OUT_DIR/tm-unit.log" | grep -oE '^ERROR [^:]+' | sort -u | wc -l)
if [[ $status -ne 0 && $bad_count -eq 0 ]]; then bad_count=1; fi
if [[ $ok_count -eq 0 && $bad_count -eq 0 ]]; then bad_count=1; fi
passed=$((passed + ok_count))
failed=$((failed + bad_count))

say "TextMate snapshot tests (textmate/tests/snap)"
# A missing snapshot would be written and pass: each case needs its .snap.
missing=0
for case_file in "$TM_DIR"/tests/snap/*.infra; do
  if [[ ! -f "$case_file.snap" ]]; then
    echo "FAIL: ${case_file#"$GRAMMAR_DIR/"} has no committed .snap (run 'npm run update-snapshots' in grammar/textmate)"
    missing=$((missing + 1))
  fi
done
failed=$((failed + missing))
if [[ $missing -eq 0 ]]; then
  (cd "$TM_DIR" && "$TMSNAP" 'tests/snap/**/*.infra') >"$OUT_DIR/tm-snap.log" 2>&1
  status=$?
  strip_ansi <"$OUT_DIR/tm-snap.log"
  ok_count=$(strip_ansi <"$OUT_DIR/tm-snap.log" | grep -c '^✓' || true)
  bad_count=$(strip_ansi <"$OUT_DIR/tm-snap.log" | grep -c '^ERROR' || true)
  if [[ $status -ne 0 && $bad_count -eq 0 ]]; then bad_count=1; fi
  if [[ $ok_count -eq 0 && $bad_count -eq 0 ]]; then bad_count=1; fi
  passed=$((passed + ok_count))
  failed=$((failed + bad_count))
fi

finish
