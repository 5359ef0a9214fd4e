"""winnow_dask: winnow's stages on a Dask distributed cluster.

One call runs ``winnow sign`` on every shard, ``winnow decide`` once over
every part, and ``winnow apply`` on every shard, as Dask tasks::

    import winnow_dask
    result = winnow_dask.run(["crawl/000.jsonl", "crawl/001.jsonl", ...], "out/",
                             options=["--format", "jsonl"], annotate=False,
                             rejects=True, workers=3)
    result.outputs      # out/output/part-00001-of-00016.jsonl, ... in shard order

or from the shell::

    python3 -m winnow_dask --out out/ --workers 3 crawl/*.jsonl -- --format jsonl

Concatenated in shard order, the outputs (and rejects) are byte-identical to
``winnow OPTIONS`` over the concatenated shards, for any number of shards
and workers: the decisions that depend on earlier documents are made once,
in shard order, by ``winnow decide`` (README, "On a cluster").

Tasks exchange files, never data: each task gets paths and returns paths
and sizes, so the folder must be one that every worker sees at the same
path (a shared file system), and so must the shards and the ``winnow``
binary (``binary=``, default ``$WINNOW_BIN`` or ``winnow`` on PATH). Every
stage is idempotent (a stage file is written under a temporary name and
renamed when whole; an output part likewise), so a task that fails, or
whose worker dies, is simply run again (``retries``); a stage that refuses
its input (exit status 3: other options, damaged file, missing part) fails
the run at once with winnow's message.

Without ``scheduler`` the run starts a ``distributed.LocalCluster`` of
``workers`` processes (one thread each; ``threads`` is each winnow's -j)
and closes it at the end; with ``scheduler="tcp://host:8786"`` it uses that
cluster. Only the Python standard library and Debian's python3-distributed
are needed.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

__all__ = ["run", "RunResult", "StageError", "StageFailed"]


class StageFailed(RuntimeError):
    """A stage exited with an error (after its retries)."""


class StageError(StageFailed):
    """A stage refused its input files (winnow exit status 3)."""


class RunResult:
    """What a run wrote: paths in shard order, and the time and bytes of each stage."""

    def __init__(self):
        self.outputs = []
        self.rejects = []
        self.facts = []
        self.decisions = []
        self.state = None  # out_dir/state/index, when saved
        self.seconds = {}
        self.bytes = {}

    def __repr__(self):
        return "RunResult(%d parts, seconds=%r, bytes=%r)" % (len(self.outputs), self.seconds, self.bytes)


def _name(part, parts, suffix):
    return "part-%05d-of-%05d%s" % (part + 1, parts, suffix)


def _suffixes(shard, options):
    """The names' endings of a part's output and rejects: the shard's own
    without a compression suffix (winnow reads gzip and zstd, but writes
    plain records unless --compress asks), e.g. ".jsonl" for
    "000.jsonl.gz"; the output's then ends ".gz" or ".zst" with --compress."""
    name = os.path.basename(shard)
    for packed in (".gz", ".zst", ".zstd"):
        if name.endswith(packed) and len(name) > len(packed):
            name = name[:-len(packed)]
            break
    ext = os.path.splitext(name)[1] or ".out"
    compress = None
    for i, option in enumerate(options):
        if option == "--compress" and i + 1 < len(options):
            compress = options[i + 1]
        elif option.startswith("--compress="):
            compress = option.split("=", 1)[1]
    packed = {"gzip": ".gz", "zstd": ".zst"}.get(compress, "")
    return ext + packed, ext


def _run(command, stage, part, stdout=None):
    """Runs winnow; raises StageError on exit 3, StageFailed on any other failure."""
    with open(os.devnull, "rb") as devnull:
        proc = subprocess.Popen(command, stdin=devnull, stdout=stdout, stderr=subprocess.PIPE)
        _kill_once(stage, part)
        _, err = proc.communicate()
    if proc.returncode != 0:
        message = err.decode("utf-8", "replace").strip()
        cls = StageError if proc.returncode == 3 else StageFailed
        raise cls("%s (exit %d): %s" % (" ".join(command[:2]), proc.returncode, message))
    return err.decode("utf-8", "replace")


def _kill_once(stage, part):
    """Test hook: with WINNOW_DASK_KILL=STAGE:PART (1-based), the worker
    process running that task dies while its winnow runs, the first time
    (WINNOW_DASK_KILL_MARK names the file that says it happened)."""
    spec = os.environ.get("WINNOW_DASK_KILL", "")
    mark = os.environ.get("WINNOW_DASK_KILL_MARK", "")
    if spec != "%s:%d" % (stage, part + 1) or not mark or os.path.exists(mark):
        return
    with open(mark, "w") as f:
        f.write("killed\n")
    time.sleep(0.05)  # the stage under way
    os._exit(9)


