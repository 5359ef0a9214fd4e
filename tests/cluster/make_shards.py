#!/usr/bin/env python3
"""Writes a JSONL stream with planted duplicates, whole and cut into shards.

    python3 tests/cluster/make_shards.py OUT_DIR SHARDS [DOCUMENTS]

OUT_DIR/all.jsonl holds DOCUMENTS records (default 400); OUT_DIR/shard-NNN.jsonl
(NNN from 000) are its records in order, cut into SHARDS contiguous pieces
of nearly equal size (a shard may be empty), so that their concatenation
is all.jsonl byte for byte. The stream has what every order-dependent
decision of winnow needs to be exercised across shard boundaries:
  - exact copies and near-duplicates (a few words changed, other
    boilerplate around them) of documents that may sit in earlier shards;
  - sites whose pages share a template (a menu and a footer line on every
    page): repeated lines, learnt from pages in earlier shards;
  - short posts (decided on exact Jaccard), some repeated;
  - pages of boilerplate only (dropped as empty), records without the text
    field (passed through), ids that are strings or numbers.
Only the Python standard library is used; the output depends only on the
arguments.
"""
import json
import os
import random
import sys

WORDS = ("council budget library river school market harbour bridge festival garden station "
         "museum hospital railway theatre orchard valley meadow quarry bakery ferry lantern "
         "archive tower canal cottage parish mill forest beacon chapel").split()


def sentence(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def article(rng, tag):
    paras = []
    for _ in range(rng.randrange(3, 9)):
        paras.append(" ".join(sentence(rng, rng.randrange(8, 20)) for _ in range(rng.randrange(2, 5))))
    paras[0] = "Report %d: " % tag + paras[0]
    return paras


def main():
    out_dir, shards = sys.argv[1], int(sys.argv[2])
    documents = int(sys.argv[3]) if len(sys.argv) > 3 else 400
    rng = random.Random(12)
    os.makedirs(out_dir, exist_ok=True)
    sites = ["https://www.site%d.example" % i for i in range(7)]
    menus = {s: "News | Sport | Weather | Contact %s" % s[-9:] for s in sites}
    footers = {s: "Copyright the %s newsroom, all rights reserved" % s[12:] for s in sites}
    kept = []  # earlier articles, to copy
    records = []
    for n in range(documents):
        site = rng.choice(sites)
        url = "%s/page/%d" % (site, n)
        roll = rng.random()
        if kept and roll < 0.15:  # an exact copy, on the same site
            site, paras = rng.choice(kept)
            url = "%s/page/%d" % (site, n)
        elif kept and roll < 0.30:  # a near-duplicate on any site: a few words changed
            paras = list(rng.choice(kept)[1])
            words = paras[-1].split(" ")
            for _ in range(2):
                words[rng.randrange(len(words))] = rng.choice(WORDS)
            paras[-1] = " ".join(words)
        elif roll < 0.38:  # a short post, some repeated
            paras = ["Short note %d about the %s." % (rng.randrange(12), rng.choice(WORDS))]
        elif roll < 0.42:  # boilerplate only
            paras = ["Share this", "Follow us on Facebook", "Cookie settings"]
        else:
            paras = article(rng, n)
            kept.append((site, paras))
        text = "\n".join([menus[site], ""] + [p + "\n" for p in paras] + [footers[site]])
        if roll > 0.985:
            record = {"id": n, "url": url, "title": "no text field"}
        else:
            record = {"id": "doc-%d" % n if n % 3 else n, "url": url, "text": text}
        records.append(json.dumps(record, ensure_ascii=False) + "\n")
    with open(os.path.join(out_dir, "all.jsonl"), "w", encoding="utf-8") as f:
        f.write("".join(records))
    per = len(records) / shards
    for s in range(shards):
        part = records[round(s * per):round((s + 1) * per)]
        with open(os.path.join(out_dir, "shard-%03d.jsonl" % s), "w", encoding="utf-8") as f:
            f.write("".join(part))


if __name__ == "__main__":
    main()
