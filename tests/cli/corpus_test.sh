#!/usr/bin/env bash
# corpus_test.sh WINNOW INPUT: runs WINNOW on INPUT (corpus/NAME.txt) and
# compares stdout with corpus/NAME.expected byte for byte. A file
# corpus/NAME.OPTION.expected is the expected output of a run with
# --OPTION (for example issue_example.no-rules.expected for --no-rules).
set -u
winnow=$1
input=$2
base=${input%.txt}
[ -f "$base.expected" ] || { echo "missing $base.expected"; exit 1; }
status=0
check() {  # check EXPECTED [OPTION...]
  local expected=$1
  shift
  local out
  out=$(mktemp)
  "$winnow" "$@" < "$input" > "$out"
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL: winnow $* exited $rc on $input"
    status=1
  elif ! cmp -s "$out" "$expected"; then
    echo "FAIL: winnow $* < $input differs from $expected:"
    diff "$expected" "$out" | head -40
    echo "--- why (--explain):"
    "$winnow" "$@" --explain < "$input" 2>&1 >/dev/null | head -40
    status=1
  else
    echo "ok: winnow $* < $input"
  fi
  rm -f "$out"
}
check "$base.expected"
for variant in "$base".*.expected; do
  [ -e "$variant" ] || continue
  option=${variant#"$base".}
  option=${option%.expected}
  check "$variant" "--$option"
done
exit $status
