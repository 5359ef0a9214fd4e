"""Tests of the Python module (import winnow) against the corpus's expected
outputs and against the winnow binary: same options, same results, same
messages, same index file.

Run by ctest (tests/CMakeLists.txt) as
    PYTHONPATH=build/python WINNOW_BIN=build/winnow /usr/bin/python3 -m pytest tests/python
"""

import json
import os
import pathlib
import subprocess
import threading
import time

import pytest

import winnow

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
WINNOW = os.environ.get("WINNOW_BIN", str(ROOT / "build" / "winnow"))
DOCUMENTS = sorted(CORPUS.glob("*.txt"))


def run_cli(*args, stdin=None):
    p = subprocess.run([WINNOW, *map(str, args)], input=stdin, capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "surrogateescape")


# --- clean: the core filter, one document --------------------------------

@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_clean_gives_the_command_lines_output(path):
    rc, expected, _ = run_cli(path)
    assert rc == 0
    assert winnow.clean(path.read_bytes()).text == expected


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_explain_is_the_command_lines(path):
    rc, _, err = run_cli("--explain", path)
    assert rc == 0
    assert winnow.clean(path.read_bytes()).explain(str(path)) == err


def test_str_in_str_out_bytes_in_bytes_out():
    text = (CORPUS / "german_article.txt").read_text(encoding="utf-8")
    expected = run_cli(CORPUS / "german_article.txt")[1]
    r = winnow.clean(text)
    assert isinstance(r.text, str) and r.text.encode("utf-8") == expected
    assert isinstance(winnow.clean(text.encode()).text, bytes)


def test_text_read_with_surrogateescape_comes_back_byte_for_byte():
    raw = (CORPUS / "crlf_odd_bytes.txt").read_bytes()  # not UTF-8 throughout
    text = raw.decode("utf-8", "surrogateescape")
    r = winnow.clean(text)
    assert r.text.encode("utf-8", "surrogateescape") == run_cli(CORPUS / "crlf_odd_bytes.txt")[1]
    assert r.text.encode("utf-8", "surrogateescape") == winnow.clean(raw).text


def test_drops_say_which_lines_and_why():
    text = (
        "Share this article\n"
        "\n"
        "The council voted on Tuesday to close the old bridge for repairs this spring.\n"
        "\n"
        "The council voted on Tuesday to close the old bridge for repairs this spring.\n"
    )
    r = winnow.clean(text)
    assert r.text == "The council voted on Tuesday to close the old bridge for repairs this spring.\n"
    by_line = {d.line: d for d in r.drops}
    assert by_line[1].reason == "share" and by_line[1].lines == 1
    assert by_line[1].text == "Share this article\n"
    assert by_line[1].of_line is None and by_line[1].similarity is None
    dup = by_line[5]
    assert dup.reason == "near-duplicate" and dup.of_line == 3 and dup.similarity == 1.0
    assert r.lines_in == 3 and r.lines_out == 1 and r.analysed


def test_options_have_the_command_lines_effect():
    path = CORPUS / "issue_example.txt"
    assert winnow.clean(path.read_bytes(), no_rules=True).text == \
        (CORPUS / "issue_example.no-rules.expected").read_bytes()
    cases = [
        (dict(threshold=0.3, jaccard=0.5), ["--threshold", "0.3", "--jaccard", "0.5"]),
        (dict(disable=["line-model", "share"]), ["--disable", "line-model,share"]),
        (dict(disable="navigation", keep_title=False), ["--disable", "navigation", "--keep-title", "false"]),
        (dict(no_dedup=True, no_default_rules=True), ["--no-dedup", "--no-default-rules"]),
        (dict(shingle=2, containment=0.6, max_growth=5), ["--shingle", "2", "--containment", "0.6", "--max-growth", "5"]),
    ]
    for path in (CORPUS / "tabloid_news.txt", CORPUS / "duplicate_paragraphs.txt"):
        for kwargs, args in cases:
            rc, out, _ = run_cli(*args, path)
            assert rc == 0
            assert winnow.clean(path.read_bytes(), **kwargs).text == out, (kwargs, path)


