#!/usr/bin/env bash
# corpus_test.sh WINNOW INPUT: runs WINNOW on INPUT and compares stdout with
# INPUT's .expected file byte for byte. If INPUT has a .args file, its words
# are passed as options (one variant per line: each line is one more run,
# compared with .expected too).
set -u
winnow=$1
input=$2
expected=${input%.txt}.expected
[ -f "$expected" ] || { echo "missing $expected"; exit 1; }
status=0
run() {
  local out
  out=$(mktemp)
  "$winnow" "$@" < "$input" > "$out"
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL: winnow $* exited $rc on $input"; status=1
  elif ! cmp -s "$out" "$expected"; then
    echo "FAIL: winnow $* on $input differs from $expected:"
    diff "$expected" "$out" | head -40
    echo "--- why (--explain):"
    "$winnow" "$@" --explain < "$input" 2>&1 >/dev/null | head -40
    status=1
  fi
  rm -f "$out"
}
run
if [ -f "${input%.txt}.args" ]; then
  while IFS= read -r args; do
    [ -z "$args" ] && continue
    # shellcheck disable=SC2086
    run $args
  done < "${input%.txt}.args"
fi
exit $status
