#!/usr/bin/env python3
"""Scores winnow on the development set in ../shared/eval (not shipped).

Runs build/winnow on every page's text (one process per page, in parallel),
writes {"id", "text"} JSONL and runs the set's scorer on it.

    python3 tools/eval_dev.py [--out OUT.jsonl] [-- WINNOW OPTIONS...]
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval-dir", default=os.path.join(ROOT, "..", "shared", "eval"))
    ap.add_argument("--winnow", default=os.path.join(ROOT, "build", "winnow"))
    ap.add_argument("--out", default="/tmp/winnow-dev-out.jsonl")
    ap.add_argument("--per-doc")
    ap.add_argument("--identity", action="store_true", help="score the input as is")
    ap.add_argument("winnow_args", nargs="*")
    args = ap.parse_args()

    data = os.path.join(args.eval_dir, "wcxb-dev")
    pages = [json.loads(l) for l in open(os.path.join(data, "input.jsonl"), encoding="utf-8")]

    def run(page):
        if args.identity:
            return page["id"], page["text"]
        p = subprocess.run([args.winnow, *args.winnow_args], input=page["text"].encode("utf-8"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        if p.returncode != 0:
            sys.exit(f"winnow failed on page {page['id']}: {p.stderr.decode()}")
        return page["id"], p.stdout.decode("utf-8", "replace")

    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(run, pages))
    with open(args.out, "w", encoding="utf-8") as f:
        for pid, text in results:
            f.write(json.dumps({"id": pid, "text": text}, ensure_ascii=False) + "\n")
    cmd = [sys.executable, os.path.join(args.eval_dir, "score.py"), "--gold", os.path.join(data, "gold.jsonl"),
           "--input", os.path.join(data, "input.jsonl"), "--output", args.out]
    if args.per_doc:
        cmd += ["--per-doc", args.per_doc]
    subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