def test_rules_file_option(tmp_path):
    rules = tmp_path / "mine.rules"
    rules.write_text("weather  literal  weather forecast\n")
    text = "Weather forecast\n\nThe mayor opened the new library on Main Street this morning.\n"
    r = winnow.clean(text, rules=rules, no_default_rules=True, no_rules=False)
    assert [d.reason for d in r.drops] == ["weather"]
    rc, out, _ = run_cli("--rules", rules, "--no-default-rules", stdin=text.encode())
    assert out == r.text.encode()


@pytest.mark.parametrize("kwargs,args", [
    (dict(shingle=0), ["--shingle", "0"]),
    (dict(containment=2), ["--containment", "2"]),
    (dict(max_growth=0.5), ["--max-growth", "0.5"]),
    (dict(threshold=-3), ["--threshold", "-3"]),
    (dict(jaccard="abc"), ["--jaccard", "abc"]),
    (dict(threads=300), ["--threads", "300"]),
    (dict(keep_title="maybe"), ["--keep-title", "maybe"]),
    (dict(disable="no-such-rule"), ["--disable", "no-such-rule"]),
    (dict(rules="/nonexistent/x.rules"), ["--rules", "/nonexistent/x.rules"]),
])
def test_bad_options_raise_the_command_lines_message(kwargs, args):
    rc, _, err = run_cli(*args, stdin=b"text\n")
    assert rc == 2
    with pytest.raises(winnow.OptionError) as e:
        winnow.clean("text\n", **kwargs)
    assert err == "winnow: " + str(e.value) + "\n"
    assert isinstance(e.value, ValueError) and isinstance(e.value, winnow.Error)


@pytest.mark.parametrize("kwargs,message", [
    (dict(min_wrds=3), "unknown option 'min_wrds'"),
    (dict(explain=True), "--explain: an option of the command line only"),
    (dict(format="jsonl"), "--format: an option of the command line only"),
    (dict(doc_threshold=0.5), "--doc-threshold: works on document streams"),
    (dict(index="x.idx"), "--index: works on document streams"),
    (dict(threshold=True), "--threshold: expected a number, not bool"),
    (dict(shingle=2.5), "--shingle: expected an integer, not float"),
    (dict(shingle="2.5"), "--shingle: '2.5' is not an integer"),
    (dict(no_dedup=1), "--no-dedup: expected True or False, not int"),
    (dict(rules=3), "--rules: expected a string or a list of strings, not int"),
    (dict(rules=[3]), "--rules: expected a string, not int"),
])
def test_options_refused_in_python(kwargs, message):
    with pytest.raises(ValueError, match=message):
        winnow.clean("text\n", **kwargs)


def test_flag_false_is_the_default():
    text = (CORPUS / "duplicate_paragraphs.txt").read_bytes()
    assert winnow.clean(text, no_dedup=False).text == winnow.clean(text).text
    assert winnow.clean(text, no_dedup=True).text != winnow.clean(text).text


def test_options_table_matches_the_help():
    rc, help_text, _ = run_cli("--help")
    opts = winnow.options()
    for name, o in opts.items():
        assert o["flag"] in help_text.decode()
        if o["default"] and o["kind"] not in ("flag", "list"):
            assert f"(default: {o['default']})" in help_text.decode().replace("\n", " ").replace("  ", " ") \
                or o["default"] in help_text.decode()
    assert opts["shingle"]["default"] == "3"
    assert opts["index"]["scope"] == "stream" and opts["explain"]["scope"] == "command-line"


def test_document_over_max_document_bytes_passes_through_unanalysed():
    text = "Share this article\n" * 100
    r = winnow.clean(text, max_document_bytes=100)
    assert r.text == text and not r.analysed and r.drops == []
    assert winnow.clean(text).text == ""


def test_version_is_the_binarys():
    _, out, _ = run_cli("--version")
    assert out.decode() == f"winnow {winnow.__version__}\n"


