#!/usr/bin/env bash
# `infrac lsp` against every client profile pytest-lsp recorded (test_profiles.py): installs
# the pinned requirements into a cache folder (pip --target, no virtualenv needed), then runs
# pytest with LspSpecificationWarning as an error.
#
# Usage: bash editors/lsp-clients/run.sh          (INFRAC_BIN: default target/debug/infrac)
# Ends with `lsp-clients: N passed, M failed` alone on a line.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/infrac-editors"
SITE="$CACHE/lsp-clients-$(sha256sum "$HERE/requirements.txt" | cut -c1-12)"
export INFRAC_BIN="${INFRAC_BIN:-$ROOT/target/debug/infrac}"

if [[ ! -f "$SITE/.installed" ]]; then
  rm -rf "$SITE"
  mkdir -p "$SITE"
  pip=(python3 -m pip install --quiet --disable-pip-version-check --no-compile --target "$SITE" -r "$HERE/requirements.txt")
  # Debian's python3 refuses pip installs (PEP 668) unless told; --target keeps them out of the system.
  if ! "${pip[@]}" 2>"$SITE.err" && ! "${pip[@]}" --break-system-packages; then
    cat "$SITE.err" >&2
    echo "lsp-clients: 0 passed, 1 failed (pip install -r requirements.txt)"
    exit 1
  fi
  touch "$SITE/.installed"
fi

cd "$HERE" || exit 1
out="$(mktemp)"
PYTHONPATH="$SITE" python3 -m pytest -q -s -p no:cacheprovider test_profiles.py 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
line="$(grep -E '^[0-9]+ (passed|failed)' "$out" | tail -n 1)"
rm -f "$out"
p="$(echo "$line" | grep -Eo '[0-9]+ passed' | grep -Eo '[0-9]+' || echo 0)"
f="$(echo "$line" | grep -Eo '[0-9]+ failed' | grep -Eo '[0-9]+' || echo 0)"
if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi
echo "lsp-clients: $p passed, $f failed"
exit "$rc"
