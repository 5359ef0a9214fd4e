#!/usr/bin/env bash
# bench/stream_bench.sh [MB]: throughput of winnow on a JSONL stream with
# cross-document deduplication on, one thread and all cores.
#
# Makes a deterministic JSONL stream of about MB megabytes (default 200)
# from corpus/ material (bench/make_stream.py), then times `cat` through a
# pipe, and winnow with -j1 and -jN, printing MB/s and documents/s. The
# outputs of -j1 and -jN must be identical (checked).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-200}
winnow=${WINNOW:-build/winnow}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 bench/make_stream.py --mb "$mb" --format jsonl > "$tmp/in.jsonl"
bytes=$(wc -c < "$tmp/in.jsonl")
docs=$(wc -l < "$tmp/in.jsonl")
cores=$(nproc)

# time_run LABEL COMMAND...: runs COMMAND < input > output, prints a row.
time_run() {
  local label=$1
  shift
  local start end
  start=$(date +%s.%N)
  "$@" < "$tmp/in.jsonl" > "$tmp/out.$label"
  end=$(date +%s.%N)
  awk -v l="$label" -v b="$bytes" -v d="$docs" -v s="$start" -v e="$end" 'BEGIN {
    t = e - s; printf "| %-22s | %8.2f | %10.1f | %12.0f |\n", l, t, b / 1e6 / t, d / t }'
}

echo "input: $((bytes / 1000000)) MB, $docs JSONL documents; machine: $cores cores, $(uname -m)"
echo "| run                    | seconds  | MB/s       | documents/s  |"
echo "|------------------------|----------|------------|--------------|"
time_run "cat" cat
time_run "winnow -j1" "$winnow" --format jsonl -j1 --stats-json "$tmp/stats1.json"
time_run "winnow -j$cores" "$winnow" --format jsonl -j"$cores"
cmp -s "$tmp/out.winnow -j1" "$tmp/out.winnow -j$cores" || { echo "outputs of -j1 and -j$cores differ" >&2; exit 1; }
echo "(-j1 and -j$cores outputs identical; winnow -j1 stats: $(cat "$tmp/stats1.json"))"
