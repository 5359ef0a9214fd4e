#!/usr/bin/env bash
# install_test.sh CMAKE BUILD_DIR [PYTHON PYTHON_DIR]: `cmake --install` into
# a scratch prefix puts the binary, the man page, the optional rules files
# and (when the module was built) the Python package where they are found:
# the installed winnow runs, `man -l` renders its page, every file of
# rules/optional/ is installed unchanged under share/winnow/rules/ and
# `winnow --rules` reads it from there, and the installed package imports
# and cleans from the prefix's PYTHON_DIR (relative to the prefix), the
# Dask driver beside it.
set -u
cmake=$1 build=$2 python=${3:-} python_dir=${4:-}
src=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/winnow-install.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

"$cmake" --install "$build" --prefix "$T" > "$T/install.log" 2>&1 || { cat "$T/install.log"; exit 1; }
[ -x "$T/bin/winnow" ] || fail "no bin/winnow"
out=$(printf 'Share this\n\nThe mayor opened the new library on Main Street this morning.\n' | "$T/bin/winnow")
[ "$out" = "The mayor opened the new library on Main Street this morning." ] || fail "installed winnow printed '$out'"
page=$T/share/man/man1/winnow.1
if [ ! -f "$page" ]; then
  fail "no share/man/man1/winnow.1"
elif command -v man > /dev/null; then
  MANWIDTH=80 man -l "$page" > "$T/page.txt" 2> "$T/man.err" || fail "man -l failed"
  [ -s "$T/man.err" ] && fail "man -l warned: $(cat "$T/man.err")"
  grep -q -- '--threshold' "$T/page.txt" || fail "the rendered page lacks --threshold"
fi
# The optional rules: each source file installed byte for byte, nothing else
# installed beside them, and each read by the installed winnow.
body="The mayor opened the new library on Main Street this morning."
n_rules=0
for f in "$src"/rules/optional/*.rules; do
  [ -e "$f" ] || break
  n_rules=$((n_rules + 1))
  inst=$T/share/winnow/rules/$(basename "$f")
  if [ ! -f "$inst" ]; then
    fail "no share/winnow/rules/$(basename "$f")"
    continue
  fi
  cmp -s "$f" "$inst" || fail "$inst differs from $f"
  "$T/bin/winnow" --rules "$inst" --list-rules > "$T/names.out" 2> "$T/names.err" ||
    fail "winnow --rules $inst --list-rules: exit $?: $(cat "$T/names.err")"
  [ -s "$T/names.err" ] && fail "winnow --rules $inst --list-rules wrote to stderr: $(cat "$T/names.err")"
done
[ $n_rules -gt 0 ] || fail "no rules/optional/*.rules in $src"
n_inst=$(find "$T/share/winnow/rules" -type f 2> /dev/null | wc -l)
[ "$n_inst" -eq $n_rules ] || fail "share/winnow/rules holds $n_inst files, rules/optional/ $n_rules"
# The publisher-footer file's patterns drop what they name, from the
# installed path, and leave the body alone.
footers=$T/share/winnow/rules/publisher-footers.rules
if [ -f "$footers" ]; then
  out=$(printf '%s\n\nShare or comment on this article:\n\nAll quotes delayed a minimum of 15 minutes.\n' "$body" |
        "$T/bin/winnow" --rules "$footers" --explain-to "$T/explain.out" 2> "$T/footers.err")
  rc=$?
  [ $rc -eq 0 ] || fail "winnow --rules $footers: exit $rc: $(cat "$T/footers.err")"
  [ -s "$T/footers.err" ] && fail "winnow --rules $footers wrote to stderr: $(cat "$T/footers.err")"
  [ "$out" = "$body" ] || fail "winnow --rules $footers printed '$out'"
  grep -qs 'rule share: Share or comment on this article' "$T/explain.out" ||
    fail "the share line was not dropped by the file's share rule: $(cat "$T/explain.out" 2> /dev/null)"
  grep -qs 'rule policy: All quotes delayed' "$T/explain.out" ||
    fail "the quotes line was not dropped by the file's policy rule: $(cat "$T/explain.out" 2> /dev/null)"
fi
if [ -n "$python" ]; then
  pkg=$T/$python_dir/winnow
  [ -f "$pkg/__init__.py" ] || fail "no $python_dir/winnow/__init__.py"
  got=$(cd "$T" && PYTHONPATH="$T/$python_dir" "$python" -B -c '
import winnow
assert winnow.__file__.startswith("'"$T"'"), winnow.__file__
print(winnow.clean("Share this\n\nThe mayor opened the new library on Main Street this morning.\n").text, end="")')
  [ "$got" = "The mayor opened the new library on Main Street this morning." ] || fail "installed module: '$got'"
  # The Dask driver beside it (README: cmake --install installs it).
  [ -f "$T/$python_dir/winnow_dask/__main__.py" ] || fail "no $python_dir/winnow_dask/__main__.py"
  where=$(cd "$T" && PYTHONPATH="$T/$python_dir" "$python" -B -c 'import winnow_dask; print(winnow_dask.__file__)')
  case $where in "$T"/*) ;; *) fail "winnow_dask imported from '$where'" ;; esac
  (cd "$T" && PYTHONPATH="$T/$python_dir" "$python" -B -m winnow_dask --help > "$T/dask.help" 2>&1) ||
    fail "python -m winnow_dask --help: $(cat "$T/dask.help")"
fi
[ $status -eq 0 ] && echo "ok: cmake --install puts winnow, winnow.1, $n_rules optional rules file(s)${python:+ and the Python package} in place"
exit $status
