#!/usr/bin/env python3
"""corpus_agreement.py WINNOW CORPUS_DIR: how closely winnow agrees with the
careful reader's expected outputs of corpus/ (see corpus/README.md).

The line judgement is a learned model, so a document's output is measured,
not compared byte for byte:
  * structure, exact: every output is the input with lines removed (each
    kept line byte for byte, in order), and a stream keeps exactly the
    records its expected output keeps (documents dropped as near-duplicates
    or as empty), with -j1 and -j4 giving the same bytes;
  * lines, measured: over all documents, the share of kept lines the
    reader kept too (precision) and of the reader's lines kept (recall),
    each at least FLOOR (0.85); a document whose output the reader would
    leave empty must come out empty.
Prints a table per document and the totals; exits 1 when a check fails.
"""
import collections
import json
import os
import subprocess
import sys

FLOOR = 0.85


def lines_of(data):
    return [l for l in data.replace(b"\r\n", b"\n").split(b"\n") if l.strip()]


def records(data, fmt):
    """(record key, text lines) of a stream's documents, in order."""
    out = []
    if fmt == "nul":
        for i, chunk in enumerate(data.split(b"\0")[:-1]):
            out.append((lines_of(chunk)[0] if lines_of(chunk) else b"", lines_of(chunk)))
    elif fmt == "jsonl":
        for line in data.split(b"\n"):
            if not line.strip():
                continue
            obj = json.loads(line)
            if "text" in obj:
                out.append((str(obj.get("id")).encode(), lines_of(obj["text"].encode())))
    else:  # wet
        pos = 0
        while True:
            start = data.find(b"WARC/1.", pos)
            if start < 0:
                break
            head_end = data.find(b"\r\n\r\n", start)
            head = data[start:head_end].decode("utf-8", "replace")
            fields = dict(l.split(": ", 1) for l in head.split("\r\n")[1:] if ": " in l)
            length = int(fields.get("Content-Length", "0"))
            block = data[head_end + 4:head_end + 4 + length]
            if fields.get("WARC-Type") == "conversion":
                out.append((fields.get("WARC-Target-URI", "").encode(), lines_of(block)))
            pos = head_end + 4 + length
    return out


def is_subsequence(small, big):
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


def main():
    winnow, corpus = sys.argv[1], sys.argv[2]
    rows, failures = [], []
    tp = fp = fn = 0
    docs = sorted(f for f in os.listdir(corpus) if f.endswith(".txt"))
    streams = sorted(f for f in os.listdir(os.path.join(corpus, "streams"))
                     if f.rsplit(".", 1)[-1] in ("jsonl", "nul", "wet"))
    for name in docs + ["streams/" + s for s in streams]:
        path = os.path.join(corpus, name)
        fmt = name.rsplit(".", 1)[-1]
        args = [winnow] if fmt == "txt" else [winnow, "--format", fmt]
        runs = []
        for j in ("1", "4"):
            with open(path, "rb") as f:
                p = subprocess.run(args + ["-j", j], stdin=f, capture_output=True)
            if p.returncode != 0:
                failures.append(f"{name}: exit {p.returncode}: {p.stderr.decode()[:200]}")
            runs.append(p.stdout)
        if runs[0] != runs[1]:
            failures.append(f"{name}: -j1 and -j4 differ")
        expected = open(path.replace(".txt", ".expected") if fmt == "txt" else path + ".expected", "rb").read()
        data = open(path, "rb").read()
        if fmt == "txt":
            got, want, inp = lines_of(runs[0]), lines_of(expected), lines_of(data)
            if not is_subsequence(got, inp):
                failures.append(f"{name}: output is not the input with lines removed")
            if not want and got:
                failures.append(f"{name}: the reader keeps nothing, winnow kept {len(got)} lines")
        else:
            got_r, want_r, in_r = records(runs[0], fmt), records(expected, fmt), records(data, fmt)
            if fmt != "nul" and [k for k, _ in got_r] != [k for k, _ in want_r]:
                failures.append(f"{name}: records kept {[k.decode() for k, _ in got_r]}, "
                                f"expected {[k.decode() for k, _ in want_r]}")
            if fmt == "nul" and len(got_r) != len(want_r):
                failures.append(f"{name}: {len(got_r)} documents kept, expected {len(want_r)}")
            got = [l for _, ls in got_r for l in ls]
            want = [l for _, ls in want_r for l in ls]
        cg, cw = collections.Counter(got), collections.Counter(want)
        t = sum((cg & cw).values())
        tp, fp, fn = tp + t, fp + len(got) - t, fn + len(want) - t
        rows.append((name, len(want), len(got), t / len(got) if got else 1.0, t / len(want) if want else 1.0))
    print(f"{'document':36s} {'reader':>6s} {'winnow':>6s} {'P':>5s} {'R':>5s}")
    for name, w, g, p, r in rows:
        print(f"{name:36s} {w:6d} {g:6d} {p:5.2f} {r:5.2f}")
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    print(f"{'all documents (lines)':36s} {tp + fn:6d} {tp + fp:6d} {precision:5.2f} {recall:5.2f}")
    if precision < FLOOR:
        failures.append(f"line precision {precision:.3f} below {FLOOR}")
    if recall < FLOOR:
        failures.append(f"line recall {recall:.3f} below {FLOOR}")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
