#!/usr/bin/env bash
# Bounded AFL++ run of one libFuzzer-style harness:
#   run-afl.sh NAME SECONDS CORPUS_DIR OUT_DIR -- SOURCES... [-- CFLAGS...]
# Compiles the harness with afl-clang-fast (AFL++'s libFuzzer driver), runs
# afl-fuzz for SECONDS, and fails if AFL++ saved a crash.
set -euo pipefail
name=$1 secs=$2 corpus=$3 out=$4; shift 4
[ "$1" = -- ] && shift
srcs=() cflags=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do srcs+=("$1"); shift; done
[ "${1:-}" = -- ] && { shift; cflags=("$@"); }
command -v afl-clang-fast >/dev/null || { echo "SKIP: afl++ is not installed"; exit 77; }
mkdir -p "$out"
bin=$out/$name-afl
AFL_QUIET=1 afl-clang-fast -g -O1 -fsanitize=fuzzer -D_GNU_SOURCE -std=gnu11 "${cflags[@]}" \
	"${srcs[@]}" -o "$bin" 2>"$out/$name-build.log" || { cat "$out/$name-build.log"; exit 1; }
rm -rf "$out/$name-findings"
ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:symbolize=0 \
AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 \
AFL_SKIP_CRASHES=1 AFL_FAST_CAL=1 AFL_QUIET=1 \
	timeout $((secs + 30)) afl-fuzz -V "$secs" -i "$corpus" -o "$out/$name-findings" -- "$bin" \
	>"$out/$name-afl.log" 2>&1 || true
stats=$out/$name-findings/default/fuzzer_stats
[ -f "$stats" ] || { tail -20 "$out/$name-afl.log"; echo "afl-fuzz did not run"; exit 1; }
execs=$(awk -F: '/^execs_done/ {gsub(/ /,"",$2); print $2}' "$stats")
crashes=$(ls "$out/$name-findings/default/crashes" 2>/dev/null | grep -c '^id' || true)
echo "afl++ $name: $execs executions in ${secs}s, $crashes crashes"
[ "${execs:-0}" -gt 0 ] || { echo "afl-fuzz executed nothing"; exit 1; }
[ "$crashes" = 0 ] || { ls "$out/$name-findings/default/crashes"; exit 1; }
