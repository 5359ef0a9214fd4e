#!/usr/bin/env python3
"""Scores winnow's document deduplication against exact Jaccard truth.

    tools/dedup_truth.py [--winnow build/winnow] [--plant N] [--limit 50000] STREAM.jsonl...

Runs winnow on a JSONL stream with only the document stage on (no line
rules, no repeated lines, no paragraph deduplication, so winnow signs each
record's whole text) and --annotate, then computes the truth by brute force:
for every record, its exact Jaccard similarity over the same 5-word shingles
with every earlier record that shares a shingle (an inverted index finds
those; pairs without a common shingle have J = 0). Words are those of
winnow's view, approximated here: NFKC_Casefold, Unicode word characters,
'.' and apostrophes inside a word dropped, each CJK character a word.

It prints, at the threshold (--doc-threshold, 0.8):
  precision   dropped records whose exact J with the record winnow names
              reaches the threshold (and, separately, 0.75);
  recall      records with an earlier kept record at J >= threshold that
              winnow dropped, in all and per J bin;
  identical   records whose words equal an earlier kept record's and that
              winnow kept (must be 0).

--plant N adds N near-copies of the stream's own records (word replacements,
deletions and insertions at random rates, so their J spreads from 1 down)
and N/10 identical copies, at random later positions.

--short-pairs N scores short documents instead: N passages of 6 to 64 words
(10 to 68 characters of CJK text) cut from the streams' records at random,
each followed by a copy with one to three edits (a word replaced, deleted
or inserted, a few words added at either end, as an attribution or a
signature is), so that exact J spreads over 0.4-1. It prints the share
dropped in bins of 0.02 around the threshold and the decisions off by more
than 0.02: records kept with an earlier kept record at J >= threshold + 0.02,
and records dropped for one at J < threshold - 0.02.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import unicodedata

WORD = re.compile(r"[^\W_]+(?:[.'\u2019][^\W_]+)*")
CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")


def words(text):
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = CJK.sub(r" \1 ", text)
    return [re.sub(r"[.'\u2019]", "", w) for w in WORD.findall(text)]


def shingles(ws, k=5):
    if not ws:
        return frozenset()
    if len(ws) < k:
        return frozenset([" ".join(ws)])
    return frozenset(" ".join(ws[i:i + k]) for i in range(len(ws) - k + 1))


def mutate(ws, rate, vocabulary, rng):
    out = []
    for w in ws:
        if rng.random() >= rate:
            out.append(w)
            continue
        kind = rng.randrange(3)
        if kind == 0:
            out.append(rng.choice(vocabulary))
        elif kind == 2:
            out.extend([w, rng.choice(vocabulary)])
    return out


def short_pairs(texts, count, rng):
    """Short passages of the texts, each followed by an edited copy."""
    out = []
    pool = [t for t in texts if len(t) >= 40]
    vocabulary = [w for t in pool[:2000] for w in t.split()]
    cjk_vocabulary = [c for t in pool[:2000] for c in t if CJK.match(c)]
    for _ in range(count):
        t = pool[rng.randrange(len(pool))]
        cjk = sum(1 for c in t if CJK.match(c)) > len(t) / 3
        units = list(t.replace("\n", "")) if cjk else t.split()
        size = rng.randint(10, 68) if cjk else rng.randint(6, 64)
        start = rng.randrange(max(1, len(units) - size + 1))
        passage = units[start:start + size]
        copy = list(passage)
        vocab = cjk_vocabulary if cjk else vocabulary
        for _ in range(rng.randint(1, 3)):
            kind = rng.randrange(5)
            at = rng.randrange(len(copy) + 1)
            if kind == 0 and at < len(copy):
                copy[at] = rng.choice(vocab)
            elif kind == 1 and at < len(copy) and len(copy) > 2:
                del copy[at]
            elif kind == 2:
                copy.insert(at, rng.choice(vocab))
            elif kind == 3:
                copy.extend(rng.choice(vocab) for _ in range(rng.randint(1, 3)))
            else:
                copy[:0] = [rng.choice(vocab) for _ in range(rng.randint(1, 3))]
        joiner = "" if cjk else " "
        out.append(joiner.join(passage))
        out.append(joiner.join(copy))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("streams", nargs="+")
    ap.add_argument("--winnow", default="build/winnow")
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--plant", type=int, default=0)
    ap.add_argument("--limit", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--short-pairs", type=int, default=0)
    args = ap.parse_args()

    texts = []
    for path in args.streams:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                t = json.loads(line).get("text")
                if isinstance(t, str) and t.strip():
                    texts.append(t)
    rng = random.Random(args.seed)
    texts = texts[: args.limit]
    if args.plant:
        vocabulary = [w for t in texts[:2000] for w in t.split()]
        planted = list(texts)
        for i in range(args.plant + args.plant // 10):
            src = rng.randrange(len(texts))
            if i < args.plant:
                rate = 10 ** (-3 + 2.2 * rng.random())
                copy = " ".join(mutate(texts[src].split(), rate, vocabulary, rng))
            else:
                copy = texts[src]
            planted.insert(rng.randrange(src + 1, len(planted) + 1), copy)
        texts = planted[: args.limit]

    if args.short_pairs:
        texts = short_pairs(texts, args.short_pairs, rng)

    with tempfile.TemporaryDirectory() as tmp:
        stream = os.path.join(tmp, "in.jsonl")
        with open(stream, "w", encoding="utf-8") as f:
            for i, t in enumerate(texts):
                f.write(json.dumps({"id": i + 1, "text": t}, ensure_ascii=False) + "\n")
        out = subprocess.run(
            [args.winnow, "--format", "jsonl", "--annotate", "--no-rules", "--no-dedup",
             "--no-repeated-lines", "--keep-empty", "--doc-threshold", str(args.threshold), stream],
            check=True, capture_output=True, text=True).stdout
    decisions = [json.loads(line)["winnow"] for line in out.split("\n") if line]
    assert len(decisions) == len(texts), (len(decisions), len(texts))

    sets = [shingles(words(t)) for t in texts]
    keys = [tuple(words(t)) for t in texts]
    postings = {}
    kept_keys = set()
    bins = [(0.75, 0.8), (0.8, 0.85), (0.85, 0.9), (0.9, 0.95), (0.95, 1.0001)]
    t = args.threshold
    if args.short_pairs:
        bins = [(0.5, t - 0.1), (t - 0.1, t - 0.04), (t - 0.04, t - 0.02), (t - 0.02, t),
                (t, t + 0.02), (t + 0.02, t + 0.04), (t + 0.04, t + 0.1), (t + 0.1, 1.0001)]
    kept_above = dropped_below = 0  # decisions off by more than 0.02
    per_bin = {b: [0, 0] for b in bins}  # truth in bin: [records, dropped]
    dropped = named_ok = named_075 = 0
    should = found = 0
    identical_kept = 0
    for i, (s, d) in enumerate(zip(sets, decisions)):
        # Exact J with every earlier kept record sharing a shingle.
        best = 0.0
        seen = set()
        for sh in s:
            for j in postings.get(sh, ()):
                if j in seen:
                    continue
                seen.add(j)
                inter = len(s & sets[j])
                best = max(best, inter / (len(s) + len(sets[j]) - inter))
        is_dup = not d["keep"]
        if is_dup:
            dropped += 1
            of = d.get("duplicate_of_record", d.get("duplicate_of"))
            if of is not None:
                o = sets[of - 1]
                inter = len(s & o)
                jo = inter / (len(s) + len(o) - inter) if s or o else 1.0
                named_ok += jo >= args.threshold
                named_075 += jo >= 0.75
                dropped_below += jo < args.threshold - 0.02
        elif best >= args.threshold + 0.02:
            kept_above += 1
        for b in bins:
            if b[0] <= best < b[1]:
                per_bin[b][0] += 1
                per_bin[b][1] += is_dup
        if best >= args.threshold:
            should += 1
            found += is_dup
        if keys[i] and keys[i] in kept_keys and not is_dup:
            identical_kept += 1
        if not is_dup:
            kept_keys.add(keys[i])
            for sh in s:
                postings.setdefault(sh, []).append(i)

    print(f"records: {len(texts)} ({args.plant} near-copies and {args.plant // 10} identical copies planted)")
    print(f"dropped as near-duplicates: {dropped}")
    if dropped:
        print(f"precision: {named_ok / dropped:.4f} at J >= {args.threshold} with the named record, "
              f"{named_075 / dropped:.4f} at J >= 0.75")
    if should:
        print(f"recall: {found / should:.4f} ({found} of {should} records with an earlier kept record at J >= {args.threshold})")
    print(f"identical copies kept: {identical_kept}")
    print(f"decisions off by more than 0.02: {kept_above} kept at J >= {args.threshold + 0.02:.2f}, "
          f"{dropped_below} dropped for a record at J < {args.threshold - 0.02:.2f}")
    print("| exact J with an earlier kept record | records | dropped |")
    print("|---|---|---|")
    for b in bins:
        n, k = per_bin[b]
        print(f"| {b[0]:.2f}-{min(b[1], 1.0):.2f} | {n} | {100.0 * k / n if n else 0:.1f}% |")
    return 1 if identical_kept else 0


if __name__ == "__main__":
    sys.exit(main())
