#!/usr/bin/python3
"""Trains winnow's line model from the labelled page sets in ../shared/eval.

    /usr/bin/python3 tools/train/train.py [--eval-dir DIR] [--out rules/line_model.txt]
                                          [--report REPORT.md] [--no-cv]
                                          [--threshold X] [--smoothing S]

Needs Debian's python3-sklearn (1.2) and numpy, build/winnow and
build/winnow-features (cmake --build build --target winnow winnow-features).

1. Features: build/winnow-features computes every line's features exactly
   as winnow does (same rules, same code).
2. Short and long documents: every page also gives two crops (see
   make_crops), which weigh half as much as the pages, so the model also
   learns texts with little around them; and the content of several pages
   joined gives long documents (make_long_docs, a quarter of the weight),
   so that it learns that prose stays prose past the length of any page.
3. Labels: a line is content when the set's scorer (score.py's
   label_lines) aligns at least half of its tokens with the page's gold.
   The sets define content differently; winnow follows the widest common
   definition (headings, lists, tables, code and captions of the main text
   are content; comments, related links and navigation are not), so
   canola, whose gold holds complete sentences only, contributes only its
   sentence-like lines (closed, 5+ words), where its labels and winnow's
   definition agree.
4. Weights: every page weighs the same in total (the published metrics
   average over pages), a line by the square root of its tokens within it,
   every page type of a set the same in total (WCXB's listings, products
   and forums as much as its articles), and every set the same in total,
   so that no benchmark's layout dominates.
5. Word priors (the vocabulary features, line_features.hpp): per word,
   the log-odds that a line holding it is content, from the number of
   sites where it stands in content lines and in boilerplate lines (each
   site counts once; canola's sentence-only labels are left out), for
   words with evidence from at least PRIOR_SITES sites, smoothed towards
   the base rate. A model's training lines get cross-fitted priors (the
   training sites in 5 groups, each group's features from the priors of
   the other four), so that no line's own label leaks into its features;
   the priors of all training sites go into the model file, for the
   lines it is run on.
6. Model: scikit-learn's HistGradientBoostingClassifier, 40 trees of depth
   6, fixed seed, no early stopping: the same data gives the same file.
7. Held-out scores, from winnow itself: site-grouped 5-fold
   cross-validation over all sets (no site in both training and test
   folds; each fold's pages run through build/winnow with --line-model set
   to the model of the other folds) and leave-one-benchmark-out (a model
   trained without a set runs on that set), with score.py's shingle4 and
   bag-of-words metrics per set and page type, against no filtering and
   C4's line rules.
8. The sequence pass's smoothing (line_filter.hpp) that maximises the
   token-weighted line F1 of the cross-validated scores (averaged over the
   sets; the pass simulated in smoothed_keep), and the threshold that
   maximises the mean F1 (shingle4 and bag-of-words) of winnow's own
   cross-validated output over every set and page type, go into the model
   file.
"""
import argparse
import collections
import hashlib
import json
import math
import os
import subprocess
import sys
import urllib.parse
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SETS = ["wcxb-dev", "dragnet", "cleaneval", "cleanportaleval", "canola"]
SEED = 20261130
TREES, DEPTH, LEAVES, RATE = 40, 6, 32, 0.15

score = None  # score.py, imported from --eval-dir


def blank(line):
    return all(c in " \t\f\v\r" for c in line)


def make_crops(pages, labels, seed):
    """Short documents cut from labelled pages, with their lines' labels.

    The labelled pages are whole web pages; winnow also meets texts with
    little or nothing around their content (a feed item, a cleaned article,
    a message). Each page of 8 lines or more with content gives two crops:
    the stretch from a few lines before its first content line to a few
    lines after its last, and its content lines alone."""
    rng = np.random.RandomState(seed)
    crops, crop_labels = [], {}
    for p in pages:
        pid = str(p["id"])
        raw = p["text"].split("\n")
        lab = labels[pid]
        lines = [i for i, l in enumerate(raw) if not blank(l)]
        if len(lines) < 8:
            continue
        content = [i for i in lines if lab[i] is not None and lab[i][1]]
        if not content:
            continue
        lo, hi = lines.index(content[0]), lines.index(content[-1])
        windows = [(lines[max(0, lo - int(rng.randint(0, 4)))],
                    lines[min(len(lines) - 1, hi + int(rng.randint(0, 4)))])]
        for k, (first, last) in enumerate(windows):
            cid = f"{pid}#crop{k}"
            crops.append({"id": cid, "url": p.get("url", ""), "type": p.get("type"),
                          "text": "\n".join(raw[first:last + 1])})
            crop_labels[cid] = lab[first:last + 1]
        # The content lines alone: a clean article, all of it content.
        cid = f"{pid}#clean"
        keep = [i for i in range(len(raw)) if blank(raw[i]) or (lab[i] is not None and lab[i][1])]
        crops.append({"id": cid, "url": p.get("url", ""), "type": p.get("type"),
                      "text": "\n".join(raw[i] for i in keep)})
        crop_labels[cid] = [lab[i] for i in keep]
    return crops, crop_labels


