#!/usr/bin/env bash
# tools/quickstart.sh demo|test|build
#
# Installs what is missing (Debian/Ubuntu packages), builds winnow into
# build/winnow, then either runs it on a corpus document and shows what it
# removed (demo) or runs the whole test suite (test).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake ninja-build pkg-config libxxhash-dev libboost-program-options-dev
          libre2-dev libgtest-dev libsimdjson-dev libssl-dev libutf8proc-dev zlib1g-dev libzstd-dev
          gzip zstd python3 python3-dev pybind11-dev python3-pytest groff-base mandoc
          python3-distributed parallel)
# Hyperscan (rule patterns in one pass) is packaged for x86-64 only; elsewhere
# winnow matches its patterns with RE2 alone, with the same results.
if [ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ]; then packages+=(libhyperscan-dev); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "quickstart: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The test suite reads winnow's WARC output back with warcio.js (npm).
if [ "${1:-demo}" = test ] && ! { command -v node && command -v npm; } >/dev/null; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >/dev/null
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"

case "${1:-demo}" in
  demo)
    doc=corpus/tabloid_news.txt
    echo "=== winnow --explain $doc (kept text on stdout, decisions on stderr)"
    build/winnow --explain --stats "$doc"
    ;;
  test)
    ctest --test-dir build --output-on-failure -j "$(nproc)"
    ;;
  build) ;;
  *) echo "usage: tools/quickstart.sh demo|test|build" >&2; exit 2 ;;
esac
