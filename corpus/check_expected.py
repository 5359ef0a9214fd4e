#!/usr/bin/env python3
"""Structural checks for the winnow sample corpus.

For every NAME.txt in this directory there must be a NAME.expected such that:
  * it is empty, or ends with exactly one line terminator ("\\n" or "\\r\\n")
    after a non-blank line: no leading or trailing blank line;
  * it never has two blank lines in a row, and each blank line uses the
    terminator of the line before it ("\\r\\n" after a CRLF line, else "\\n");
  * each of its paragraphs (runs of non-blank lines) is a subsequence, byte
    for byte including the terminator, of ONE input paragraph, and the
    paragraphs come from distinct input paragraphs in input order; so every
    kept line occurs in the input in order, and a blank line stands exactly
    where kept lines come from different input paragraphs.
A blank line is one holding only spaces, tabs, CR, FF or VT (as in winnow).
Every .expected must have its .txt, and README.md must name every document.
NAME.OPTION.expected is the expected output of `winnow --OPTION` on NAME.txt
(only its pairing is checked here).

Usage: python3 corpus/check_expected.py   (exit status 0 when all pass)
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BLANK_CHARS = b" \t\r\f\v"


def split_lines(data):
    """Lines with their terminators; the last one may lack a terminator."""
    lines = data.split(b"\n")
    out = [l + b"\n" for l in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def is_blank(line):
    return line.rstrip(b"\n").strip(BLANK_CHARS) == b""


def paragraphs(lines):
    paras, cur = [], []
    for l in lines:
        if is_blank(l):
            if cur:
                paras.append(cur)
                cur = []
        else:
            cur.append(l)
    if cur:
        paras.append(cur)
    return paras


def is_subsequence(small, big):
    it = iter(big)
    return all(any(s == b for b in it) for s in small)


def check_pair(name):
    errors = []
    with open(os.path.join(HERE, name + ".txt"), "rb") as f:
        inp = f.read()
    with open(os.path.join(HERE, name + ".expected"), "rb") as f:
        exp = f.read()
    if not inp.endswith(b"\n"):
        errors.append("input does not end with a newline")
    if exp == b"":
        return errors
    if not exp.endswith(b"\n"):
        errors.append("expected output does not end with a newline")
    lines = split_lines(exp)
    if is_blank(lines[0]):
        errors.append("expected output starts with a blank line")
    if is_blank(lines[-1]):
        errors.append("expected output ends with a blank line")
    for i, l in enumerate(lines):
        if not is_blank(l):
            continue
        if i > 0 and is_blank(lines[i - 1]):
            errors.append("line %d: two blank lines in a row" % (i + 1))
        if i > 0:
            want = b"\r\n" if lines[i - 1].endswith(b"\r\n") else b"\n"
            if l != want:
                errors.append("line %d: blank line is %r, expected %r" % (i + 1, l, want))
    in_paras = paragraphs(split_lines(inp))
    j = 0
    for k, para in enumerate(paragraphs(lines)):
        while j < len(in_paras) and not is_subsequence(para, in_paras[j]):
            j += 1
        if j == len(in_paras):
            errors.append("expected paragraph %d (%r...) is not, in order, "
                          "inside one later input paragraph" % (k + 1, para[0][:60]))
            break
        j += 1
    return errors


def main():
    files = sorted(os.listdir(HERE))
    names = [f[:-4] for f in files if f.endswith(".txt")]
    failed = 0
    for f in files:
        # NAME.expected, or NAME.OPTION.expected for a run with --OPTION.
        if f.endswith(".expected") and f[:-9].split(".")[0] not in names:
            print("FAIL %s: no matching .txt" % f)
            failed += 1
    try:
        with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
            readme = f.read()
    except OSError:
        readme = None
        print("FAIL README.md missing")
        failed += 1
    for name in names:
        if not os.path.exists(os.path.join(HERE, name + ".expected")):
            print("FAIL %s: missing %s.expected" % (name, name))
            failed += 1
            continue
        errors = check_pair(name)
        if readme is not None and ("`%s`" % name) not in readme:
            errors.append("not listed in README.md")
        if errors:
            failed += 1
            for e in errors:
                print("FAIL %s: %s" % (name, e))
        else:
            print("ok   %s" % name)
    print("%d document(s), %d failed" % (len(names), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