LONG = "long"       # the parts of Data that are long documents
LONG_WEIGHT = 0.25  # their share of a set's weight


def make_long_docs(pages, labels, bucket_of_site, seed):
    """Long documents, all of them content, from the content of several
    labelled pages.

    The labelled pages hold a few thousand words at most; winnow also meets
    books, licences, reports and transcripts of tens of thousands, where a
    model that has only seen web pages takes the later prose of a long page
    for the comments under an article. The content lines of pages of one
    bucket (their sites' cross-validation fold and word-prior group: see
    Data) are joined, in a seeded order, into documents of 2,000 to 30,000
    words, a blank line between pages; every other one keeps the first
    page's lines above its content and the last page's below it (a long
    article on a web page)."""
    rng = np.random.RandomState(seed)
    by_bucket = collections.defaultdict(list)
    for p in pages:
        pid = str(p["id"])
        h = host(p.get("url", ""))
        if not h or h not in bucket_of_site:
            continue
        raw = p["text"].split("\n")
        lab = labels[pid]
        content = [i for i in range(len(raw)) if not blank(raw[i]) and lab[i] is not None and lab[i][1]]
        if len(content) < 3:
            continue
        by_bucket[bucket_of_site[h]].append((pid, raw, lab, content, h))
    docs, doc_labels = [], {}
    for bucket in sorted(by_bucket):
        items = by_bucket[bucket]
        order = rng.permutation(len(items))
        k = 0
        while k < len(order):
            target = math.exp(rng.uniform(math.log(2000), math.log(30000)))
            framed = len(docs) % 2 == 1
            text, lab, words, used = [], [], 0, []
            while k < len(order) and words < target:
                pid, raw, plab, content, h = items[order[k]]
                k += 1
                if text:
                    text.append("")
                    lab.append(None)
                if framed and not used:
                    for i in range(content[0]):
                        text.append(raw[i])
                        lab.append(plab[i])
                for i in content:
                    text.append(raw[i])
                    lab.append(plab[i])
                    words += len(raw[i].split())
                used.append((pid, h, raw, plab, content))
            if words < 2000:
                break
            if framed:
                _, _, raw, plab, content = used[-1]
                for i in range(content[-1] + 1, len(raw)):
                    text.append(raw[i])
                    lab.append(plab[i])
            did = f"{used[0][0]}#long{len(docs)}"
            docs.append({"id": did, "url": "https://" + used[0][1] + "/", "type": None, "text": "\n".join(text)})
            doc_labels[did] = lab
    return docs, doc_labels


def run_features(jsonl, path_base, features_bin):
    """Runs winnow-features on the pages of `jsonl`, writing
    path_base.rows.tsv, path_base.f32 and the rows' word hashes
    (path_base.words.n/.h); returns (names, X, rows, words), words =
    (per-row word counts, all rows' word hashes)."""
    with open(jsonl, "rb") as f:
        subprocess.run([features_bin, path_base + ".rows.tsv", path_base + ".f32", path_base + ".words"],
                       stdin=f, check=True)
    names = subprocess.run([features_bin, "--names"], capture_output=True, text=True, check=True).stdout.split()
    X = np.fromfile(path_base + ".f32", dtype="<f4").reshape(-1, len(names))
    rows = [l.rstrip("\n").split("\t") for l in open(path_base + ".rows.tsv", encoding="utf-8")]
    assert len(rows) == X.shape[0], (path_base, len(rows), X.shape)
    counts = np.fromfile(path_base + ".words.n", dtype="<u4")
    hashes = np.fromfile(path_base + ".words.h", dtype="<u8")
    assert len(counts) == len(rows) and counts.sum() == len(hashes), path_base
    return names, X, rows, (counts, hashes)


def features_of(pages, path_base, features_bin):
    """Runs winnow-features on `pages`; returns (names, X, rows, words)."""
    jsonl = path_base + ".jsonl"
    with open(jsonl, "w", encoding="utf-8") as f:
        for p in pages:
            f.write(json.dumps({"id": str(p["id"]), "text": p["text"]}, ensure_ascii=False) + "\n")
    return run_features(jsonl, path_base, features_bin)


