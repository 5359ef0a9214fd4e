#!/usr/bin/env bash
# tools/sanitize.sh asan|python|tsan|fuzz SECONDS|all [SECONDS]
#
# The test suite under sanitizers, built with Clang (installed if missing,
# as tools/quickstart.sh installs the rest of what the build needs):
#   asan          the whole ctest suite with AddressSanitizer and
#                 UndefinedBehaviorSanitizer (preset asan: build-asan,
#                 RelWithDebInfo, no recovery: any report fails its test;
#                 the bad-input suite in its light form, small inputs and
#                 no ulimit -v). The runtime is the shared one, so that the
#                 same build also gives the Python module;
#   python        the Python module's tests (tests/python) from that build
#                 (LD_PRELOAD loads the ASan runtime into /usr/bin/python3);
#   tsan          the multi-threaded tests with ThreadSanitizer (preset
#                 tsan: build-tsan): the unit tests (the stream processor's
#                 with 1 and 3 threads, and the readers' writer threads) and
#                 the binary's stream tests (-j1 to -j8);
#   fuzz SECONDS  every libFuzzer target for SECONDS each
#                 (tests/fuzz/run_fuzzers.sh);
#   all [SECONDS] asan, python, tsan, then fuzz SECONDS (default 25).
# CI (.ci/run) runs asan, tsan, python and fuzz 15 after the normal build and
# tests, each while its time budget allows.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: tools/sanitize.sh asan|python|tsan|fuzz SECONDS|all [SECONDS]" >&2
  exit 2
}

install_clang() {
  local packages=(clang libclang-rt-14-dev) missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "sanitize: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# Reports fail the run, with a stack; stderr stays free of anything else, so
# the CLI tests that check it still pass.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:check_initialization_order=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

# The shared ASan runtime (-shared-libasan in the preset) lives outside the
# loader's path: the binaries carry its directory as their rpath.
asan_runtime() { clang++ -print-file-name=libclang_rt.asan-x86_64.so; }

configure_asan() {
  local rpath
  rpath="-Wl,-rpath,$(dirname "$(asan_runtime)")"
  cmake --preset asan -DCMAKE_CXX_COMPILER=clang++ \
        -DCMAKE_EXE_LINKER_FLAGS="$rpath" -DCMAKE_SHARED_LINKER_FLAGS="$rpath" >/dev/null
}

run_asan() {
  echo "=== sanitize: ASan+UBSan build (build-asan), whole test suite" >&2
  configure_asan
  cmake --build build-asan -j "$(nproc)"
  # The bad-input suite on small inputs, without its ulimit -v runs:
  # sanitizers reserve terabytes of address space. The Python tests need the
  # runtime preloaded (run_python); install imports the module too.
  WINNOW_HOSTILE_LIGHT=1 ctest --test-dir build-asan --output-on-failure -j "$(nproc)" \
        -E '^(python|python_cluster|install)$'
}

run_python() {
  echo "=== sanitize: ASan+UBSan Python module (build-asan), tests/python" >&2
  configure_asan
  cmake --build build-asan -j "$(nproc)" --target winnow winnow_python
  # Python itself is not instrumented and keeps objects until exit: no
  # leak check. Every other report fails the run.
  LD_PRELOAD=$(asan_runtime) ASAN_OPTIONS=detect_leaks=0 PYTHONPATH=build-asan/python \
    WINNOW_BIN=build-asan/winnow /usr/bin/python3 -B -m pytest -q -p no:cacheprovider tests/python
}

run_tsan() {
  echo "=== sanitize: TSan build (build-tsan), multi-threaded tests" >&2
  cmake --preset tsan -DCMAKE_CXX_COMPILER=clang++ >/dev/null
  cmake --build build-tsan -j "$(nproc)" --target winnow winnow_tests
  # Everything but the single-threaded tests of the binary (and the
  # bad-input suite, mostly big single-threaded runs; install and python
  # need targets this build does not make; the cluster stages run the
  # binary on small inputs, one shard at a time, and Dask is Python): the unit tests, the
  # stream CLI tests and the corpus streams, which compare -j1 with -j4.
  # Also left to the ASan run: the two damage loops (every bit of a state
  # file, every damage of a stage's file), single-threaded and the slowest
  # here (214 and 99 s of a 439 s run).
  ctest --test-dir build-tsan --output-on-failure -j "$(nproc)" \
        -E '^(cli|docs|hostile|install|python|python_cluster|stages|warc_roundtrip)$|^corpus\.[^.]+$|^(StateFileTest\.EverySingleBitFlipIsRefused|StagesTest\.EveryDamageIsRefused)$'
}

run_fuzz() {
  echo "=== sanitize: libFuzzer targets (build-fuzz), $1 s each" >&2
  tests/fuzz/run_fuzzers.sh "$1"
}

[ $# -ge 1 ] || usage
install_clang
case $1 in
  asan) [ $# -eq 1 ] || usage; run_asan ;;
  python) [ $# -eq 1 ] || usage; run_python ;;
  tsan) [ $# -eq 1 ] || usage; run_tsan ;;
  fuzz) [ $# -eq 2 ] || usage; run_fuzz "$2" ;;
  all)
    [ $# -le 2 ] || usage
    run_asan
    run_python
    run_tsan
    run_fuzz "${2:-25}"
    ;;
  *) usage ;;
esac
