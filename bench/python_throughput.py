#!/usr/bin/python3
"""Throughput of the Python module against the winnow binary, on the same
documents (bench/make_stream.py's JSONL stream), in MB/s of document text.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_throughput.py [MB] [THREADS]

Rows: winnow.clean one document at a time; winnow.clean_batch; winnow.stream
(the stream stages); and `winnow --format jsonl` on the same records, which
reads and writes JSON too. Each row checks that its kept texts are the
binary's (the stream row) or clean()'s (the batch row) before printing.
"""
import json
import os
import subprocess
import sys
import time

import winnow

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    mb = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count()
    binary = os.environ.get("WINNOW_BIN", os.path.join(ROOT, "build", "winnow"))
    data = subprocess.run([sys.executable, os.path.join(HERE, "make_stream.py"), "--mb", str(mb),
                           "--format", "jsonl"], check=True, capture_output=True).stdout
    records = [json.loads(line) for line in data.splitlines()]
    texts = [r["text"] for r in records if "text" in r]
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    print(f"{len(texts)} documents, {megabytes:.1f} MB of text, {threads} threads")

    def row(name, seconds):
        print(f"{name:<42} {seconds:7.2f} s {megabytes / seconds:8.1f} MB/s")

    t = time.perf_counter()
    cleaner = winnow.Cleaner(threads=threads)
    serial = [cleaner.clean(x).text for x in texts]
    row("winnow.Cleaner.clean, one at a time", time.perf_counter() - t)

    t = time.perf_counter()
    batch = [r.text for r in winnow.clean_batch(texts, threads=threads)]
    row(f"winnow.clean_batch, threads={threads}", time.perf_counter() - t)
    assert batch == serial, "clean_batch differs from clean"

    t = time.perf_counter()
    kept = [d.text for d in winnow.stream(records, threads=threads) if d.keep and d.analysed]
    row(f"winnow.stream, threads={threads}", time.perf_counter() - t)

    t = time.perf_counter()
    out = subprocess.run([binary, "--format", "jsonl", "-j", str(threads)], input=data,
                         check=True, capture_output=True).stdout
    row(f"winnow --format jsonl -j{threads} (binary)", time.perf_counter() - t)
    expected = [json.loads(line)["text"] for line in out.splitlines() if "text" in json.loads(line)]
    assert kept == expected, "winnow.stream keeps other texts than the binary"


if __name__ == "__main__":
    main()