def load_set(eval_dir, name, features_bin, cache):
    d = os.path.join(eval_dir, name)
    pages = [json.loads(l) for l in open(os.path.join(d, "input.jsonl"), encoding="utf-8")]
    for p in pages:
        assert not any(c in p["text"] for c in "\r\u2028\u2029\x85"), "lines must split at \\n only"
    gold = {str(g["id"]): g["text"] for g in map(json.loads, open(os.path.join(d, "gold.jsonl"), encoding="utf-8"))}
    names, X, rows, words = run_features(os.path.join(d, "input.jsonl"), os.path.join(cache, name), features_bin)
    # Labels, cached by the content of the set.
    h = hashlib.sha1(open(os.path.join(d, "input.jsonl"), "rb").read() +
                     open(os.path.join(d, "gold.jsonl"), "rb").read()).hexdigest()[:16]
    label_path = os.path.join(cache, f"{name}.labels.{h}.json")
    if os.path.exists(label_path):
        labels = json.load(open(label_path))
    else:
        with ProcessPoolExecutor() as pool:
            labels = dict(zip([str(p["id"]) for p in pages],
                              pool.map(page_labels, [(p["text"], gold.get(str(p["id"]), "")) for p in pages],
                                       chunksize=8)))
        json.dump(labels, open(label_path, "w"))
    return pages, gold, names, X, rows, words, labels


def page_labels(args):
    """Per '\\n'-split line: [tokens, content] or None (blank or no token)."""
    text, gold = args
    raw = text.split("\n")
    keys, lines = [], []
    for i, l in enumerate(raw):
        n = score.norm_line(l)
        if n and not blank(l):
            keys.append(i)
            lines.append(n)
    lab = score.label_lines(lines, gold)
    out = [None] * len(raw)
    for i, (ntok, content) in zip(keys, lab):
        if ntok > 0:
            out[i] = [ntok, bool(content)]
    return out


def host(url):
    h = urllib.parse.urlparse(url or "").netloc.lower()
    return h[4:] if h.startswith("www.") else h


