#!/usr/bin/env bash
# tools/winnow-parallel.sh [-P JOBS] [-S HOSTS] [--rejects] [--annotate|--annotate-rejects]
#                          [--index STATE] [-a LIST] OUT_DIR SHARD... -- [WINNOW OPTIONS]
#
# -a LIST: the shards' paths, one a line, before any SHARD operand (more
# shards than a command line holds: find crawl/ -name '*.jsonl' | sort).
# winnow's stages with GNU parallel, no Python: `winnow sign` on every
# shard (JOBS at a time, on HOSTS with -S as parallel takes them), one
# `winnow decide` over every part in part order, `winnow apply` on every
# shard. Concatenated in shard order, OUT_DIR/output/part-*.EXT (and
# OUT_DIR/rejects/part-*.EXT) are byte-identical to one `winnow OPTIONS` over
# the concatenated shards. No sort is needed: the parts' order is their
# number, and decide reads them in it.
#
# Every job is idempotent (winnow writes its stage files under a temporary
# name and renames them when whole; outputs are renamed here the same way),
# so a failed job is retried (--retries 2) and a run can be started again
# with the same arguments; parallel stops at the first job that fails for
# good (--halt now,fail=1), with winnow's message on standard error. With
# -S, OUT_DIR, the shards and winnow must be at the same paths on every
# host (a shared file system). --index STATE continues the saved state of
# earlier runs; the new state goes to OUT_DIR/state/index (STATE itself is
# only read, so a failed decide can simply run again).
#
# WINNOW_BIN names the winnow binary (default: winnow on PATH).
set -euo pipefail

winnow=${WINNOW_BIN:-winnow}
jobs=$(nproc)
hosts=()
apply_opts=()
rejects=0
index=""
list=""
usage() {
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
    -P) jobs=$2; shift 2 ;;
    -S) hosts=(-S "$2"); shift 2 ;;
    --rejects) rejects=1; shift ;;
    --annotate|--annotate-rejects) apply_opts+=("$1"); shift ;;
    --index) index=$2; shift 2 ;;
    -a) list=$2; shift 2 ;;
    -*) usage ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || usage
out=$1
shift
shards=()
if [ -n "$list" ]; then
  mapfile -t shards < <(grep -v '^$' -- "$list" | xargs -r -d '\n' realpath --)
fi
while [ $# -gt 0 ] && [ "$1" != "--" ]; do shards+=("$(realpath "$1")"); shift; done
[ $# -gt 0 ] && shift
options=("$@")
n=${#shards[@]}
[ "$n" -gt 0 ] || usage
command -v parallel >/dev/null || { echo "winnow-parallel: GNU parallel is not installed (apt-get install parallel)" >&2; exit 2; }
mkdir -p "$out"/facts "$out"/decisions "$out"/output
out=$(realpath "$out")
[ $rejects -eq 1 ] && mkdir -p "$out"/rejects
# The parts are named by the shards' ending without a compression suffix
# (winnow writes plain records unless --compress asks): 000.jsonl.gz gives
# part-00001-of-00016.jsonl, or .jsonl.gz with --compress gzip.
base=$(basename "${shards[0]}")
for packed in .gz .zst .zstd; do
  if [ "${base%"$packed"}" != "$base" ] && [ -n "${base%"$packed"}" ]; then base=${base%"$packed"}; break; fi
done
ext=".${base##*.}"
[ "$ext" = ".$base" ] && ext=.out
rejects_ext=$ext
for ((k = 0; k < ${#options[@]}; k++)); do
  case ${options[k]} in
    --compress) compress=${options[k + 1]:-} ;;
    --compress=*) compress=${options[k]#--compress=} ;;
  esac
done
case ${compress:-} in gzip) ext=$ext.gz ;; zstd) ext=$ext.zst ;; esac

# The options, quoted once for the shell each job runs in.
q() { printf '%q ' "$@"; }
q1() { printf '%q' "$1"; }
opts=""
[ ${#options[@]} -gt 0 ] && opts=$(q "${options[@]}")
apply_str=""
[ ${#apply_opts[@]} -gt 0 ] && apply_str=$(q "${apply_opts[@]}")
par=(parallel --will-cite --halt now,fail=1 --retries 2 -j "$jobs" "${hosts[@]}")

# sign: part {#} of $n; {#} is the shard's position, 1-based.
printf '%s\n' "${shards[@]}" | "${par[@]}" \
  "$(q1 "$winnow") sign $opts --part {#}/$n -o $(q1 "$out")/facts/\$(printf 'part-%05d-of-%05d' {#} $n).facts {}"

# decide: every part, once.
state=()
if [ -n "$index" ]; then
  mkdir -p "$out"/state
  work=$(mktemp -d "$out/state/attempt-XXXXXX")
  if [ -e "$index" ]; then
    cp "$index" "$work/index"
    [ -e "$index.names" ] && cp "$index.names" "$work/index.names"
  fi
  state=(--index "$work/index")
fi
# The folder, not its files: a crawl's 100,000 paths exceed a command line.
"$winnow" decide "${options[@]}" "${state[@]}" -o "$out/decisions" "$out/facts"
if [ -n "$index" ]; then
  [ -e "$work/index.names" ] && mv "$work/index.names" "$out/state/index.names"
  mv "$work/index" "$out/state/index"
  rm -rf "$work"
fi

# apply: each shard with its decisions; output renamed into place when whole.
reject_opt=""
[ $rejects -eq 1 ] && reject_opt="--rejects $(q1 "$out")/rejects/\$p$rejects_ext"
printf '%s\n' "${shards[@]}" | "${par[@]}" \
  "p=\$(printf 'part-%05d-of-%05d' {#} $n); t=$(q1 "$out")/output/\$p$ext.tmp-\$\$; \
   $(q1 "$winnow") apply $opts $apply_str --decisions $(q1 "$out")/decisions/\$p.decisions $reject_opt {} > \"\$t\" \
   && mv \"\$t\" $(q1 "$out")/output/\$p$ext"
# What failed attempts left behind: this script's output temporaries, and
# the FILE.XXXXXX.tmp of a winnow killed while it wrote its rejects or facts.
rm -f "$out"/output/*.tmp-* "$out"/rejects/*.??????.tmp "$out"/facts/*.??????.tmp