def test_wrong_type_of_text():
    with pytest.raises(TypeError):
        winnow.clean(42)


# --- clean_batch: many documents across threads ---------------------------

def test_batch_is_the_serial_result_for_every_thread_count():
    texts = [p.read_bytes() for p in DOCUMENTS] * 5
    texts.insert(3, b"")
    texts.append("caf\u00e9 society\n")
    serial = [winnow.clean(t) for t in texts]
    for threads in (1, 2, 4, 8):
        batch = winnow.clean_batch(texts, threads=threads)
        assert [r.text for r in batch] == [r.text for r in serial]
        assert [r.explain() for r in batch] == [r.explain() for r in serial]
    assert winnow.clean_batch([]) == []
    assert [r.text for r in winnow.clean_batch(iter(texts[:3]))] == [r.text for r in serial[:3]]


def _whole(r):
    return (r.text, r.analysed, r.lines_in, r.lines_out, r.explain(),
            [(d.line, d.lines, d.reason, d.of_line, d.similarity, d.text) for d in r.drops])


def test_batch_documents_stay_apart_whatever_their_size_and_ends():
    # Documents without a final newline, empty ones and ones over
    # max_document_bytes, mixed among ordinary ones: each Result is that
    # document's own, as clean() gives it, on any number of threads (the
    # command line puts a newline between two documents' texts; a Result
    # never gets one).
    body = (CORPUS / "tabloid_news.txt").read_bytes()
    texts = []
    for i, path in enumerate(DOCUMENTS * 3):
        t = path.read_bytes()
        texts.append(t.rstrip(b"\n") if i % 3 == 0 else t)
        if i % 4 == 1:
            texts.append(b"")
        if i % 5 == 2:
            texts.append(body * 3)  # over the limit below: passed through
    limit = len(body) * 2
    serial = [winnow.clean(t, max_document_bytes=limit) for t in texts]
    line = b"The council voted on Tuesday to close the old bridge for repairs this spring."
    texts[5:5] = [line, line + b"\n", line]
    serial[5:5] = [winnow.clean(t) for t in texts[5:8]]
    assert [r.text for r in serial[5:8]] == [line, line + b"\n", line]
    big = [(t, r) for t, r in zip(texts, serial) if len(t) > limit]
    assert len(big) >= 6 and all(r.text == t and not r.analysed and not r.drops for t, r in big)
    for threads in (1, 3):
        batch = winnow.Cleaner(max_document_bytes=limit, threads=threads).clean_batch(texts)
        assert [_whole(r) for r in batch] == [_whole(r) for r in serial], threads


def test_gil_is_released_while_cpp_works():
    texts = [p.read_bytes() for p in DOCUMENTS] * 300
    span = {}
    def work():
        span["start"] = time.monotonic()
        winnow.clean_batch(texts, threads=1)
        span["end"] = time.monotonic()
    ticks = []
    t = threading.Thread(target=work)
    t.start()
    while t.is_alive():
        ticks.append(time.monotonic())
        time.sleep(0.001)
    t.join()
    duration = span["end"] - span["start"]
    inside = [x for x in ticks if span["start"] + 0.1 * duration < x < span["end"] - 0.1 * duration]
    # With the GIL held for the whole call, this thread could not run inside it.
    assert duration > 0.05
    assert len(inside) >= 3, (duration, len(inside))


def test_cleaner_objects_are_reusable_and_thread_safe():
    c = winnow.Cleaner(threshold=0.4, threads=2)
    texts = [p.read_bytes() for p in DOCUMENTS]
    expected = [winnow.clean(t, threshold=0.4).text for t in texts]
    results = [None] * 4
    def work(i):
        results[i] = [r.text for r in c.clean_batch(texts)]
    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results)


def test_cleaner_pickles_for_worker_processes():
    import pickle
    c = winnow.Cleaner(no_rules=True, disable=["share"])
    c2 = pickle.loads(pickle.dumps(c))
    assert c2.options == {"no_rules": True, "disable": ["share"]}
    text = (CORPUS / "tabloid_news.txt").read_bytes()
    assert c2.clean(text).text == c.clean(text).text != winnow.clean(text).text


