#!/usr/bin/env bash
# Speed as a user meets it: the release `infrac` binary run as a whole process on generated
# programs, repeated, with the median wall time and the peak memory of each command; then the
# language server over stdio (`cargo bench --bench lsp`) on 100 files and on one big file.
#
#   scripts/bench.sh            everything (RUNS=7 runs per command)
#   scripts/bench.sh cli        only the whole-process figures
#   scripts/bench.sh lsp        only the language server's
#   scripts/bench.sh inprocess  only the in-process `cargo bench` figures of check and plan
#
# Compare changes with instruction counts, which this noisy machine keeps stable:
#   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out target/release/infrac check DIR
set -euo pipefail
cd "$(dirname "$0")/.."
only=${1:-all}
runs=${RUNS:-7}
work=${BENCH_DIR:-${TMPDIR:-/tmp}/infrac-bench}

if [ "$only" = "all" ] || [ "$only" = "cli" ]; then
# The binary and the generator (a target flag alone, like --example, would build only that).
cargo build --release --locked -p infrac --bin infrac >&2
cargo build --release --locked -p infrac-check --example synthetic >&2
bin=target/release/infrac
gen=target/release/examples/synthetic
# The floor depends on how the binary was linked: crates/infrac/build.rs packs its relocations
# (DT_RELR) where the linker and libc can.
if command -v readelf >/dev/null; then
  if readelf -d "$bin" | grep -q '(RELR)'; then relocs="packed (DT_RELR)"; else relocs="not packed"; fi
  echo "binary: $(( $(stat -c %s "$bin") / 1000000 )) MB, relocations $relocs"
fi

rm -rf "$work"
mkdir -p "$work"
"$gen" "$work/check-12k" 12000 8
"$gen" "$work/check-120k" 120000 8
"$gen" "$work/single-90k" 90000 1
"$gen" "$work/app-1000" app 1000
mkdir -p "$work/one-line"
echo 'bucket media {}' > "$work/one-line/main.infra"

# Runs a command RUNS times (after one warm-up), and prints its median wall time, its peak
# resident memory and, given the project's size, the throughput.
python3 - "$runs" "$bin" "$work" <<'PY'
import os, statistics, subprocess, sys, time

runs, binary, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]

def size(project):
    return sum(os.path.getsize(os.path.join(project, f)) for f in os.listdir(project) if f.endswith(".infra"))

# Peak memory through GNU time where there is one: a child's ru_maxrss as this script sees it
# starts from the size of the Python process it was forked from (Linux carries the high-water
# mark across exec), which hides anything smaller than Python itself (about 15 MB).
gnu_time = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None

def peak_mb(args):
    if gnu_time is None:
        proc = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        return usage.ru_maxrss / 1024
    out = subprocess.run([gnu_time, "-f", "%M", binary, *args], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True).stderr
    return int(out.strip().splitlines()[-1]) / 1024

def measure(label, args, project):
    walls, peaks = [], []
    for i in range(runs + 1):
        start = time.perf_counter()
        proc = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, _ = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        err = proc.stderr.read().decode(errors="replace")
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{label}: exit {os.waitstatus_to_exitcode(status)}\n{err}")
        if i > 0:
            walls.append(wall)
            peaks.append(peak_mb(args))
    median = statistics.median(walls)
    mb = size(project) / 1e6
    print(f"{label:<44} median {median * 1000:7.1f} ms  (min {min(walls) * 1000:6.1f}, max {max(walls) * 1000:6.1f})"
          f"  {mb / median:6.1f} MB/s  peak {statistics.median(peaks):6.1f} MB" + (f" ({statistics.median(peaks) / mb:4.1f}x the source)" if mb > 0.01 else ""))
    return median

print(f"release binary, {runs} runs each after a warm-up; source sizes: "
      + ", ".join(f"{p} {size(os.path.join(work, p)) / 1e6:.2f} MB" for p in ("check-120k", "single-90k", "app-1000")))
measure("infrac check (one line: the binary's own floor)", ["check", f"{work}/one-line"], f"{work}/one-line")
small = measure("infrac check (12k lines, 8 files)", ["check", f"{work}/check-12k"], f"{work}/check-12k")
big = measure("infrac check (120k lines, 8 files)", ["check", f"{work}/check-120k"], f"{work}/check-120k")
print(f"{'  scaling: 10x the program takes':<44} {big / small:5.1f}x the time (goal: at most 11x)")
measure("infrac check (90k lines, 1 file)", ["check", f"{work}/single-90k"], f"{work}/single-90k")
measure("infrac check (1,000 buckets + 1,000 functions)", ["check", f"{work}/app-1000"], f"{work}/app-1000")
measure("infrac plan --format json (same app)", ["plan", "--format", "json", f"{work}/app-1000"], f"{work}/app-1000")
PY

fi

if [ "$only" = "all" ] || [ "$only" = "lsp" ]; then
  echo
  echo "language server over stdio, 90,000 lines in 100 files:"
  cargo bench --locked -p infrac --bench lsp 2>/dev/null
  echo
  echo "language server over stdio, 3,000 groups (a bucket, function, task, schedule, 3 triggers each; 132,000 lines) in 100 files:"
  LSP_BENCH_LINES=132000 cargo bench --locked -p infrac --bench lsp 2>/dev/null
  echo
  echo "language server over stdio, 90,000 lines in 1 file:"
  LSP_BENCH_FILES=1 cargo bench --locked -p infrac --bench lsp 2>/dev/null
fi

if [ "$only" = "all" ] || [ "$only" = "inprocess" ]; then
  echo
  echo "in process (divan; fastest, slowest, median, mean):"
  cargo bench --locked -p infrac-check --bench check 2>/dev/null | grep -v '^$'
  cargo bench --locked -p infrac-plan --bench plan 2>/dev/null | grep -v '^$'
fi
