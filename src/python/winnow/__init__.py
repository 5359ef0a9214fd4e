"""winnow: boilerplate and near-duplicate removal for text corpora.

The same C++ library as the ``winnow`` command, with the same options:
keyword arguments named as the command line's long options, with
underscores for dashes (``max_growth=5`` is ``--max-growth 5``), the same
defaults, the same checks and messages. A bad option raises
``winnow.OptionError`` (a ``ValueError`` and a ``winnow.Error``); any other
failure (an unreadable index file) raises ``winnow.Error``.

Documents::

    r = winnow.clean(text, threshold=0.4)
    r.text                       # the kept lines, byte for byte
    for d in r.drops:            # what was dropped, and why
        print(d.line, d.lines, d.reason, d.of_line, d.similarity)
    print(r.explain("page.txt"), end="")  # the lines of --explain

    results = winnow.clean_batch(texts, threads=4)  # in order, as clean() would

A ``Cleaner`` keeps its compiled rules between calls; ``clean`` and
``clean_batch`` reuse one for the same options.

Streams (repeated lines and near-duplicate documents across records, with
the ``--index`` file of the command line)::

    for d in winnow.stream(records, index="crawl.idx"):
        if d.keep:
            write(d.record, d.text)

Records are str, bytes or dicts (the document in ``text_field``, "text" by
default; a dict without it is passed through). The GIL is released while
C++ works, and results are the same for every thread count.
"""

from ._winnow import (  # noqa: F401
    Cleaner,
    Decision,
    Drop,
    Error,
    OptionError,
    Result,
    Stream,
    __version__,
    options,
)

__all__ = [
    "Cleaner", "Decision", "Drop", "Error", "OptionError", "Result", "Stream",
    "clean", "clean_batch", "options", "stream", "__version__",
]

_cached_key = None
_cached_cleaner = None


def _key(kwargs):
    # Values as the user gave them: lists become tuples so they can be keys.
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()))


def _cleaner(kwargs):
    """One Cleaner per set of options: rules are compiled once, not per call."""
    global _cached_key, _cached_cleaner
    try:
        key = _key(kwargs)
        hash(key)
    except TypeError:
        return Cleaner(**kwargs)
    if key != _cached_key or _cached_cleaner is None:
        cleaner = Cleaner(**kwargs)
        _cached_key, _cached_cleaner = key, cleaner
    return _cached_cleaner


def clean(text, **options):
    """Cleans one document (str or bytes); returns a Result.

    Result.text is the kept lines (same type as `text`), Result.drops the
    decisions (line, lines, reason, of_line, similarity, text), and
    Result.explain(where) the lines ``winnow --explain`` prints.
    """
    return _cleaner(options).clean(text)


def clean_batch(texts, **options):
    """Cleans a list of documents across `threads` threads (0, the default:
    every core); returns their Results in order, the same as clean() gives
    for each."""
    return _cleaner(options).clean_batch(texts)


def stream(records, batch=1024, **options):
    """Runs the stream stages over an iterable of records, yielding one
    Decision per record, in order.

    With ``index=PATH``, the cross-document state is loaded from PATH if it
    exists and saved there once the records are exhausted (the command
    line's --index file: each reads the other's), and PATH is locked
    meanwhile, so a second run on it fails at once (or waits, with
    ``index_wait=True``). Records are taken `batch` at a time.
    """
    # The index stays locked from the load to the save, as in a command-line
    # run; a generator closed early (or an exception) leaves it unsaved.
    with Stream(**options) as s:
        chunk = []
        for record in records:
            chunk.append(record)
            if len(chunk) >= batch:
                yield from s.process(chunk)
                chunk = []
        if chunk:
            yield from s.process(chunk)
