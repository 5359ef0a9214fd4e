#!/usr/bin/env bash
# tests/fuzz/run_fuzzers.sh SECONDS [TARGET...]
#
# Configures build-fuzz with Clang (the `fuzz` preset: WINNOW_BUILD_FUZZERS,
# ASan+UBSan, libFuzzer), builds the fuzz targets, and runs each one (all of
# tests/fuzz/fuzz_*.cpp unless TARGETs are named) for SECONDS on a copy of
# its seed corpus, tests/fuzz/corpus/TARGET, as many at once as there are
# cores. SECONDS 0 runs each seed once and nothing more (a regression test).
#
# Fails if a target crashes, breaks one of its invariants, leaks, times out
# on one input (10 s) or needs more than 2 GiB. The input that did it is
# kept as build-fuzz/artifacts/TARGET-crash-... and the log as
# build-fuzz/logs/TARGET.log; to replay it: build-fuzz/tests/fuzz/TARGET FILE.
# A crash fixed in the library becomes a seed: copy the input into
# tests/fuzz/corpus/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
  echo "usage: tests/fuzz/run_fuzzers.sh SECONDS [TARGET...]" >&2
  exit 2
fi
seconds=$1
shift

build=build-fuzz
cmake --preset fuzz >/dev/null
cmake --build "$build" --target fuzzers

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for source in tests/fuzz/fuzz_*.cpp; do
    name=$(basename "$source" .cpp)
    targets+=("$name")
  done
fi

rm -rf "$build/corpus" "$build/logs" "$build/artifacts"
mkdir -p "$build/corpus" "$build/logs" "$build/artifacts"
for t in "${targets[@]}"; do
  [ -x "$build/tests/fuzz/$t" ] || { echo "run_fuzzers: no fuzz target $t" >&2; exit 2; }
  mkdir -p "$build/corpus/$t"
  if [ -d "tests/fuzz/corpus/$t" ]; then
    cp tests/fuzz/corpus/"$t"/* "$build/corpus/$t/" 2>/dev/null || true
  fi
done
# Index files in the current format, whatever the committed seeds hold.
if [ -d "$build/corpus/fuzz_index" ]; then
  "$build/tests/fuzz/fuzz_index_seeds" "$build/corpus/fuzz_index"
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
  local t=$1
  local bin=$build/tests/fuzz/$t
  # A fixed seed (FUZZ_SEED, default 1) makes a CI run explore the same
  # inputs as a run here did; set FUZZ_SEED=0 for a fresh random seed.
  local options=(-rss_limit_mb=2048 -timeout=10 "-seed=${FUZZ_SEED:-1}"
                 "-artifact_prefix=$build/artifacts/$t-")
  if [ "$seconds" -eq 0 ]; then
    local seeds=("$build/corpus/$t"/*)
    [ -e "${seeds[0]}" ] || return 0
    "$bin" "${options[@]}" "${seeds[@]}"
  else
    "$bin" "${options[@]}" -max_total_time="$seconds" -print_final_stats=1 "$build/corpus/$t"
  fi
}

jobs=$(nproc)
declare -A pid_of
failed=()
finish() {  # waits for the target started as $1
  local t=$1
  if wait "${pid_of[$t]}"; then
    echo "run_fuzzers: $t: ok ($(grep -c . "$build/logs/$t.log") log lines," \
         "$(find "$build/corpus/$t" -type f | wc -l) corpus files)"
  else
    failed+=("$t")
    echo "run_fuzzers: $t: FAILED; the end of $build/logs/$t.log:" >&2
    tail -n 40 "$build/logs/$t.log" >&2
  fi
}
running=()
for t in "${targets[@]}"; do
  if [ ${#running[@]} -ge "$jobs" ]; then
    finish "${running[0]}"
    running=("${running[@]:1}")
  fi
  echo "run_fuzzers: $t for ${seconds}s"
  run_one "$t" > "$build/logs/$t.log" 2>&1 &
  pid_of[$t]=$!
  running+=("$t")
done
for t in "${running[@]}"; do finish "$t"; done

if [ ${#failed[@]} -gt 0 ]; then
  echo "run_fuzzers: failed: ${failed[*]} (inputs in $build/artifacts/)" >&2
  ls -l "$build/artifacts" >&2
  echo "fuzz: $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
  exit 1
fi
echo "run_fuzzers: all ${#targets[@]} targets ok"
echo "fuzz: ${#targets[@]} passed, 0 failed"