def test_results_pickle_for_process_pools():
    import multiprocessing
    import pickle
    texts = [(CORPUS / "tabloid_news.txt").read_bytes(), (CORPUS / "crlf_odd_bytes.txt").read_bytes(),
             (CORPUS / "german_article.txt").read_text(encoding="utf-8")]
    here = [winnow.clean(t) for t in texts]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        there = pool.map(winnow.clean, texts)
    for a, b in zip(here, there):
        assert type(a.text) is type(b.text) and a.text == b.text
        assert a.explain("x") == b.explain("x") and a.lines_out == b.lines_out
        assert [(d.line, d.lines, d.reason, d.of_line, d.similarity, d.text) for d in a.drops] == \
            [(d.line, d.lines, d.reason, d.of_line, d.similarity, d.text) for d in b.drops]
    d = winnow.Stream().process([{"text": texts[2], "id": 1}])[0]
    d2 = pickle.loads(pickle.dumps(d))
    assert (d2.record, d2.keep, d2.text, d2.ordinal, len(d2.drops)) == (d.record, d.keep, d.text, d.ordinal, len(d.drops))


# --- streams: repeated lines and near-duplicate documents -----------------

NEWS = CORPUS / "streams" / "news.jsonl"


def cli_stream(*args, stdin):
    rc, out, err = run_cli("--format", "jsonl", *args, stdin=stdin)
    assert rc == 0, err
    return out


def test_stream_decisions_are_the_command_lines():
    records = [json.loads(line) for line in NEWS.read_text(encoding="utf-8").splitlines()]
    decisions = list(winnow.stream(records, threads=2))
    assert len(decisions) == len(records)
    kept = [d for d in decisions if d.keep]
    rc, cli_out, _ = run_cli("--format", "jsonl", NEWS)
    out = [json.loads(line) for line in cli_out.decode("utf-8").splitlines()]
    assert [d.record.get("id") for d in kept] == [o.get("id") for o in out]
    assert [d.text for d in kept] == [o.get("text") for o in out]
    dropped = {d.ordinal: (d.reason, d.duplicate_of) for d in decisions if not d.keep}
    # corpus/streams/README.md: 3 and 4 copy 1, 10 is all boilerplate, 12 copies 11.
    assert dropped == {3: ("near-duplicate-document", 1), 4: ("near-duplicate-document", 1),
                       10: ("empty", None), 12: ("near-duplicate-document", 11)}
    assert decisions[2].similarity == 1.0
    meta = decisions[6]
    assert meta.keep and not meta.analysed and meta.text is None and meta.record is records[6]


def test_stream_of_strings_and_thread_counts():
    records = [json.loads(line)["text"] for line in NEWS.read_text(encoding="utf-8").splitlines()
               if "text" in json.loads(line)]
    runs = [[(d.keep, d.reason, d.text) for d in winnow.stream(records, threads=j, batch=b)]
            for j, b in ((1, 1024), (4, 1024), (2, 3))]
    assert runs[0] == runs[1] == runs[2]


def test_stream_index_file_is_the_command_lines(tmp_path):
    lines = NEWS.read_bytes().splitlines(keepends=True)
    whole = cli_stream(stdin=b"".join(lines))
    first, second = lines[:6], lines[6:]
    # Python saves the index after the first half; the command line goes on.
    idx = tmp_path / "py.idx"
    list(winnow.stream([json.loads(l) for l in first], index=str(idx)))
    assert idx.exists()
    out2 = cli_stream("--index", idx, stdin=b"".join(second))
    assert cli_stream(stdin=b"".join(first)) + out2 == whole
    # The command line saves it; Python goes on.
    idx2 = tmp_path / "cli.idx"
    cli_stream("--index", idx2, stdin=b"".join(first))
    decisions = list(winnow.stream([json.loads(l) for l in second], index=idx2))
    kept_ids = [d.record.get("id") for d in decisions if d.keep]
    assert kept_ids == [json.loads(l).get("id") for l in out2.splitlines()]
    # Ordinals go on from the first run: record 12 duplicates record 11.
    assert [(d.ordinal, d.duplicate_of) for d in decisions if d.duplicate_of] == [(12, 11)]
    # ... and the command line's run names record 11 by its id and url.
    named = [(d.duplicate_of_id, d.duplicate_of_url) for d in decisions if d.duplicate_of]
    eleventh = json.loads(lines[10])
    assert named == [(json.dumps(eleventh["id"]), eleventh["url"])]