def _sign_task(binary, options, threads, shard, part, parts, facts):
    """winnow sign on one shard: returns (facts path, its bytes, seconds)."""
    started = time.monotonic()
    _run([binary, "sign", "-j", str(threads)] + options +
         ["--part", "%d/%d" % (part + 1, parts), "-o", facts, shard], "sign", part)
    return facts, os.path.getsize(facts), time.monotonic() - started


def _decide_task(binary, options, facts, decisions, index, state):
    """winnow decide over every part, in part order. With `state` (a path),
    the run continues the saved state `index` (if any) and saves the new
    one at `state`; each attempt starts from its own copy of `index`, so a
    retry never counts a document twice."""
    started = time.monotonic()
    command = [binary, "decide"] + options + ["-o", decisions]
    attempt = None
    if state:
        attempt = tempfile.mkdtemp(prefix="attempt-", dir=os.path.dirname(state))
        work = os.path.join(attempt, "index")
        if index and os.path.exists(index):
            shutil.copyfile(index, work)
            if os.path.exists(index + ".names"):
                shutil.copyfile(index + ".names", work + ".names")
        command += ["--index", work]
    # The folder, not its files: a crawl's 100,000 paths exceed a command line.
    folders = sorted({os.path.dirname(f) for f in facts})
    _run(command + folders, "decide", 0)
    if attempt:
        # The names first: the index names them by size.
        if os.path.exists(work + ".names"):
            os.replace(work + ".names", state + ".names")
        os.replace(work, state)
        shutil.rmtree(attempt, ignore_errors=True)
    # This run's parts only (the folder may hold another run's, of another count).
    total = sum(os.path.getsize(os.path.join(decisions, _name(p, len(facts), ".decisions")))
                for p in range(len(facts)))
    return total, time.monotonic() - started


def _apply_task(binary, options, apply_options, threads, shard, part, parts, decisions, output,
               rejects):
    """winnow apply on one shard: its output (and rejects) written under a
    temporary name and renamed when whole. Returns (bytes out, seconds)."""
    started = time.monotonic()
    command = [binary, "apply", "-j", str(threads)] + options + apply_options
    command += ["--decisions", os.path.join(decisions, _name(part, parts, ".decisions"))]
    if rejects:
        command += ["--rejects", rejects]
    # Each attempt its own temporary file: a killed attempt's winnow may
    # still be writing its own.
    tmp = "%s.tmp-%d-%s" % (output, os.getpid(), os.urandom(4).hex())
    with open(tmp, "wb") as out:
        _run(command + [shard], "apply", part, stdout=out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, output)
    return os.path.getsize(output), time.monotonic() - started


class _Refused:
    """A stage's refusal (winnow exit status 3), returned by the task rather
    than raised: Dask retries a task that raises, and running a stage again
    on the same files is refused again."""

    def __init__(self, message):
        self.message = message


def _attempt(task, *args):
    """Runs `task`; a refusal comes back as a _Refused value."""
    try:
        return task(*args)
    except StageError as e:
        return _Refused(str(e))


def sign_task(*args):
    return _attempt(_sign_task, *args)


def decide_task(*args):
    return _attempt(_decide_task, *args)


def apply_task(*args):
    return _attempt(_apply_task, *args)


def _send_by_value():
    """The tasks (this module's functions) travel to the workers by value,
    so that the workers of a cluster started elsewhere (`dask worker`)
    need only python3-distributed and the winnow binary, not this package
    on their Python path."""
    try:
        import cloudpickle
        cloudpickle.register_pickle_by_value(sys.modules[__name__])
    except (ImportError, AttributeError):  # cloudpickle before 2.0: by reference
        pass


def _progress(stage, done, total, quiet):
    if not quiet:
        sys.stderr.write("winnow_dask: %s %d/%d\n" % (stage, done, total))
        sys.stderr.flush()


def _gather(client, futures, stage, quiet):
    """Waits for `futures`, reporting progress; results in the futures' order."""
    from distributed import as_completed

    done = 0
    for future in as_completed(futures):
        if future.status == "error":
            # The first failure ends the run (after its retries; a
            # refusal, below, at once), with winnow's own message.
            error = future.exception()
            for other in futures:
                other.cancel()
            raise error
        value = future.result()
        if isinstance(value, _Refused):
            for other in futures:
                other.cancel()
            raise StageError(value.message)
        done += 1
        _progress(stage, done, len(futures), quiet)
    return client.gather(futures)


