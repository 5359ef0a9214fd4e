#!/usr/bin/env bash
# corpus_test.sh WINNOW INPUT: runs WINNOW on INPUT (corpus/NAME.txt) and
# compares stdout with corpus/NAME.expected byte for byte. A file
# corpus/NAME.OPTION.expected is the expected output of a run with
# --OPTION (for example issue_example.no-rules.expected for --no-rules).
set -u
winnow=$1
input=$2
status=0
# corpus/streams/NAME.FORMAT: a document stream, compared with
# NAME.FORMAT.expected, run with --format FORMAT (-j1 and -j4 alike).
case $input in
  *.jsonl|*.wet|*.nul)
    format=${input##*.}
    for j in 1 4; do
      out=$(mktemp)
      "$winnow" --format "$format" -j$j < "$input" > "$out" || { echo "FAIL: exit $? on $input"; status=1; }
      if cmp -s "$out" "$input.expected"; then
        echo "ok: winnow --format $format -j$j < $input"
      else
        echo "FAIL: winnow --format $format -j$j < $input differs from $input.expected"
        cmp "$out" "$input.expected"
        status=1
      fi
      rm -f "$out"
    done
    exit $status
    ;;
esac
base=${input%.txt}
[ -f "$base.expected" ] || { echo "missing $base.expected"; exit 1; }
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