def test_stream_repeated_lines_across_records():
    body = "Paragraph {} tells its own story about the harbour and the people who work there."
    texts = [f"Menu Home News Sport\n\n{body.format(i)} " + "x" * i + "\n" for i in range(14)]
    # Pages of one site (a line is counted per site; without urls a lone
    # line recurring is content, see below).
    records = [{"url": f"https://harbour.example/{i}", "text": t} for i, t in enumerate(texts)]
    decisions = list(winnow.stream(records, repeat_documents=3, no_doc_dedup=True))
    menu_dropped = [any(d.reason == "repeated-line" for d in dec.drops) for dec in decisions]
    # Seen in 3 earlier documents from the 4th on (the short menu line is
    # judged first by the line rules, which may drop it already).
    for i, dec in enumerate(decisions):
        assert ("Menu Home" in dec.text) == (i < 3 and "Menu Home" in winnow.clean(texts[i]).text)
    assert not any(menu_dropped[:3])
    # Without urls the menu line alone is kept wherever the line rules keep it.
    plain = list(winnow.stream(texts, repeat_documents=3, no_doc_dedup=True))
    assert not any(d.reason == "repeated-line" for dec in plain for d in dec.drops)


def test_stream_errors(tmp_path):
    bad = tmp_path / "bad.idx"
    bad.write_bytes(b"not an index at all")
    rc, _, err = run_cli("--format", "jsonl", "--index", bad, stdin=b'{"text":"a"}\n')
    assert rc != 0
    with pytest.raises(winnow.Error) as e:
        winnow.Stream(index=str(bad))
    assert str(e.value) in err
    with pytest.raises(TypeError):
        list(winnow.stream([{"text": 3}]))
    with pytest.raises(winnow.OptionError, match="--repeat-documents: must be"):
        winnow.Stream(repeat_documents=0)
    with pytest.raises(winnow.OptionError, match="no index file"):
        winnow.Stream().save()


def test_stream_stats():
    s = winnow.Stream()
    s.process([json.loads(l) for l in NEWS.read_text(encoding="utf-8").splitlines()])
    st = s.stats
    assert st["records"] == 12 and st["documents_in"] == 11 and st["passed_through"] == 1
    assert st["dropped_documents"] == {"near-duplicate-document": 3, "empty": 1}


def test_stream_save_to_a_path_and_load(tmp_path):
    records = [json.loads(l) for l in NEWS.read_text(encoding="utf-8").splitlines()]
    s = winnow.Stream()
    s.process(records[:3])
    s.save(tmp_path / "a.idx")  # a PathLike
    again = list(winnow.stream(records[:3], index=tmp_path / "a.idx"))
    # Every document is now a near-duplicate of itself as seen before.
    assert [d.reason for d in again if d.analysed] == ["near-duplicate-document"] * 3
    assert [d.duplicate_of for d in again if d.analysed] == [1, 2, 1]
    # Named by the ids of the first run's records, from the names file
    # save() wrote beside the index.
    ids = [json.dumps(r["id"]) for r in records[:2]]
    assert [d.duplicate_of_id for d in again if d.analysed] == [ids[0], ids[1], ids[0]]
    assert (tmp_path / "a.idx.names").exists()


# --- README's examples ----------------------------------------------------

def readme_block(marker):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in text.split("```python\n")[1:]:
        code = block.split("```")[0]
        if marker in code:
            return code
    raise AssertionError(f"README has no python block with {marker!r}")