class Data:
    """All labelled lines of all sets, with page and site keys."""

    def pages_of_set(self, name):
        return [p for (s, _), p in self.pages.items() if s == name]

    def __init__(self, eval_dir, features_bin, cache):
        self.X, self.y, self.w, self.set_of, self.page_of, self.site_of = [], [], [], [], [], []
        self.pattern_of = []
        self.tokens = []
        self.pages = {}   # (set, id) -> page
        self.gold = {}
        self.lines = {}   # (set, id) -> [(row index, line number)]
        self.row_line = []  # per row: line number in page
        names = None
        offset = 0
        self.crop = []
        parts = []
        for s_i, name in enumerate(SETS):
            pages, gold, names, X, rows, words, labels = load_set(eval_dir, name, features_bin, cache)
            for p in pages:
                self.pages[(name, str(p["id"]))] = p
                self.gold[(name, str(p["id"]))] = gold.get(str(p["id"]), "")
            parts.append((s_i, name, False, pages, X, rows, words, labels))
            crops, crop_labels = make_crops(pages, labels, SEED + s_i)
            _, cX, crows, cwords = features_of(crops, os.path.join(cache, name + ".crops"), features_bin)
            parts.append((s_i, name, True, crops, cX, crows, cwords, crop_labels))
        # Long documents (see make_long_docs), each made of pages whose
        # sites share a cross-validation fold and a word-prior group, so
        # that no page's text reaches a model that is scored on it.
        site_names = set()
        for _, _, _, pages, _, rows, _, _ in parts:
            by_id = {str(p["id"]): p for p in pages}
            site_names.update(host(by_id[r[0]].get("url", "")) or r[0] for r in rows)
        site_names = sorted(site_names)
        fold_perm = np.random.RandomState(SEED).permutation(len(site_names)) % 5
        group_perm = np.random.RandomState(SEED + 1).permutation(len(site_names)) % 5
        bucket_of_site = {h: (int(fold_perm[i]), int(group_perm[i])) for i, h in enumerate(site_names)}
        for s_i, name in enumerate(SETS):
            pages = [p for p in self.pages_of_set(name)]
            labels = parts[2 * s_i][7]
            longs, long_labels = make_long_docs(pages, labels, bucket_of_site, SEED + 100 + s_i)
            _, lX, lrows, lwords = features_of(longs, os.path.join(cache, name + ".long"), features_bin)
            parts.append((s_i, name, LONG, longs, lX, lrows, lwords, long_labels))
        self.word_counts, self.word_hashes = [], []
        for s_i, name, is_crop, pages, X, rows, words, labels in parts:
            self.word_counts.append(words[0])
            self.word_hashes.append(words[1])
            by_id = {str(p["id"]): p for p in pages}
            y = np.zeros(len(rows), dtype=np.int8)
            tokens = np.zeros(len(rows), dtype=np.float64)
            w = np.zeros(len(rows), dtype=np.float64)
            page_rows = collections.defaultdict(list)
            for r, (pid, ln, _) in enumerate(rows):
                ln = int(ln)
                page_rows[pid].append(r)
                if not is_crop:
                    self.lines.setdefault((name, pid), []).append((offset + r, ln))
                lab = labels[pid][ln] if ln < len(labels[pid]) else None
                if lab is None:
                    continue
                ntok, content = lab
                y[r] = content
                tokens[r] = ntok
                if name == "canola":
                    sentence = X[r, names.index("closed")] > 0.5 and X[r, names.index("words")] >= math.log1p(5)
                    if not sentence:
                        continue
                w[r] = math.sqrt(1 + ntok)
            # Every page the same weight, and within a set every page type
            # (WCXB's article, listing, product, ...) the same in total, so
            # that the many articles do not drown the other layouts.
            type_of = {pid: by_id[pid].get("type") or "" for pid in page_rows}
            type_pages = collections.Counter(type_of.values())
            for pid, rs in page_rows.items():
                tot = w[rs].sum()
                if tot > 0:
                    w[rs] /= tot * type_pages[type_of[pid]]
            # Every set the same total weight; its crops half as much, its
            # long documents a quarter.
            w *= (1.0 if not is_crop else LONG_WEIGHT if is_crop is LONG else 0.5) / max(1e-9, w.sum())
            self.X.append(X)
            self.y.append(y)
            self.tokens.append(tokens)
            self.w.append(w)
            self.set_of += [s_i] * len(rows)
            self.crop += [bool(is_crop)] * len(rows)
            self.page_of += [(name, r[0]) for r in rows]
            self.site_of += [host(by_id[r[0]].get("url", "")) or r[0] for r in rows]
            self.row_line += [int(r[1]) for r in rows]
            self.pattern_of += [r[2] for r in rows]
            offset += len(rows)
        self.names = names
        self.word_counts = np.concatenate(self.word_counts)
        self.word_hashes = np.concatenate(self.word_hashes)
        self.X = np.concatenate(self.X)
        self.y = np.concatenate(self.y)
        self.tokens = np.concatenate(self.tokens)
        self.w = np.concatenate(self.w) * len(self.X)
        self.set_of = np.array(self.set_of)
        self.crop = np.array(self.crop)
        sites = sorted(set(self.site_of))
        site_index = {s: i for i, s in enumerate(sites)}
        self.site_of = np.array([site_index[s] for s in self.site_of])
        # Vocabulary: every word occurrence's row; every page's row range.
        n = len(self.X)
        self.row_of_word = np.repeat(np.arange(n), self.word_counts)
        keys = [None] * n
        for r in range(n):
            keys[r] = self.page_of[r]
        starts = np.array([r == 0 or keys[r] != keys[r - 1] for r in range(n)])
        first = np.nonzero(starts)[0]
        page_index = np.cumsum(starts) - 1
        ends = np.append(first[1:], n)
        self.page_start = first[page_index]
        self.page_end = ends[page_index]
        # (set, site, word, label) once each, from the labelled lines of the
        # pages (not crops; not canola, whose labels cover sentences only):
        # a word's evidence is the number of sites it is content or
        # boilerplate on, so no one site's template decides its prior.
        rows = self.row_of_word
        use = (self.w[rows] > 0) & ~self.crop[rows] & (self.set_of[rows] != SETS.index("canola"))
        rows = rows[use]
        site_key = self.site_of[rows].astype(np.int64) * 8 + self.set_of[rows]
        label = self.y[rows].astype(np.int64)
        h = self.word_hashes[use]
        order = np.lexsort((label, site_key, h))
        h, site_key, label = h[order], site_key[order], label[order]
        new = np.ones(len(h), dtype=bool)
        new[1:] = (h[1:] != h[:-1]) | (site_key[1:] != site_key[:-1]) | (label[1:] != label[:-1])
        self.ev_hash, self.ev_label = h[new], label[new]
        self.ev_site, self.ev_set = site_key[new] // 8, site_key[new] % 8
        self.lex_cols = [names.index(c) for c in ("lex_mean", "lex_min", "lex_win2")]


