#!/usr/bin/env bash
# Fuzzes the core (tests/fuzz/, libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer, clang): every target for
# FUZZ_SECONDS each, one after the other, one process each, starting from its committed corpus.
#
#   bash scripts/fuzz.sh                          # 30 s per target (the bounded run)
#   FUZZ_SECONDS=3600 bash scripts/fuzz.sh        # the long run: an hour per target
#   FUZZ_TARGETS="fuzz_sse_parser" bash scripts/fuzz.sh
#   FUZZ_MERGE=1 bash scripts/fuzz.sh             # also merge what the run found into tests/fuzz/corpus (a minimal
#                                                 # set covering the same features, at most MAX_CORPUS_FILES=200
#                                                 # files if possible; the seed-* files always stay)
#
# The committed corpus is copied to a temporary directory, so a run does not touch the repository (unless
# FUZZ_MERGE=1). Prints one line per target:
#   fuzz <target>: <executions> execs in <seconds> s, 0 crashes
# and exits non-zero if any target crashed (a sanitizer report, a failed FUZZ_CHECK or a timeout), with the path of
# the saved input (under build-fuzz/artifacts/). To replay one: build-fuzz/<target> <file>; for fuzz_connection,
# FUZZ_VERBOSE=1 also prints every input and the commands it produced.
set -uo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${FUZZ_SECONDS:-30}
TARGETS=${FUZZ_TARGETS:-"fuzz_sse_parser fuzz_trace_headers fuzz_retry_after fuzz_connection"}
BUILD=build-fuzz

# Largest input per target: enough for what each checks (baggage's 8192-byte limit needs more than 8 KiB).
max_len() {
  case $1 in
    fuzz_sse_parser) echo 4096 ;;
    fuzz_trace_headers) echo 10000 ;;
    fuzz_retry_after) echo 64 ;;
    fuzz_connection) echo 4096 ;;
    *) echo 4096 ;;
  esac
}
dict() {
  case $1 in
    fuzz_sse_parser | fuzz_connection) echo tests/fuzz/sse.dict ;;
    fuzz_trace_headers) echo tests/fuzz/trace_headers.dict ;;
    fuzz_retry_after) echo tests/fuzz/retry_after.dict ;;
  esac
}

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  CXX=${FUZZ_CXX:-clang++} cmake -S tests/fuzz -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
fi
cmake --build "$BUILD" -j2 >/dev/null || { cmake --build "$BUILD" -j1; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
status=0

for target in $TARGETS; do
  corpus=tests/fuzz/corpus/$target
  artifacts=$BUILD/artifacts/$target
  mkdir -p "$WORK/$target" "$artifacts"
  [ -d "$corpus" ] && cp "$corpus"/* "$WORK/$target"/ 2>/dev/null
  log=$WORK/$target.log
  start=$(date +%s%N)
  "$BUILD/$target" "$WORK/$target" \
    -max_total_time="$SECONDS_PER_TARGET" -max_len="$(max_len "$target")" -dict="$(dict "$target")" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
  rc=$?
  elapsed=$(( ($(date +%s%N) - start + 500000000) / 1000000000 ))
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -n1)
  if [ "$rc" -eq 0 ]; then
    printf 'fuzz %s: %s execs in %d s, 0 crashes\n' "$target" "${execs:-?}" "$elapsed"
  else
    status=1
    crash=$(grep -Eo 'Test unit written to [^ ]+' "$log" | tail -n1 | sed 's/Test unit written to //')
    echo "---- $target output (last 60 lines) ----"
    tail -n 60 "$log"
    printf 'fuzz %s: %s execs in %d s, 1 crash (exit %d): %s\n' "$target" "${execs:-?}" "$elapsed" "$rc" \
      "${crash:-see the output above}"
    continue
  fi
  if [ "${FUZZ_MERGE:-0}" = 1 ]; then
    # A greedy set cover of the features of the committed corpus and this run's, on top of the seeds. Still over
    # MAX_CORPUS_FILES: again with edge coverage only (hit counts ignored), which keeps far fewer inputs.
    merged=$WORK/$target.merged
    for counters in 1 0; do
      rm -rf "$merged" && mkdir -p "$merged"
      cp "$corpus"/seed-* "$merged"/ 2>/dev/null
      "$BUILD/$target" -set_cover_merge=1 -use_counters=$counters -max_len="$(max_len "$target")" \
        "$merged" "$corpus" "$WORK/$target" >"$log.merge" 2>&1 ||
        { echo "merge failed for $target"; tail -n 20 "$log.merge"; status=1; continue 2; }
      [ "$(ls "$merged" | wc -l)" -le "${MAX_CORPUS_FILES:-200}" ] && break
    done
    rm -f "$corpus"/*
    cp "$merged"/* "$corpus"/
    echo "fuzz $target: corpus now $(ls "$corpus" | wc -l) files, $(cat "$corpus"/* | wc -c) bytes"
  fi
done
exit "$status"