def run(shards, out_dir, options=(), annotate=False, rejects=False, index=None, save_state=False,
        scheduler=None, workers=3, threads=1, retries=2, binary=None, quiet=False):
    """Runs sign, decide and apply over `shards` (paths, in their global
    order) into `out_dir`:

        out_dir/facts/part-NNNNN-of-MMMMM.facts        winnow sign
        out_dir/decisions/part-NNNNN-of-MMMMM.decisions winnow decide
        out_dir/output/part-NNNNN-of-MMMMM.EXT          winnow apply
        out_dir/rejects/part-NNNNN-of-MMMMM.EXT         with rejects=True

    `options` are winnow's options for every stage (["--format", "jsonl",
    ...]); `annotate` adds --annotate to apply (JSONL), `rejects` writes
    each part's rejects (with --annotate-rejects when `annotate` is
    "rejects"). `index` is the saved state of earlier runs (a single run's
    --index file, or an earlier run's out_dir/state/index): its documents
    come first. With `index` or `save_state`, the state after this run is
    saved to out_dir/state/index (never over `index`, so the run can be
    retried). Returns a RunResult; raises StageError or StageFailed with
    winnow's message when a stage fails."""
    if rejects and annotate is True:
        raise ValueError("rejects=True holds nothing with annotate=True (every record goes to the "
                         "output with its decision); annotate='rejects' annotates the rejects instead")
    from distributed import Client, LocalCluster

    _send_by_value()
    shards = [os.path.abspath(s) for s in shards]
    if not shards:
        raise ValueError("no shards")
    binary = binary or os.environ.get("WINNOW_BIN") or shutil.which("winnow") or "winnow"
    binary = os.path.abspath(binary) if os.sep in binary else binary
    options = list(options)
    out_dir = os.path.abspath(out_dir)
    parts = len(shards)
    folders = {name: os.path.join(out_dir, name)
               for name in ("facts", "decisions", "output", "rejects", "state")}
    state = None
    if index or save_state:
        os.makedirs(folders["state"], exist_ok=True)
        state = os.path.join(folders["state"], "index")
        index = os.path.abspath(index) if index else None
    for name in ("facts", "decisions", "output"):
        os.makedirs(folders[name], exist_ok=True)
    if rejects:
        os.makedirs(folders["rejects"], exist_ok=True)
    ext, rejects_ext = _suffixes(shards[0], options)
    apply_options = []
    if annotate == "rejects":
        apply_options.append("--annotate-rejects")
    elif annotate:
        apply_options.append("--annotate")
    result = RunResult()
    result.facts = [os.path.join(folders["facts"], _name(p, parts, ".facts")) for p in range(parts)]
    result.outputs = [os.path.join(folders["output"], _name(p, parts, ext)) for p in range(parts)]
    if rejects:
        result.rejects = [os.path.join(folders["rejects"], _name(p, parts, rejects_ext))
                          for p in range(parts)]
    result.decisions = [os.path.join(folders["decisions"], _name(p, parts, ".decisions"))
                        for p in range(parts)]

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0")
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        started = time.monotonic()
        # pure=False: a task runs again when asked, never from a cache.
        signed = [client.submit(sign_task, binary, options, threads, shard, p, parts, result.facts[p],
                                retries=retries, pure=False, key="winnow-sign-%d" % p)
                  for p, shard in enumerate(shards)]
        sign_results = _gather(client, signed, "sign", quiet)
        result.seconds["sign"] = time.monotonic() - started
        result.bytes["facts"] = sum(r[1] for r in sign_results)
        result.seconds["sign_tasks"] = sum(r[2] for r in sign_results)

        started = time.monotonic()
        decided = client.submit(decide_task, binary, options, result.facts, folders["decisions"], index,
                                state, retries=retries, pure=False, key="winnow-decide")
        decision_bytes, decide_seconds = _gather(client, [decided], "decide", quiet)[0]
        result.seconds["decide"] = time.monotonic() - started
        result.bytes["decisions"] = decision_bytes

        started = time.monotonic()
        applied = [client.submit(apply_task, binary, options, apply_options, threads, shard, p, parts,
                                 folders["decisions"], result.outputs[p],
                                 result.rejects[p] if rejects else None,
                                 retries=retries, pure=False, key="winnow-apply-%d" % p)
                   for p, shard in enumerate(shards)]
        apply_results = _gather(client, applied, "apply", quiet)
        result.seconds["apply"] = time.monotonic() - started
        result.bytes["output"] = sum(r[0] for r in apply_results)
        result.seconds["apply_tasks"] = sum(r[1] for r in apply_results)
        result.bytes["input"] = sum(os.path.getsize(s) for s in shards)
        result.state = state
        # What killed attempts left behind: the output temporaries of
        # _apply_task, and the FILE.XXXXXX.tmp of a winnow killed while it
        # wrote its rejects or facts.
        for name in os.listdir(folders["output"]):
            if ".tmp-" in name:
                os.remove(os.path.join(folders["output"], name))
        for folder in [folders["facts"]] + ([folders["rejects"]] if rejects else []):
            for name in os.listdir(folder):
                if re.fullmatch(r".+\.[A-Za-z0-9]{6}\.tmp", name):
                    os.remove(os.path.join(folder, name))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return result
