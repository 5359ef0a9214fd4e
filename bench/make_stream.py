#!/usr/bin/env python3
"""Writes a deterministic stream of realistic documents for winnow benchmarks.

    python3 bench/make_stream.py --mb 200 --format jsonl > stream.jsonl
    python3 bench/make_stream.py --mb 200 --format text --dir pages/ --file-mb 1

Documents are built from the paragraphs of corpus/*.txt: each document takes
a seeded selection of paragraphs from several corpus pages (so boilerplate,
captions and body text all occur), renumbers some words so documents differ,
and a known share of documents (--dup-share) are copies of an earlier one,
half of them with their first and last lines changed (other boilerplate).
With --dir, text goes to files of about --file-mb megabytes each (documents
separated by a blank line), one text-mode document per file. The number of
documents and bytes written is printed on stderr. Only the Python standard
library is used.
"""
import argparse
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(os.path.dirname(HERE), "corpus")


def paragraphs():
    out = []
    for name in sorted(os.listdir(CORPUS)):
        if not name.endswith(".txt"):
            continue
        with open(os.path.join(CORPUS, name), encoding="utf-8", errors="replace") as f:
            text = f.read().replace("\r\n", "\n")
        out.extend(p for p in text.split("\n\n") if p.strip())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=100.0, help="approximate output size in MB")
    ap.add_argument("--format", choices=["jsonl", "nul", "text"], default="jsonl")
    ap.add_argument("--dup-share", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dir", help="text: write files of about --file-mb MB into DIR")
    ap.add_argument("--file-mb", type=float, default=1.0)
    args = ap.parse_args()
    if args.dir and args.format != "text":
        ap.error("--dir needs --format text")
    rng = random.Random(args.seed)
    paras = paragraphs()
    target = int(args.mb * 1e6)
    written = 0
    docs = []
    out = sys.stdout.buffer
    files = 0
    in_file = 0
    if args.dir:
        os.makedirs(args.dir, exist_ok=True)
        out = None
    n = 0
    while written < target:
        n += 1
        if docs and rng.random() < args.dup_share:
            text = rng.choice(docs)
            if rng.random() < 0.5:
                lines = text.split("\n")
                lines[0] = "Home | News | Sport | Weather %d" % rng.randrange(1000)
                lines[-1] = "Copyright %d Example Media. All rights reserved." % rng.randrange(1990, 2030)
                text = "\n".join(lines)
        else:
            k = rng.randrange(6, 24)
            chosen = [rng.choice(paras) for _ in range(k)]
            # Distinct documents: numbers in the text change per document.
            tag = str(n)
            text = "\n\n".join(p.replace("2025", tag).replace("three", "three-" + tag) for p in chosen)
            if len(docs) < 5000:
                docs.append(text)
            else:
                docs[rng.randrange(len(docs))] = text
        if args.format == "jsonl":
            rec = json.dumps({"id": "doc-%d" % n, "url": "https://site%d.example/p/%d" % (n % 97, n),
                              "text": text}, ensure_ascii=False) + "\n"
        elif args.format == "nul":
            rec = text + "\0"
        else:
            rec = text + "\n\n"
        data = rec.encode("utf-8")
        if args.dir and (out is None or in_file >= args.file_mb * 1e6):
            if out is not None:
                out.close()
            out = open(os.path.join(args.dir, "%06d.txt" % files), "wb")
            files += 1
            in_file = 0
        out.write(data)
        in_file += len(data)
        written += len(data)
    if args.dir and out is not None:
        out.close()
    sys.stderr.write("%d documents, %d bytes%s\n" % (n, written, ", %d files" % files if args.dir else ""))


if __name__ == "__main__":
    main()
