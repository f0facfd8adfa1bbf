#!/usr/bin/env bash
# The README, tried as a newcomer would: in a clean clone of the committed tree, runs every
# ```sh block that follows a `<!-- run-in-clean-clone -->` line of README.md, line by line and
# in order (install, quick start, running from the repository). Ends with one line:
# `readme: N passed, M failed`.
#
# `cargo install` puts infrac into a throw-away root that comes first on PATH, so nothing
# outside the temporary folder changes. The builds share this checkout's target folder
# (CARGO_TARGET_DIR) so that dependencies already compiled here are not compiled again; only
# the workspace crates are (their paths differ).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! git clone --quiet --no-local "$root" "$work/infrac"; then
  echo "readme: 0 passed, 1 failed (could not clone $root)"
  exit 1
fi
export CARGO_INSTALL_ROOT="$work/cargo-root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export PATH="$CARGO_INSTALL_ROOT/bin:$PATH"
cd "$work/infrac"

# The marked blocks' lines, from the clone's own README.
commands=$(awk '
  /^<!-- run-in-clean-clone -->$/ { armed = 1; next }
  armed && /^```sh$/             { inside = 1; armed = 0; next }
  inside && /^```$/              { inside = 0; next }
  inside && NF                   { print }
' README.md)

passed=0
failed=0
if [ -z "$commands" ]; then
  echo "README.md marks no block with <!-- run-in-clean-clone -->"
  failed=1
fi
while IFS= read -r line; do
  [ -n "$line" ] || continue
  echo "\$ $line"
  if bash -c "$line" </dev/null; then
    passed=$((passed + 1))
  else
    echo "readme: this command failed in a clean clone: $line"
    failed=$((failed + 1))
    break   # later commands build on this one
  fi
done <<< "$commands"

echo "readme: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