PRIOR_SITES = 10      # a word needs this many sites of evidence for a prior
PRIOR_SMOOTHING = 4.0  # pseudo-sites at the base rate


def build_priors(data, ev_mask):
    """Word priors from the evidence entries in `ev_mask`: (sorted hashes,
    log-odds of content relative to the base rate, rounded as exported)."""
    h, lab = data.ev_hash[ev_mask], data.ev_label[ev_mask]
    keys, inv = np.unique(h, return_inverse=True)
    c = np.bincount(inv, weights=lab, minlength=len(keys))
    b = np.bincount(inv, weights=1 - lab, minlength=len(keys))
    p0 = c.sum() / max(1.0, c.sum() + b.sum())
    a = PRIOR_SMOOTHING
    prior = np.log((c + a * p0) / (b + a * (1 - p0))) - math.log(p0 / (1 - p0))
    keep = (c + b) >= PRIOR_SITES
    values = np.array([float(f"{v:.4f}") for v in np.clip(prior[keep], -5, 5)])
    return keys[keep], values


def lex_features(data, priors):
    """The vocabulary columns of every row under `priors`, as
    line_features.cpp computes them."""
    keys, values = priors
    n = len(data.X)
    h = data.word_hashes
    idx = np.minimum(np.searchsorted(keys, h), max(0, len(keys) - 1))
    found = (keys[idx] == h) if len(keys) else np.zeros(len(h), dtype=bool)
    vals = values[idx[found]]
    rows = data.row_of_word[found]
    sums = np.bincount(rows, weights=vals, minlength=n)
    cnt = np.bincount(rows, minlength=n)
    mins = np.full(n, np.inf)
    np.minimum.at(mins, rows, vals)
    out = np.zeros((n, 3), dtype=np.float32)
    known = cnt > 0
    out[known, 0] = sums[known] / cnt[known]
    out[known, 1] = mins[known]
    pre_s = np.concatenate([[0.0], np.cumsum(sums)])
    pre_n = np.concatenate([[0], np.cumsum(cnt)])
    j = np.arange(n)
    lo = np.maximum(j - 2, data.page_start)
    hi = np.minimum(j + 3, data.page_end)
    wn = pre_n[hi] - pre_n[lo]
    ok = wn > 0
    out[ok, 2] = (pre_s[hi] - pre_s[lo])[ok] / wn[ok]
    return out


def fill_lex(data, train_rows, train_ev):
    """Sets the vocabulary columns of data.X for a model trained on
    `train_rows` (evidence entries `train_ev`): the training rows get
    cross-fitted priors (5 site groups, each from the other four), so that
    no line's own label is in its features; every other row gets the
    priors of all training evidence, which are returned for the model file."""
    group_of_site = np.random.RandomState(SEED + 1).permutation(data.site_of.max() + 1) % 5
    for g in range(5):
        rows = train_rows & (group_of_site[data.site_of] == g)
        pri = build_priors(data, train_ev & (group_of_site[data.ev_site] != g))
        data.X[np.ix_(rows, data.lex_cols)] = lex_features(data, pri)[rows]
    priors = build_priors(data, train_ev)
    rest = ~train_rows
    data.X[np.ix_(rest, data.lex_cols)] = lex_features(data, priors)[rest]
    return priors


def fold_of_ev(data, fold_of_site):
    """The cross-validation fold of every evidence entry (by its site)."""
    fold = np.zeros(data.site_of.max() + 1, dtype=np.int64)
    for site, k in fold_of_site.items():
        fold[site] = k
    return fold[data.ev_site]


def fit(X, y, w):
    m = HistGradientBoostingClassifier(max_iter=TREES, max_depth=DEPTH, max_leaf_nodes=LEAVES,
                                       learning_rate=RATE, early_stopping=False, random_state=SEED,
                                       l2_regularization=1.0, min_samples_leaf=40)
    keep = w > 0
    m.fit(X[keep], y[keep], sample_weight=w[keep])
    return m


def c4_text(page):
    out = []
    for l in page["text"].split("\n"):
        s = l.strip()
        if not s.endswith((".", "?", "!", '"', "\u201d", "\u2019", "'")) or s.endswith("..."):
            continue
        if len(s.split()) < 5 or any(len(t) > 1000 for t in s.split()):
            continue
        low = s.lower()
        if "javascript" in low or any(p in low for p in ("terms of use", "privacy policy", "cookie policy",
                                                         "uses cookies", "use of cookies", "use cookies")):
            continue
        out.append(l)
    return "\n".join(out)


