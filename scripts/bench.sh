#!/usr/bin/env bash
# make bench: the standard benchmark suite (bench/run.mjs) against the build in $1.
# BENCH_QUICK=1 for a shorter run; see bench/run.mjs for the other settings.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v taskset >/dev/null || { echo "bench: taskset (util-linux) is needed"; exit 1; }
BUILD=${1:-build} exec node bench/run.mjs
