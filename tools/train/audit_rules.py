#!/usr/bin/python3
"""Counts what each built-in pattern rule hits on the labelled page sets.

    /usr/bin/python3 tools/train/audit_rules.py [--eval-dir DIR] [--min-share 0.25]
                                               [--min-content 3] [--all]

For every pattern of rules/default.rules that decides at least one line of
the labelled sets (../shared/eval), prints its hits on content lines and on
boilerplate lines (labels as in train.py: score.py's alignment with each
page's gold), as a Markdown table, the patterns that hit content more than
rarely first: a share of content hits of at least --min-share with at least
--min-content content lines. Such a pattern is to be narrowed (a word
limit, a longer phrase) or removed.

A line is counted for the first pattern that matches it, in file order, as
winnow attributes it (winnow-features' PATTERN column): a pattern shadowed
by an earlier one shows no hits. canola is left out: its gold holds
complete sentences only, so its headings and list items read as boilerplate
here. Needs build/winnow-features.
"""
import argparse
import collections
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import train  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval-dir", default=os.path.join(ROOT, "..", "shared", "eval"))
    ap.add_argument("--features-bin", default=os.path.join(ROOT, "build", "winnow-features"))
    ap.add_argument("--cache", default=os.path.join(ROOT, "build", "train-cache"))
    ap.add_argument("--min-share", type=float, default=0.25)
    ap.add_argument("--min-content", type=int, default=3)
    ap.add_argument("--all", action="store_true", help="list every pattern with hits, not only flagged ones")
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.eval_dir))
    import score
    train.score = score
    os.makedirs(args.cache, exist_ok=True)

    # default.rules:LINE -> the line's text, for the table.
    rules_path = os.path.join(ROOT, "rules", "default.rules")
    rule_text = {f"default.rules:{i}": l.strip() for i, l in enumerate(open(rules_path, encoding="utf-8"), 1)}

    hits = collections.defaultdict(lambda: [0, 0])  # source -> [content, boilerplate]
    per_set = collections.defaultdict(lambda: collections.Counter())
    for name in train.SETS:
        if name == "canola":
            continue
        _, _, _, _, rows, _, labels = train.load_set(args.eval_dir, name, args.features_bin, args.cache)
        for pid, ln, source in rows:
            if source == "-":
                continue
            lab = labels[pid][int(ln)] if int(ln) < len(labels[pid]) else None
            if lab is None:
                continue
            content = bool(lab[1])
            hits[source][0 if content else 1] += 1
            per_set[source][name + (" content" if content else "")] += 1

    def flagged(c, b):
        return c >= args.min_content and c / (c + b) >= args.min_share

    items = sorted(hits.items(), key=lambda kv: (not flagged(*kv[1]), -kv[1][0], kv[0]))
    n_flag = sum(flagged(*v) for v in hits.values())
    total_c = sum(v[0] for v in hits.values())
    total_b = sum(v[1] for v in hits.values())
    print(f"{len(hits)} patterns hit {total_c + total_b} labelled lines: {total_c} content, "
          f"{total_b} boilerplate; {n_flag} patterns hit content more than rarely "
          f"(share >= {args.min_share}, >= {args.min_content} lines)\n")
    print("| pattern | rule line | content | boilerplate | content share | flagged |")
    print("|---|---|---|---|---|---|")
    for source, (c, b) in items:
        if not args.all and not flagged(c, b):
            continue
        text = rule_text.get(source, "?").replace("|", "\\|")
        print(f"| {source} | `{text}` | {c} | {b} | {c / (c + b):.2f} | {'yes' if flagged(c, b) else ''} |")


if __name__ == "__main__":
    main()
