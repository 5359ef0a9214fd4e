# testlib.sh: the check helpers of the CLI test scripts (sourced, not run).
# A script calls suite_start first, which sets $W (winnow) and $T (a scratch
# directory, made the current directory).
# shellcheck shell=bash

# suite_start NAME ARGS...: ARGS must be the one path to the winnow binary;
# sets W to its absolute path, makes $T (removed at exit) and moves there.
suite_start() {
  local suite=$1
  shift
  if [ $# -ne 1 ]; then
    echo "usage: bash $0 /path/to/winnow" >&2
    exit 2
  fi
  W=$1
  case $W in /*) ;; *) W=$PWD/$W ;; esac
  if [ ! -x "$W" ]; then
    echo "$suite: $W is not an executable" >&2
    exit 2
  fi
  T=$(mktemp -d "${TMPDIR:-/tmp}/winnow-$suite.XXXXXX") || exit 2
  trap 'rm -rf "$T"' EXIT
  cd "$T" || exit 2
}

passed=0
failed=0
name=""
why=()

# --- helpers ---------------------------------------------------------------

# begin NAME: starts a check; problems are collected in why[] until finish.
begin() {
  name=$1
  why=()
}

# finish: prints the verdict of the current check.
finish() {
  if [ ${#why[@]} -eq 0 ]; then
    echo "ok - $name"
    passed=$((passed + 1))
  else
    echo "not ok - $name"
    local w
    for w in "${why[@]}"; do
      printf '%s\n' "$w" | sed 's/^/#   /'
    done
    failed=$((failed + 1))
  fi
}

# fail_because TEXT: records one problem of the current check.
fail_because() { why+=("$1"); }

# run ARGS... : runs winnow with stdin from $T/in (or /dev/null when absent),
# stdout to $T/out, stderr to $T/err, exit status in $rc.
run() {
  local stdin=$T/in
  [ -e "$stdin" ] || stdin=/dev/null
  "$W" "$@" < "$stdin" > "$T/out" 2> "$T/err"
  rc=$?
}

# run_stdin FILE ARGS... : like run, with stdin from FILE.
run_stdin() {
  local stdin=$1
  shift
  "$W" "$@" < "$stdin" > "$T/out" 2> "$T/err"
  rc=$?
}

# A readable rendering of a file's bytes for failure details.
show() {
  if [ ! -s "$1" ]; then
    echo "(empty)"
  else
    od -An -c "$1" | head -n 12
    [ "$(od -An -c "$1" | wc -l)" -gt 12 ] && echo "..."
  fi
  return 0
}

expect_rc() {
  [ "$rc" -eq "$1" ] || fail_because "exit status $rc, expected $1"
}

# expect_out_file FILE: stdout must be byte for byte FILE.
expect_out_file() {
  if ! cmp -s "$T/out" "$1"; then
    fail_because "stdout differs from the expected bytes; expected:
$(show "$1")
got:
$(show "$T/out")"
  fi
}

# expect_out FORMAT [ARGS...]: stdout must be exactly printf FORMAT ARGS.
expect_out() {
  # shellcheck disable=SC2059
  printf "$@" > "$T/expected.out"
  expect_out_file "$T/expected.out"
}

expect_out_empty() {
  [ -s "$T/out" ] && fail_because "stdout should be empty; got:
$(show "$T/out")"
  return 0
}

# expect_err TEXT: stderr must be exactly TEXT followed by one newline.
expect_err() {
  printf '%s\n' "$1" > "$T/expected.err"
  if ! cmp -s "$T/err" "$T/expected.err"; then
    fail_because "stderr should be exactly: $1
got:
$(cat "$T/err")"
  fi
}

expect_err_empty() {
  [ -s "$T/err" ] && fail_because "stderr should be empty; got:
$(head -n 10 "$T/err")"
  return 0
}

# expect_err_starts TEXT: stderr must start with TEXT.
expect_err_starts() {
  local first
  first=$(head -c "${#1}" "$T/err")
  [ "$first" = "$1" ] || fail_because "stderr should start with '$1'; got:
$(head -n 5 "$T/err")"
}

# expect_err_mentions TEXT: stderr must contain TEXT.
expect_err_mentions() {
  grep -qF -- "$1" "$T/err" || fail_because "stderr should mention '$1'; got:
$(head -n 5 "$T/err")"
}

# expect_same_file A B WHAT: files A and B must be identical.
expect_same_file() {
  cmp -s "$1" "$2" || fail_because "$3: $(cmp "$1" "$2" 2>&1 | head -n 1)"
}