def metrics(pairs):
    """pairs: [(gold, output, type)] -> {'all': (s4 p r f, bow p r f), type: ...}"""
    groups = collections.defaultdict(list)
    for g, o, t in pairs:
        groups["all"].append((g, o))
        groups[t or "unknown"].append((g, o))
    res = {}
    for k, items in groups.items():
        sh = score.shingle_metrics([score.shingle_tp_fp_fn(g, o) for g, o in items])
        bows = [score.bow_prf(g, o) for g, o in items]
        n = len(items)
        res[k] = {"n": n, "s4": (sh["p"], sh["r"], sh["f1"]),
                  "bow": tuple(sum(b[i] for b in bows) / n for i in range(3))}
    return res


def report_rows(title, data, outputs_by_system, page_keys):
    lines = [f"### {title}", "",
             "| system | pages | shingle4 P | R | F1 | bag-of-words P | R | F1 |",
             "|---|---|---|---|---|---|---|---|"]
    all_types = None
    per = {}
    for sysname, outputs in outputs_by_system.items():
        pairs = [(data.gold[k], outputs[k], data.pages[k].get("type")) for k in page_keys]
        per[sysname] = metrics(pairs)
        all_types = sorted(per[sysname].keys(), key=lambda t: (t != "all", t))
    for t in all_types:
        for sysname in outputs_by_system:
            m = per[sysname][t]
            lines.append(f"| {sysname}{'' if t == 'all' else ' (' + t + ')'} | {m['n']} | "
                         + " | ".join(f"{v:.3f}" for v in m["s4"]) + " | "
                         + " | ".join(f"{v:.3f}" for v in m["bow"]) + " |")
    return "\n".join(lines) + "\n", per


def export(model, names, threshold, smoothing, path, priors):
    pred = model._predictors
    baseline = float(np.ravel(model._baseline_prediction)[0])
    out = ["winnow-line-model 2", f"features {len(names)}"]
    out += [f"f {n}" for n in names]
    out += [f"threshold {threshold:.4f}", f"smoothing {smoothing:.4f}", f"baseline {baseline!r}",
            f"trees {len(pred)}"]
    for tree in pred:
        nodes = tree[0].nodes
        out.append(f"tree {len(nodes)}")
        for nd in nodes:
            if nd["is_leaf"]:
                out.append(f"-1 0 0 0 {float(nd['value'])!r} 0")
            else:
                thr = np.float32(nd["num_threshold"])
                # The C++ side compares float32 features with a float32
                # threshold: round the threshold down so that every float32
                # value <= the double threshold stays <= it.
                if float(thr) > float(nd["num_threshold"]):
                    thr = np.nextafter(thr, np.float32(-np.inf))
                out.append(f"{int(nd['feature_idx'])} {float(thr)!r} {int(nd['left'])} {int(nd['right'])} "
                           f"{float(nd['value'])!r} {int(nd['missing_go_to_left'])}")
    keys, values = priors
    out.append(f"priors {len(keys)}")
    out += [f"{int(k):016x} {v:.4f}" for k, v in zip(keys, values)]
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def smoothed_keep(p, line_no, threshold, smoothing):
    """The sequence pass of line_filter.cpp on one page's rows (p: scores,
    line_no: their line numbers); the half threshold inside the main text
    and the rules' fixed points are not simulated."""
    eps = 1e-6
    q = np.clip(p, eps, 1 - eps)
    t = min(max(threshold, eps), 1 - eps)
    margin = np.log(q / (1 - q)) - math.log(t / (1 - t))
    if smoothing <= 0 or len(p) == 0:
        return margin >= 0
    n = len(p)
    back_k = np.zeros(n, dtype=bool)
    back_d = np.zeros(n, dtype=bool)
    keep, drop = float(margin[0]), 0.0
    for i in range(1, n):
        cost = smoothing if line_no[i] == line_no[i - 1] + 1 else smoothing / 2
        kfd, dfk = drop - cost, keep - cost
        back_k[i] = keep >= kfd
        back_d[i] = dfk > drop
        keep, drop = margin[i] + max(keep, kfd), max(drop, dfk)
    out = np.zeros(n, dtype=bool)
    state = keep >= drop
    for i in range(n - 1, -1, -1):
        out[i] = state
        state = back_k[i] if state else back_d[i]
    return out


