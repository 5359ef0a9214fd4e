#!/usr/bin/env python3
"""gen_stream.py MODE MB BIG_MB BIG_COUNT: a deterministic JSONL stream for
the memory-limit test of tests/hostile/hostile_test.sh, written to stdout.

About MB megabytes of ordinary documents of 8 to 20 paragraphs (distinct
body sentences from a fixed vocabulary, each document its own), every
tenth one an exact copy of an earlier one, and BIG_COUNT records of BIG_MB megabytes each spread
through the stream.

MODE input:    the stream as winnow reads it.
MODE expected: what winnow must write back: the same without the copies
               (near-duplicate documents); every other record unchanged.
"""
import json
import random
import sys

WORDS = ("council river budget school library bridge market harbour weather "
         "railway museum farmers police garden health housing orchard theatre "
         "ferry tunnel festival clinic parish quarry valley county engineers "
         "timber granite meadow canal lantern mill chapel ward estate").split()


def main():
    mode, mb, big_mb, big_count = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(5)
    out = sys.stdout.buffer
    target = int(mb * 1e6)
    written = 0
    docs = []
    big_every = target // (big_count + 1) if big_count else 0
    next_big = big_every
    bigs = 0
    n = 0
    while written < target:
        n += 1
        if n % 10 == 0:
            line = docs[rng.randrange(len(docs))]
            if mode == "input":
                out.write(line)
            written += len(line)
            continue
        paragraphs = []
        for _ in range(rng.randint(8, 20)):
            sentences = []
            for _ in range(rng.randint(1, 3)):
                words = rng.choices(WORDS, k=rng.randint(9, 18))
                sentences.append("The " + " ".join(words) + " " + str(n) + ".")
            paragraphs.append(" ".join(sentences))
        record = {"id": n, "text": "\n\n".join(paragraphs) + "\n"}
        line = (json.dumps(record) + "\n").encode()
        docs.append(line)
        out.write(line)
        written += len(line)
        if bigs < big_count and written >= next_big:
            next_big += big_every
            bigs += 1
            out.write(b'{"id":"big","text":"')
            block = b"x" * (1 << 20)
            for _ in range(big_mb):
                out.write(block)
            out.write(b'"}\n')


if __name__ == "__main__":
    main()
