#!/usr/bin/env bash
# Runs every test suite against the build in $1 (build or build-asan) and ends with one
# line "N passed, N failed" summing them all. Exit status 0 only if nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
export RAPPORT_BIN="$PWD/$build/rapport"
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
logdir="$build/test-logs"
mkdir -p "$logdir"
passed=0 failed=0

# tally NAME RC P F: adds one suite's counts (a non-zero exit with no failure counted is
# one failure: a crash or a sanitizer abort), prints its line; returns 1 if it failed.
tally() {
  local name=$1 rc=$2 p=${3:-0} f=${4:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)) failed=$((failed + f))
  printf '%-28s %3d passed, %d failed\n' "$name" "$p" "$f"
  [ "$f" -eq 0 ]
}

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s), listed below:"
for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  out="$logdir/$name.log"
  "$t" >"$out" 2>&1
  rc=$?
  p=$(grep -oE '^\[  PASSED  \] [0-9]+' "$out" | grep -oE '[0-9]+$' | tail -1)
  f=$(grep -oE '^\[  FAILED  \] [0-9]+' "$out" | grep -oE '[0-9]+$' | tail -1)
  tally "$name" "$rc" "$p" "$f" || sed 's/^/    /' "$out" | tail -40
done

# the layout's guards (scripts/guards.sh): one counted test each
out="$logdir/guards.log"
bash scripts/guards.sh >"$out" 2>&1
rc=$?
p=$(grep -oE '^[0-9]+ passed' "$out" | grep -oE '^[0-9]+' | tail -1)
f=$(grep -oE '[0-9]+ failed$' "$out" | grep -oE '^[0-9]+' | tail -1)
tally guards "$rc" "$p" "$f" || grep -A12 'FAIL' "$out" | head -60 | sed 's/^/    /'

# node --test suites: "# pass N" / "# fail N" in the TAP summary
for suite in api e2e; do
  files=$(ls tests/$suite/*.test.mjs 2>/dev/null)
  [ -n "$files" ] || continue
  out="$logdir/$suite.log"
  node --test --test-concurrency=1 --test-reporter=tap $files >"$out" 2>&1
  rc=$?
  p=$(grep -oE '^# pass [0-9]+' "$out" | grep -oE '[0-9]+$' | tail -1)
  f=$(grep -oE '^# fail [0-9]+' "$out" | grep -oE '[0-9]+$' | tail -1)
  tally "$suite (node --test)" "$rc" "$p" "$f" || grep -B2 -A25 '^not ok' "$out" | head -150 | sed 's/^/    /'
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