def tune(data, cv):
    """Threshold and smoothing that maximise the token-weighted line F1 of
    the cross-validated scores, averaged over the sets (pages, not crops)."""
    labelled = data.w > 0
    pages = collections.defaultdict(list)
    for r in np.nonzero(~data.crop)[0]:
        pages[data.page_of[r]].append(r)
    pages = [np.array(rs) for rs in pages.values()]
    best = None
    for lam in (0.0, 0.5, 1.0, 2.0, 3.0):
        for t in np.arange(0.30, 0.61, 0.05):
            kept = np.zeros(len(data.X), dtype=bool)
            for rs in pages:
                kept[rs] = smoothed_keep(cv[rs], np.array([data.row_line[r] for r in rs]), t, lam)
            f = []
            for s_i in range(len(SETS)):
                m = (data.set_of == s_i) & labelled & ~data.crop
                y = data.y[m] == 1
                k = kept[m]
                wt = data.tokens[m]
                tp, fp, fn = wt[k & y].sum(), wt[k & ~y].sum(), wt[~k & y].sum()
                f.append(2 * tp / max(1e-9, 2 * tp + fp + fn))
            val = float(np.mean(f))
            print(f"smoothing {lam:.1f} threshold {t:.2f}: mean token-weighted line F1 {val:.4f}",
                  file=sys.stderr)
            if best is None or val > best[0] + 1e-4:
                best = (val, float(round(t, 3)), lam)
    return best[1], best[2]