def test_readme_datatrove_style_filter():
    namespace = {}
    exec(readme_block("class WinnowFilter"), namespace)

    class Document:  # what datatrove's Document has that the filter uses
        def __init__(self, text):
            self.text, self.metadata = text, {}

    f = namespace["WinnowFilter"](threshold=0.5)
    doc = Document((CORPUS / "tabloid_news.txt").read_text(encoding="utf-8"))
    assert f.filter(doc) is True
    assert doc.text.encode() == run_cli(CORPUS / "tabloid_news.txt")[1]
    assert ("share" in {reason for _, _, reason in doc.metadata["winnow_drops"]})
    empty = Document((CORPUS / "all_boilerplate.txt").read_text(encoding="utf-8"))
    assert f.filter(empty) is False


def test_readme_datasets_map_function():
    code = readme_block("def clean(batch)")
    # Only the function: the lines that load a dataset need the datasets package.
    code = code.split("ds = ")[0].replace("import datasets\n", "")
    namespace = {}
    exec(code, namespace)
    texts = [(CORPUS / f"{name}.txt").read_text(encoding="utf-8")
             for name in ("tabloid_news", "german_article", "recipe", "all_boilerplate")]
    out = namespace["clean"]({"text": texts})
    assert out["text"] == [winnow.clean(t).text for t in texts]
    assert out["dropped_lines"] == [sum(d.lines for d in winnow.clean(t).drops) for t in texts]


def test_stream_record_over_max_document_bytes_passes_through():
    big = "Share this article\n" * 20
    small = "The harbour master said the new quay would open in the spring of next year.\n"
    s = winnow.Stream(max_document_bytes=100)
    d = s.process([big, {"text": small, "id": 7}, big.encode()])
    assert [x.keep for x in d] == [True, True, True]
    assert d[0].text == big and not d[0].analysed and d[0].drops == []
    assert d[1].analysed and d[1].text == small and d[1].ordinal == 2
    assert d[2].text == big.encode() and not d[2].analysed
    assert s.stats["too_large"] == 2


def test_clean_reuses_the_cleaner_of_the_same_options():
    a = winnow._cleaner({"threshold": 0.3, "disable": ["share"]})
    assert winnow._cleaner({"disable": ["share"], "threshold": 0.3}) is a
    assert winnow._cleaner({"threshold": 0.4, "disable": ["share"]}) is not a


def test_stream_index_is_locked_as_the_command_lines(tmp_path):
    idx = tmp_path / "x.idx"
    records = [json.loads(l) for l in NEWS.read_text(encoding="utf-8").splitlines()]
    s = winnow.Stream(index=idx)
    with pytest.raises(winnow.Error, match="in use by another winnow run"):
        winnow.Stream(index=idx)
    rc, _, err = run_cli("--format", "jsonl", "--index", idx, stdin=NEWS.read_bytes())
    assert rc != 0 and "in use by another winnow run" in err
    s.process(records)
    s.save()
    s.close()
    with pytest.raises(winnow.Error, match="closed"):
        s.process(records)
    # Free again: the command line continues the index Python saved.
    rc, out, err = run_cli("--format", "jsonl", "--index", idx, stdin=NEWS.read_bytes())
    assert rc == 0 and out.count(b"\n") == 1  # only the record without text is new
    with winnow.Stream(index=idx) as again:
        assert [d.keep for d in again.process(records[:1])] == [False]
    # The with block saved and unlocked it.
    rc, _, err = run_cli("--format", "jsonl", "--index", idx, stdin=b"")
    assert rc == 0, err


def test_stream_generator_closed_early_leaves_the_index_unsaved(tmp_path):
    idx = tmp_path / "y.idx"
    records = [json.loads(l) for l in NEWS.read_text(encoding="utf-8").splitlines()]
    gen = winnow.stream(records, index=idx, batch=2)
    next(gen)
    gen.close()
    assert not idx.exists()
    list(winnow.stream(records, index=idx))  # the lock was released
    assert idx.exists()
