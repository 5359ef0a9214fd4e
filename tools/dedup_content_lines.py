#!/usr/bin/env python3
"""Counts the lines paragraph deduplication removes from the labelled pages.

    python3 tools/dedup_content_lines.py [--winnow build/winnow] [--eval-dir DIR] [-- WINNOW OPTIONS...]

For every page of every labelled set in ../shared/eval (read in place; the
pages are written to a temporary directory for the run and removed), winnow
cleans the page with --explain and the given options, and each line that a
deduplication decision dropped (near-duplicate, restates, restated) is
looked up in the set's gold with the sets' own line labels (score.py's
label_lines: a line is content when most of its tokens align with the
gold). It prints, per set, the lines deduplication removed, how many of
them are content, and the decisions by reason.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DROP = re.compile(r"^(.*):(\d+): (near-duplicate|restates|restated)(?: of)? line \d+ "
                  r"\((?:jaccard|containment) [0-9.]+\)(?: \[(\d+) lines\])?: ")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", default=os.path.join(ROOT, "..", "shared", "eval"))
    ap.add_argument("--winnow", default=os.path.join(ROOT, "build", "winnow"))
    ap.add_argument("options", nargs="*", help="winnow options")
    args = ap.parse_args()
    sys.path.insert(0, args.eval_dir)
    import score  # the sets' own scorer: its line labels

    sets = sorted(d for d in os.listdir(args.eval_dir)
                  if os.path.exists(os.path.join(args.eval_dir, d, "gold.jsonl")))
    print("| set | pages | lines | removed by dedup | of them content | reasons |")
    print("|---|---|---|---|---|---|")
    totals = collections.Counter()
    for name in sets:
        gold = {}
        for line in open(os.path.join(args.eval_dir, name, "gold.jsonl"), encoding="utf-8"):
            g = json.loads(line)
            gold[g["id"]] = g.get("text") or ""
        pages = [json.loads(l) for l in open(os.path.join(args.eval_dir, name, "input.jsonl"), encoding="utf-8")]
        drops = collections.defaultdict(list)  # page index -> (first line, lines, reason)
        with tempfile.TemporaryDirectory() as tmp:
            files = []
            for i, page in enumerate(pages):
                path = os.path.join(tmp, "%d.txt" % i)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(page.get("text") or "")
                files.append(path)
            for start in range(0, len(files), 500):
                p = subprocess.run([args.winnow, "--explain", *args.options, "--", *files[start:start + 500]],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
                for line in p.stderr.decode("utf-8", "replace").split("\n"):
                    m = DROP.match(line)
                    if m:
                        page = int(os.path.basename(m.group(1))[:-4])
                        drops[page].append((int(m.group(2)), int(m.group(4) or 1), m.group(3)))
        c = collections.Counter()
        reasons = collections.Counter()
        for i, page in enumerate(pages):
            raw = (page.get("text") or "").split("\n")
            index, lines = {}, []
            for number, l in enumerate(raw, 1):
                n = score.norm_line(l)
                if n:
                    index[number] = len(lines)
                    lines.append(n)
            labels = score.label_lines(lines, gold.get(page["id"], "")) if drops.get(i) else []
            for first, count, reason in drops.get(i, ()):
                reasons[reason] += count
                for number in range(first, first + count):
                    j = index.get(number)
                    if j is None or labels[j][0] == 0:
                        continue
                    c["removed"] += 1
                    c["removed_content"] += labels[j][1]
            c["lines"] += len(lines)
        totals.update(c)
        totals["pages"] += len(pages)
        print(f"| {name} | {len(pages)} | {c['lines']} | {c['removed']} | {c['removed_content']} | "
              f"{', '.join(f'{r} {n}' for r, n in sorted(reasons.items()))} |", flush=True)
    print(f"| all | {totals['pages']} | {totals['lines']} | {totals['removed']} | {totals['removed_content']} | |")


if __name__ == "__main__":
    main()
