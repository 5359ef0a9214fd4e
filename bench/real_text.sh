#!/usr/bin/env bash
# bench/real_text.sh [EVAL_DIR]: winnow's throughput per core on real web
# pages, with the time of each stage from winnow's own counters.
#
# The pages are the labelled sets of EVAL_DIR (default ../shared/eval beside
# the checkout, or $WINNOW_EVAL): every */input.jsonl, concatenated in name
# order into one JSONL stream, and each page's text also written to a file
# of its own for text mode. In one run on this machine it times:
#   cat | cat               the limit of any stdin/stdout filter
#   xxhsum -H3              the hashing limit
#   winnow text             default rules + paragraph dedup, one file per page
#   winnow --format jsonl   every stage: rules, paragraph dedup, repeated
#                           lines, document dedup
#   winnow ... --no-rules   the same without line rules and model
# each with -j1 and -jN (N = all cores), prints MB/s per core (input bytes /
# CPU seconds, user + system) next to MB/s of wall time, checks that -j1
# and -jN give byte-identical output, then a table of CPU seconds per stage
# (winnow's --stats-json "stage_seconds": each thread's CPU time) for the
# -j1 runs.
#
# Needs python3, GNU time (/usr/bin/time) and xxhsum (tools/quickstart.sh and
# bench/throughput.sh install the last two).
set -euo pipefail
cd "$(dirname "$0")/.."
winnow=${WINNOW:-build/winnow}
eval_dir=${1:-${WINNOW_EVAL:-../shared/eval}}
[ -x "$winnow" ] || { echo "real_text: $winnow not built (tools/quickstart.sh build)" >&2; exit 2; }
compgen -G "$eval_dir/*/input.jsonl" >/dev/null ||
  { echo "real_text: no $eval_dir/*/input.jsonl (give the folder of the labelled page sets)" >&2; exit 2; }
for tool in /usr/bin/time xxhsum; do
  command -v "$tool" >/dev/null || { echo "real_text: needs $tool (bench/throughput.sh installs it)" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/winnow-real.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cores=$(nproc)
sets=$(ls -d "$eval_dir"/*/ | xargs -n1 basename | tr '\n' ' ')
cat "$eval_dir"/*/input.jsonl > "$tmp/pages.jsonl"
python3 - "$tmp/pages.jsonl" "$tmp/pages" <<'EOF'
import json, os, sys
os.makedirs(sys.argv[2])
with open(sys.argv[1], encoding="utf-8", errors="surrogateescape") as f:
    for n, line in enumerate(f, 1):
        text = json.loads(line)["text"]
        with open(os.path.join(sys.argv[2], "%06d.txt" % n), "wb") as out:
            out.write(text.encode("utf-8", "surrogatepass"))
EOF
jsonl_bytes=$(wc -c < "$tmp/pages.jsonl")
pages=$(wc -l < "$tmp/pages.jsonl")
text_bytes=$(cat "$tmp/pages"/*.txt | wc -c)

echo "real pages: $pages pages of $sets"
echo "input: JSONL $((jsonl_bytes / 1000000)) MB; text $((text_bytes / 1000000)) MB in $pages files"
echo "machine: $cores cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
echo
echo "| run                                      | wall s  | CPU s   | MB/s per core | MB/s wall | RSS MB  |"
echo "|------------------------------------------|---------|---------|---------------|-----------|---------|"
# run LABEL BYTES OUT COMMAND: times `sh -c COMMAND > OUT`, prints a row,
# leaves the CPU seconds in $cpu.
cpu=0
run() {
  local label=$1 bytes=$2 out=$3 command=$4
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" sh -c "$command" > "$out" 2> "$tmp/stderr" ||
    { echo "real_text: failed: $command" >&2; cat "$tmp/stderr" >&2; exit 1; }
  read -r wall user sys rss_kb < "$tmp/time"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { c = u + s; if (c <= 0) c = 0.005; print c }')
  awk -v l="$label" -v b="$bytes" -v w="$wall" -v c="$cpu" -v r="$rss_kb" 'BEGIN {
    if (w <= 0) w = 0.005
    printf "| %-40s | %7.2f | %7.2f | %13.1f | %9.1f | %7.1f |\n", l, w, c, b / 1e6 / c, b / 1e6 / w, r / 1024 }'
}
w="'$winnow'"
run "cat pages.jsonl | cat" "$jsonl_bytes" /dev/null "cat '$tmp/pages.jsonl' | cat"
run "xxhsum -H3 pages.jsonl" "$jsonl_bytes" /dev/null "xxhsum -H3 '$tmp/pages.jsonl'"
run "winnow text -j1 (one file a page)" "$text_bytes" "$tmp/text.1" \
    "$w -j1 --stats-json '$tmp/text.json' '$tmp'/pages/*.txt"
text_cpu=$cpu
run "winnow text -j$cores" "$text_bytes" "$tmp/text.n" "$w -j$cores '$tmp'/pages/*.txt"
run "winnow --format jsonl -j1 (all stages)" "$jsonl_bytes" "$tmp/jsonl.1" \
    "$w --format jsonl -j1 --stats-json '$tmp/jsonl.json' '$tmp/pages.jsonl'"
jsonl_cpu=$cpu
run "winnow --format jsonl -j$cores" "$jsonl_bytes" "$tmp/jsonl.n" "$w --format jsonl -j$cores '$tmp/pages.jsonl'"
run "winnow --format jsonl -j1 --no-rules" "$jsonl_bytes" /dev/null "$w --format jsonl -j1 --no-rules '$tmp/pages.jsonl'"
cmp -s "$tmp/text.1" "$tmp/text.n" || { echo "real_text: text outputs of -j1 and -j$cores differ" >&2; exit 1; }
cmp -s "$tmp/jsonl.1" "$tmp/jsonl.n" || { echo "real_text: JSONL outputs of -j1 and -j$cores differ" >&2; exit 1; }
echo
echo "(-j1 and -j$cores outputs identical, text and JSONL; MB/s per core = input MB / CPU seconds)"
echo
echo "CPU seconds by stage, -j1 (winnow's --stats-json stage_seconds; 'other' is the run's CPU time"
echo "that no stage counts: start-up, compiling the rule automaton, text mode's reading and writing):"
echo
python3 - "$tmp/text.json" "$text_cpu" "$text_bytes" "$tmp/jsonl.json" "$jsonl_cpu" "$jsonl_bytes" <<'EOF'
import json, sys
cols = []
for path, cpu, size in (sys.argv[1:4], sys.argv[4:7]):
    stats = json.load(open(path))
    if "stage_seconds" not in stats:
        sys.exit("(this winnow has no stage counters)")
    cols.append((stats["stage_seconds"], float(cpu), int(size)))
stages = list(cols[0][0])
print("| stage | text CPU s | text share | text MB/s | JSONL CPU s | JSONL share | JSONL MB/s |")
print("|---|---|---|---|---|---|---|")
def cells(sec, cpu, size):
    return ["%.2f" % sec, "%.1f%%" % (100 * sec / cpu), "%.0f" % (size / 1e6 / sec) if sec >= 0.01 else "-"]
for s in stages + ["other"]:
    row = [s]
    for seconds, cpu, size in cols:
        sec = seconds[s] if s != "other" else max(0.0, cpu - sum(seconds.values()))
        row += cells(sec, cpu, size)
    print("| " + " | ".join(row) + " |")
EOF
