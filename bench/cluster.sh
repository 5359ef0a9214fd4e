#!/usr/bin/env bash
# bench/cluster.sh [MB] [SHARDS...]: the stages of a cluster run on this machine.
#
# Makes a deterministic JSONL stream of about MB megabytes (default 64;
# bench/make_stream.py: corpus material, 20% near-duplicates, 97 sites), or
# takes the JSONL file INPUT=FILE (MB is then ignored: real pages, e.g. the
# labelled sets of ../shared/eval concatenated), times one `winnow --format jsonl` over it, then for each SHARDS (default
# 4 16) and each number of workers W (1, then every core) runs winnow sign
# on every shard (W at a time, -j1 each; WORKERS="1 2" sets the W to try), winnow decide once, winnow apply
# on every shard (W at a time), and prints per stage:
#   wall seconds, MB/s of input, the sum of the tasks' CPU seconds, MB/s
#   per CPU second, the largest peak RSS of one task (GNU time's %M), and
#   the bytes the stage wrote per document and per MB of input (facts,
#   decisions: what crosses between machines; apply: the output).
# Every run's output, concatenated, must equal the single run's (checked).
# These are the numbers of README's plan for 100 TB.
#
# Needs GNU time (/usr/bin/time, Debian package time) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-64}
shift || true
shard_counts=("$@")
[ ${#shard_counts[@]} -gt 0 ] || shard_counts=(4 16)
winnow=$(realpath "${WINNOW:-build/winnow}")
[ -x "$winnow" ] || { echo "cluster: $winnow not built" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "cluster: needs GNU time (apt-get install time)" >&2; exit 2; }
cores=$(nproc)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/winnow-cluster.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ -n "${INPUT:-}" ]; then
  cp "$INPUT" "$tmp/all.jsonl"
else
  python3 bench/make_stream.py --mb "$mb" --format jsonl >"$tmp/all.jsonl"
fi
bytes=$(stat -c %s "$tmp/all.jsonl")
docs=$(wc -l <"$tmp/all.jsonl")

# timed LOG CMD...: runs CMD under GNU time, appending "seconds cpu_seconds max_rss_kb" to LOG.
timed() {
  local log=$1
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$log.one" "$@"
  awk '{print $1, $2 + $3, $4}' "$log.one" >>"$log"
}
export -f timed

: >"$tmp/single.log"
start=$(date +%s.%N)
timed "$tmp/single.log" "$winnow" --format jsonl -j 1 "$tmp/all.jsonl" >"$tmp/single.out"
read -r s_wall s_cpu s_rss <"$tmp/single.log"
printf 'input: %.1f MB, %d documents\n' "$(echo "$bytes / 1000000" | bc -l)" "$docs"
printf '%-28s %8s %8s %9s %9s %10s %10s %10s\n' "run" "wall s" "MB/s" "cpu s" "MB/cpu s" "peak MB" "bytes/doc" "bytes/MB"
printf '%-28s %8.2f %8.1f %9.2f %9.2f %10.1f %10s %10s\n' "single process -j1" "$s_wall" \
  "$(echo "$bytes / 1000000 / $s_wall" | bc -l)" "$s_cpu" "$(echo "$bytes / 1000000 / $s_cpu" | bc -l)" \
  "$(echo "$s_rss / 1024" | bc -l)" "-" "-"

for shards in "${shard_counts[@]}"; do
  rm -f "$tmp"/shard.*
  split -n "l/$shards" -d -a 4 "$tmp/all.jsonl" "$tmp/shard."
  for workers in ${WORKERS:-1 $cores}; do
    run=$tmp/run
    rm -rf "$run"
    mkdir -p "$run/dec" "$run/out"
    : >"$run/sign.log"
    : >"$run/decide.log"
    : >"$run/apply.log"
    t0=$(date +%s.%N)
    i=0
    for f in "$tmp"/shard.*; do
      i=$((i + 1))
      printf '%d %s\n' "$i" "$f"
    done | xargs -P "$workers" -n 2 bash -c \
      'timed "$0/sign.log" "$1" sign --format jsonl -j 1 --part "$3/$2" -o "$0/sign.facts.$(printf %05d "$3")" "$4"' \
      "$run" "$winnow" "$shards"
    t1=$(date +%s.%N)
    timed "$run/decide.log" "$winnow" decide --format jsonl -o "$run/dec" "$run"/sign.facts.*
    t2=$(date +%s.%N)
    i=0
    for f in "$tmp"/shard.*; do
      i=$((i + 1))
      printf '%d %s\n' "$i" "$f"
    done | xargs -P "$workers" -n 2 bash -c \
      'p=$(printf "part-%05d-of-%05d" "$3" "$2"); timed "$0/apply.log" "$1" apply --format jsonl -j 1 --decisions "$0/dec/$p.decisions" "$4" > "$0/out/$p"' \
      "$run" "$winnow" "$shards"
    t3=$(date +%s.%N)
    cat "$run"/out/part-* | cmp -s - "$tmp/single.out" || { echo "cluster: $shards shards, $workers workers: output differs from one run" >&2; exit 1; }
    facts=$(cat "$run"/sign.facts.* | wc -c)
    decisions=$(cat "$run"/dec/*.decisions | wc -c)
    output=$(cat "$run"/out/part-* | wc -c)
    for stage in sign decide apply; do
      case $stage in
        sign) wall=$(echo "$t1 - $t0" | bc -l); written=$facts ;;
        decide) wall=$(echo "$t2 - $t1" | bc -l); written=$decisions ;;
        apply) wall=$(echo "$t3 - $t2" | bc -l); written=$output ;;
      esac
      cpu=$(awk '{s += $2} END {print s}' "$run/$stage.log")
      rss=$(awk '$3 > m {m = $3} END {print m}' "$run/$stage.log")
      printf '%-28s %8.2f %8.1f %9.2f %9.2f %10.1f %10.1f %10.0f\n' "$shards shards, $workers workers: $stage" "$wall" \
        "$(echo "$bytes / 1000000 / $wall" | bc -l)" "$cpu" "$(echo "$bytes / 1000000 / $cpu" | bc -l)" \
        "$(echo "$rss / 1024" | bc -l)" "$(echo "$written / $docs" | bc -l)" "$(echo "$written * 1000000 / $bytes" | bc -l)"
    done
  done
done
