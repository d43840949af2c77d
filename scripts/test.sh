#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds what is stale, then runs every suite and ends with
# one summary line. Every suite runs even if an earlier one failed; the exit code is non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
bash scripts/build.sh || exit 1

LOG_DIR=$(mktemp -d)
trap 'rm -rf "$LOG_DIR"' EXIT
passed=0 failed=0 status=0 last_rc=0

# run NAME COMMAND...: runs a suite with its output shown and kept for the summary.
run() {
  local name=$1; shift
  echo; echo "=== $name: $*"
  "$@" 2>&1 | tee "$LOG_DIR/$name.log"
  local rc=${PIPESTATUS[0]}
  last_rc=$rc
  [ "$rc" -eq 0 ] || { status=1; echo "=== $name FAILED (exit $rc)"; }
  return 0
}
count() { grep -Eo "$2" "$LOG_DIR/$1.log" | tail -n1 | grep -Eo '[0-9]+' | tail -n1; }
add() { passed=$((passed + ${1:-0})); failed=$((failed + ${2:-0})); }

run catch2 ctest --test-dir build-native --output-on-failure
total=$(count catch2 'out of [0-9]+'); bad=$(count catch2 '[0-9]+ tests failed'); add $(( ${total:-0} - ${bad:-0} )) "${bad:-0}"

run catch2-asan ctest --test-dir build-asan --output-on-failure
total=$(count catch2-asan 'out of [0-9]+'); bad=$(count catch2-asan '[0-9]+ tests failed'); add $(( ${total:-0} - ${bad:-0} )) "${bad:-0}"

# The bounded fuzz run (tests/fuzz/: libFuzzer + ASan + UBSan, FUZZ_SECONDS per target, 30 by default; the long
# run is documented in scripts/fuzz.sh). One test per target.
run fuzz bash scripts/fuzz.sh
add "$(grep -c ', 0 crashes$' "$LOG_DIR/fuzz.log")" "$(grep -c '^fuzz .* crash (exit' "$LOG_DIR/fuzz.log")"

run node node --test tests/node/ demo/test/
add "$(count node '^# pass [0-9]+')" "$(count node '^# fail [0-9]+')"

run size node scripts/size.mjs --check

# The public TypeScript declarations, compiled as consumers see them (tests/types/): a browser app under
# nodenext and bundler resolution, and a Node app without the DOM lib. One test per project.
for project in tsconfig tsconfig.bundler tsconfig.node; do
  run "types-$project" npx tsc -p "tests/types/$project.json" --strict --noEmit
  if [ "$last_rc" -eq 0 ]; then add 1 0; else add 0 1; fi
done

run e2e npx playwright test
add "$(count e2e '[0-9]+ passed')" "$(count e2e '[0-9]+ failed')"

echo
[ "$status" -eq 0 ] || echo "some suites failed: see the '=== ... FAILED' lines above"
# A suite that crashed before printing counts still counts as a failure.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "tests: $passed passed, $failed failed"
exit "$status"