def run_winnow(binary, pages, model_path, threshold, smoothing, cache, tag):
    """winnow's output for each page (key -> text), with the model file."""
    path = os.path.join(cache, f"run-{tag}.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for i, (key, page) in enumerate(pages):
            f.write(json.dumps({"id": str(i), "text": page["text"]}, ensure_ascii=False) + "\n")
    cmd = [binary, "--format", "jsonl", "--no-doc-dedup", "--no-repeated-lines", "--keep-empty",
           "-j", "2", "--line-model", model_path, "--threshold", str(threshold),
           "--smoothing", str(smoothing), path]
    out = subprocess.run(cmd, capture_output=True, check=True).stdout.decode("utf-8")
    by_index = {r["id"]: r["text"] for r in map(json.loads, out.splitlines())}
    return {key: by_index.get(str(i), "") for i, (key, _) in enumerate(pages)}


def main():
    global score
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval-dir", default=os.path.join(ROOT, "..", "shared", "eval"))
    ap.add_argument("--features-bin", default=os.path.join(ROOT, "build", "winnow-features"))
    ap.add_argument("--winnow", default=os.path.join(ROOT, "build", "winnow"))
    ap.add_argument("--cache", default=os.path.join(ROOT, "build", "train-cache"))
    ap.add_argument("--out", default=os.path.join(ROOT, "rules", "line_model.txt"))
    ap.add_argument("--report", default=os.path.join(ROOT, "build", "train-report.md"))
    ap.add_argument("--no-cv", action="store_true", help="only train the model (no held-out scores)")
    ap.add_argument("--threshold", type=float, help="fix the threshold instead of choosing it")
    ap.add_argument("--smoothing", type=float, help="fix the smoothing instead of choosing it")
    ap.add_argument("--eval-only", action="store_true",
                    help="score build/winnow again with the fold models of the last run (after a "
                         "change that leaves the features as they were); writes only the report")
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.eval_dir))
    import score as score_module
    score = score_module
    os.makedirs(args.cache, exist_ok=True)

    data = Data(args.eval_dir, args.features_bin, args.cache)
    print(f"train: {len(data.X)} lines, {int((data.w > 0).sum())} labelled, "
          f"{len(data.pages)} pages, {len(set(data.site_of.tolist()))} sites", file=sys.stderr)
    report = ["# Line model training report", ""]
    threshold = args.threshold if args.threshold is not None else 0.5
    smoothing = args.smoothing if args.smoothing is not None else 0.0
    keys = list(data.pages)

    if args.eval_only:
        # The shipped model's threshold and smoothing, unless given.
        header = dict(l.split(" ", 1) for l in open(args.out).read().split("\n")[:200] if " " in l)
        if args.threshold is None:
            threshold = float(header["threshold"])
        if args.smoothing is None:
            smoothing = float(header.get("smoothing", "0"))

    if not args.no_cv:
        # Site-grouped 5 folds over all sets: no site in two folds.
        rng = np.random.RandomState(SEED)
        sites = np.unique(data.site_of)
        fold_of_site = dict(zip(sites, rng.permutation(len(sites)) % 5))
        fold = np.array([fold_of_site[s] for s in data.site_of])
        fold_models = [None] * 5
        fold_priors = [None] * 5
        if not args.eval_only:
            cv = np.zeros(len(data.X))
            for k in range(5):
                fold_priors[k] = fill_lex(data, fold != k, fold_of_ev(data, fold_of_site) != k)
                m = fit(data.X[fold != k], data.y[fold != k], data.w[fold != k])
                cv[fold == k] = m.predict_proba(data.X[fold == k])[:, 1]
                fold_models[k] = m
            np.save(os.path.join(args.cache, "cv.npy"), cv)
            t, lam = tune(data, cv)
            if args.smoothing is None:
                smoothing = lam
        # Each fold's pages through winnow itself, with the model of the
        # other folds.
        page_fold = {}
        for r in range(len(data.X)):
            if not data.crop[r]:
                page_fold.setdefault(data.page_of[r], fold[r])
        for k, m in enumerate(fold_models):
            if m is not None:
                export(m, data.names, 0.5, smoothing, os.path.join(args.cache, f"cv{k}.model"),
                       fold_priors[k])

        def cv_outputs(t):
            outs = {}
            for k in range(5):
                ks = [key for key in keys if page_fold.get(key, 0) == k]
                outs.update(run_winnow(args.winnow, [(key, data.pages[key]) for key in ks],
                                       os.path.join(args.cache, f"cv{k}.model"), t, smoothing,
                                       args.cache, f"cv{k}"))
            return outs

        if args.threshold is None and not args.eval_only:
            # The threshold: the best mean, over every set and every page
            # type of a set, of the two published F1s of winnow's own
            # cross-validated output (the line-level tuning above weighs
            # long pages most; the metrics average over pages).
            best = None
            for t in (0.35, 0.4, 0.45, 0.5):
                outs = cv_outputs(t)
                groups = []
                for s in SETS:
                    ks = [k for k in keys if k[0] == s]
                    m = metrics([(data.gold[k], outs[k], data.pages[k].get("type")) for k in ks])
                    groups += [(v["s4"][2] + v["bow"][2]) / 2 for g, v in m.items()
                               if g != "all" or len(m) == 2]
                val = float(np.mean(groups))
                print(f"threshold {t:.2f}: mean F1 over sets and page types {val:.4f}", file=sys.stderr)
                if best is None or val > best[0] + 1e-4:
                    best = (val, t)
            threshold = best[1]
        report.append(f"Decision threshold {threshold:.3f}, smoothing {smoothing:.2f} "
                      "(chosen on the cross-validated output).\n")
        outs = cv_outputs(threshold)
        report.append("## Site-grouped 5-fold cross-validation (winnow with the model of the other folds)\n")
        for s in SETS:
            ks = [k for k in keys if k[0] == s]
            systems = {"winnow": outs, "no filtering": {k: data.pages[k]["text"] for k in ks},
                       "C4 line rules": {k: c4_text(data.pages[k]) for k in ks}}
            text, _ = report_rows(s, data, systems, ks)
            report.append(text)
            print(text, file=sys.stderr)

        # Leave one benchmark out: trained on the other sets, run on this one.
        report.append("## Leave-one-benchmark-out (winnow with a model trained on the other sets)\n")
        for s_i, s in enumerate(SETS):
            tr = data.set_of != s_i
            path = os.path.join(args.cache, f"lobo-{s}.model")
            if not args.eval_only:
                priors = fill_lex(data, tr, data.ev_set != s_i)
                export(fit(data.X[tr], data.y[tr], data.w[tr]), data.names, threshold, smoothing, path,
                       priors)
            ks = [k for k in keys if k[0] == s]
            outs = run_winnow(args.winnow, [(k, data.pages[k]) for k in ks], path, threshold,
                              smoothing, args.cache, f"lobo-{s}")
            systems = {"winnow": outs, "C4 line rules": {k: c4_text(data.pages[k]) for k in ks}}
            text, _ = report_rows(s + " (left out)", data, systems, ks)
            report.append(text)
            print(text, file=sys.stderr)

    if not args.eval_only:
        everything = np.ones(len(data.X), dtype=bool)
        priors = fill_lex(data, everything, np.ones(len(data.ev_hash), dtype=bool))
        export(fit(data.X, data.y, data.w), data.names, threshold, smoothing, args.out, priors)
    with open(args.report, "w") as f:
        f.write("\n".join(report) + "\n")
    if args.eval_only:
        print(f"train: wrote {args.report} (threshold {threshold:.2f}, smoothing {smoothing:.2f}; "
              f"{args.out} unchanged)", file=sys.stderr)
    else:
        print(f"train: wrote {args.out} ({TREES} trees, depth {DEPTH}, threshold {threshold:.2f}, "
              f"smoothing {smoothing:.2f}) and {args.report}", file=sys.stderr)


if __name__ == "__main__":
    main()
