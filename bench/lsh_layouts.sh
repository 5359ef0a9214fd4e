#!/usr/bin/env bash
# bench/lsh_layouts.sh [THRESHOLD] [PAIRS_PER_BIN] [JSONL...]: the document
# index's layouts (MinHash permutations, sketch bits, LSH bands x rows)
# measured on pairs of known exact Jaccard similarity made from real text.
#
# The text is the "text" field of each JSONL line given (default: the gold
# main content of the labelled pages in ../shared/eval, read in place, never
# copied). bench/lsh_layouts.cpp makes the pairs and prints the table that
# README's "Choosing the index layout" shows. About a minute on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
threshold=${1:-0.8}
per_bin=${2:-2000}
shift $(( $# > 2 ? 2 : $# ))
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  for f in ../shared/eval/*/gold.jsonl; do [ -e "$f" ] && files+=("$f"); done
fi
[ ${#files[@]} -gt 0 ] || { echo "lsh_layouts: no JSONL text given and none in ../shared/eval" >&2; exit 2; }
cmake --build build --target lsh_layouts -j2 > /dev/null
python3 -c '
import json, sys
for path in sys.argv[1:]:
    for line in open(path, encoding="utf-8"):
        text = json.loads(line).get("text") or ""
        sys.stdout.write(text.replace("\0", " ") + "\0")
' "${files[@]}" | build/lsh_layouts "$threshold" "$per_bin"
