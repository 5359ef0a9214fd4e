#!/usr/bin/env bash
# Round-trip check of winnow's WARC writer against an independent reader.
#
# Usage: tests/warc_roundtrip/run.sh BUILD/tests/winnow_tests [BUILD/winnow]
#
# With the winnow binary given, also runs `winnow --format wet` over the
# sample (whose conversion records it cleans, so their blocks, lengths and
# digests change) and checks winnow's output with the same reader.
#
# Has the unit test binary write the WET file of tests/unit/warc_test.cpp
# (sample.wet) and a copy whose blocks AppendWarcRecord shortened
# (shortened.wet), then runs check.mjs (warcio.js) on both; check.mjs must
# also reject damaged copies, so a checker that passes everything fails
# here. Installs warcio from package-lock.json on first use (npm ci).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tests_bin=${1:?usage: run.sh BUILD/tests/winnow_tests [BUILD/winnow]}
winnow_bin=${2:-}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "warc_roundtrip: node and npm are not installed; skipped" >&2
  exit 77
fi
if [[ ! -d "$here/node_modules/warcio" ]]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

WINNOW_WARC_DUMP_DIR=$tmp "$tests_bin" \
  --gtest_filter='WarcDump.WritesFilesForTheWarcioCheck' >"$tmp/gtest.log" ||
  { cat "$tmp/gtest.log" >&2; exit 1; }

status=0
for file in sample.wet shortened.wet; do
  if ! out=$(node "$here/check.mjs" "$tmp/$file"); then
    echo "FAIL: $file" >&2
    status=1
    continue
  fi
  echo "$file: $out"
  [[ $out == "3 records ok" ]] || { echo "FAIL: $file: expected 3 records" >&2; status=1; }
done

if [[ -n $winnow_bin ]]; then
  "$winnow_bin" --format wet --no-doc-dedup <"$tmp/sample.wet" >"$tmp/cleaned.wet"
  if cmp -s "$tmp/cleaned.wet" "$tmp/sample.wet"; then
    echo "FAIL: winnow changed nothing in sample.wet; the check would prove little" >&2
    status=1
  elif out=$(node "$here/check.mjs" "$tmp/cleaned.wet"); then
    echo "winnow --format wet output: $out"
  else
    echo "FAIL: winnow's WET output does not pass the reader" >&2
    status=1
  fi
fi

# Negative controls: each damaged copy must be rejected.
damage() {  # NAME COMMAND...: COMMAND reads sample.wet on stdin
  local name=$1
  shift
  "$@" <"$tmp/sample.wet" >"$tmp/bad.wet"
  if cmp -s "$tmp/bad.wet" "$tmp/sample.wet"; then
    echo "FAIL: $name: the damage changed nothing" >&2
    status=1
  elif node "$here/check.mjs" "$tmp/bad.wet" >/dev/null 2>&1; then
    echo "FAIL: $name: check.mjs accepted a damaged file" >&2
    status=1
  else
    echo "damaged ($name): rejected"
  fi
}
damage "Content-Length one short" sed 's/Content-Length: 236/Content-Length: 235/'
damage "Content-Length one long" sed 's/Content-Length: 236/Content-Length: 237/'
damage "wrong digest" sed 's/sha1:YEHZ4F/sha1:AEHZ4F/'
damage "block edited, digest kept" sed 's/Madagascar/Madagaskar/'
damage "last trailer cut" head -c -3
damage "bytes after the last record" sed '$ a\x'

if ((status == 0)); then echo "warc_roundtrip: ok"; fi
exit "$status"
