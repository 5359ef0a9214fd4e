#!/usr/bin/env bash
# bench/throughput.sh [MB]: winnow's end-to-end throughput against `cat`.
#
# Makes a deterministic input of about MB megabytes (default 1024) from
# corpus/ material (bench/make_stream.py: seeded selections and variations,
# 20% near-duplicate documents): once as a JSONL stream, once as text files
# of about 1 MB (documents separated by blank lines, one text-mode document
# per file). Then, on the same machine in one run, it times:
#   cat | cat           the limit of any stdin/stdout filter
#   xxhsum              the hashing limit (XXH3, the hash winnow uses)
#   winnow text         default rules + paragraph dedup, files as documents
#   winnow jsonl        rules, paragraph dedup, repeated lines and
#                       cross-document dedup, read from a pipe
# each with one thread and with all cores, and prints MB/s, documents/s,
# peak RSS and the fraction of cat's MB/s. The outputs of one thread and
# all cores must be identical (checked). Then peak RSS of the per-document
# work (text mode) on a 10 MB input against the full input, and the
# cross-document index's bytes per document. Last, the same runs on real
# web pages with CPU time per stage (bench/real_text.sh), when the labelled
# page sets are there (../shared/eval, or $WINNOW_EVAL).
#
# Needs python3, GNU time (/usr/bin/time) and xxhsum; missing Debian
# packages (time, xxhash) are installed, as tools/quickstart.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-1024}
winnow=${WINNOW:-build/winnow}
[ -x "$winnow" ] || { echo "throughput: $winnow not built (tools/quickstart.sh build)" >&2; exit 2; }

missing=()
[ -x /usr/bin/time ] || missing+=(time)
command -v xxhsum >/dev/null || missing+=(xxhash)
if [ ${#missing[@]} -gt 0 ]; then
  echo "throughput: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/winnow-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cores=$(nproc)
echo "making $mb MB of input (bench/make_stream.py) in $tmp ..." >&2
jsonl_docs=$(python3 bench/make_stream.py --mb "$mb" --format jsonl 2>&1 >"$tmp/in.jsonl" | awk '{print $1}')
text_docs=$(python3 bench/make_stream.py --mb "$mb" --format text --dir "$tmp/pages" --file-mb 1 2>&1 | awk '{print $1}')
jsonl_bytes=$(wc -c < "$tmp/in.jsonl")
text_bytes=$(cat "$tmp/pages"/*.txt | wc -c)
text_files=$(ls "$tmp/pages" | wc -l)
python3 bench/make_stream.py --mb 10 --format text --dir "$tmp/small" --file-mb 1 2>/dev/null

cat_mbs=""
# run LABEL BYTES DOCS OUT COMMAND: times `sh -c COMMAND > OUT`, prints a row.
run() {
  local label=$1 bytes=$2 docs=$3 out=$4 command=$5
  /usr/bin/time -f "%e %M" -o "$tmp/time" sh -c "$command" > "$out" 2> "$tmp/stderr" ||
    { echo "throughput: failed: $command" >&2; cat "$tmp/stderr" >&2; exit 1; }
  read -r seconds rss_kb < "$tmp/time"
  awk -v l="$label" -v b="$bytes" -v d="$docs" -v t="$seconds" -v r="$rss_kb" -v c="$cat_mbs" 'BEGIN {
    if (t <= 0) t = 0.005
    mbs = b / 1e6 / t
    frac = c == "" ? "1" : sprintf("%.3f", mbs / c)
    printf "| %-34s | %8.2f | %9.1f | %10.0f | %8.1f | %8s |\n", l, t, mbs, d / t, r / 1024, frac }'
  if [ -z "$cat_mbs" ]; then cat_mbs=$(awk -v b="$bytes" -v t="$seconds" 'BEGIN { if (t <= 0) t = 0.005; print b / 1e6 / t }'); fi
}

echo
echo "input: JSONL $((jsonl_bytes / 1000000)) MB, $jsonl_docs documents; text $((text_bytes / 1000000)) MB in $text_files files, $text_docs documents"
echo "machine: $cores cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
echo
echo "| run                                | seconds  | MB/s      | docs/s     | RSS MB   | of cat   |"
echo "|------------------------------------|----------|-----------|------------|----------|----------|"
run "cat in.jsonl \| cat" "$jsonl_bytes" "$jsonl_docs" /dev/null "cat '$tmp/in.jsonl' | cat"
run "xxhsum -H3 in.jsonl" "$jsonl_bytes" "$jsonl_docs" /dev/null "xxhsum -H3 '$tmp/in.jsonl'"
run "winnow text -j1 (files)" "$text_bytes" "$text_docs" "$tmp/text.1" "'$winnow' -j1 '$tmp'/pages/*.txt"
run "winnow text -j$cores (files)" "$text_bytes" "$text_docs" "$tmp/text.n" "'$winnow' -j$cores '$tmp'/pages/*.txt"
run "winnow --format jsonl -j1" "$jsonl_bytes" "$jsonl_docs" "$tmp/jsonl.1" \
    "cat '$tmp/in.jsonl' | '$winnow' --format jsonl -j1 --stats-json '$tmp/stats.json'"
run "winnow --format jsonl -j$cores" "$jsonl_bytes" "$jsonl_docs" "$tmp/jsonl.n" \
    "cat '$tmp/in.jsonl' | '$winnow' --format jsonl -j$cores"
cmp -s "$tmp/text.1" "$tmp/text.n" || { echo "throughput: text outputs of -j1 and -j$cores differ" >&2; exit 1; }
cmp -s "$tmp/jsonl.1" "$tmp/jsonl.n" || { echo "throughput: JSONL outputs of -j1 and -j$cores differ" >&2; exit 1; }
echo
echo "(-j1 and -j$cores outputs identical, text and JSONL)"

# Per-document work must not grow with the input: text mode, 10 MB vs all.
/usr/bin/time -f "%M" -o "$tmp/time" "$winnow" -j"$cores" "$tmp"/small/*.txt > /dev/null
small_kb=$(cat "$tmp/time")
/usr/bin/time -f "%M" -o "$tmp/time" "$winnow" -j"$cores" "$tmp"/pages/*.txt > /dev/null
large_kb=$(cat "$tmp/time")
echo "peak RSS, text -j$cores: 10 MB input $((small_kb / 1024)) MB, $((text_bytes / 1000000)) MB input $((large_kb / 1024)) MB (difference $(((large_kb - small_kb) / 1024)) MB)"
python3 - "$tmp/stats.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
idx = s.get("index", {})
print("cross-document index (JSONL -j1):", ", ".join("%s %s" % (k, v) for k, v in sorted(idx.items())))
EOF

eval_dir=${WINNOW_EVAL:-../shared/eval}
if compgen -G "$eval_dir/*/input.jsonl" >/dev/null; then
  echo
  WINNOW="$winnow" bash bench/real_text.sh "$eval_dir"
else
  echo
  echo "(no real pages at $eval_dir: bench/real_text.sh skipped)"
fi
