#!/usr/bin/env bash
# install_test.sh CMAKE BUILD_DIR [PYTHON PYTHON_DIR]: `cmake --install` into
# a scratch prefix puts the binary, the man page and (when the module was
# built) the Python package where they are found: the installed winnow
# runs, `man -l` renders its page, and the installed package imports and
# cleans from the prefix's PYTHON_DIR (relative to the prefix).
set -u
cmake=$1 build=$2 python=${3:-} python_dir=${4:-}
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
if [ -n "$python" ]; then
  pkg=$T/$python_dir/winnow
  [ -f "$pkg/__init__.py" ] || fail "no $python_dir/winnow/__init__.py"
  got=$(cd "$T" && PYTHONPATH="$T/$python_dir" "$python" -B -c '
import winnow
assert winnow.__file__.startswith("'"$T"'"), winnow.__file__
print(winnow.clean("Share this\n\nThe mayor opened the new library on Main Street this morning.\n").text, end="")')
  [ "$got" = "The mayor opened the new library on Main Street this morning." ] || fail "installed module: '$got'"
fi
[ $status -eq 0 ] && echo "ok: cmake --install puts winnow, winnow.1${python:+ and the Python package} in place"
exit $status
