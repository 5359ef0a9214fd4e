"""The Dask driver (winnow_dask) and the GNU parallel recipe against one run.

Run with Debian's interpreter, which sees python3-distributed:
    WINNOW_BIN=build/winnow PYTHONPATH=src/python /usr/bin/python3 -m pytest tests/cluster
Small inputs (400 documents), so the whole file takes about a minute on two
cores.
"""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "src", "python"))

import winnow_dask  # noqa: E402
from distributed import LocalCluster  # noqa: E402

WINNOW = os.path.abspath(os.environ.get("WINNOW_BIN", os.path.join(ROOT, "build", "winnow")))
OPTIONS = ["--format", "jsonl"]


def make_shards(folder, shards, documents=400):
    subprocess.run([sys.executable, os.path.join(HERE, "make_shards.py"), str(folder), str(shards),
                    str(documents)], check=True)
    return [os.path.join(folder, "shard-%03d.jsonl" % i) for i in range(shards)]


def winnow(*args, stdin=None):
    return subprocess.run([WINNOW] + list(args), check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, stdin=stdin).stdout


def joined(paths):
    out = b""
    for p in paths:
        with open(p, "rb") as f:
            out += f.read()
    return out


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """One run over the concatenated stream: output, annotated rejects, annotations."""
    folder = tmp_path_factory.mktemp("single")
    make_shards(folder, 1)
    stream = str(folder / "all.jsonl")
    rejects = str(folder / "rejects.jsonl")
    out = winnow(*OPTIONS, "--rejects", rejects, "--annotate-rejects", stream)
    with open(rejects, "rb") as f:
        rej = f.read()
    annotated = winnow(*OPTIONS, "--annotate", stream)
    assert b'"reason":"near-duplicate-document"' in rej and b'"reason":"empty"' in rej
    assert b'"repeated-line"' in annotated
    return {"stream": stream, "out": out, "rejects": rej, "annotated": annotated}


@pytest.fixture(scope="module", params=[1, 3], ids=["1-worker", "3-workers"])
def cluster(request):
    with LocalCluster(n_workers=request.param, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as c:
        yield c


def test_sixteen_shards_three_workers(tmp_path, single):
    """16 shards on a LocalCluster of 3 worker processes (the default)."""
    shards = make_shards(tmp_path / "in", 16)
    assert joined(shards) == open(single["stream"], "rb").read()
    r = winnow_dask.run(shards, tmp_path / "out", options=OPTIONS, annotate="rejects", rejects=True,
                        workers=3, binary=WINNOW, quiet=True)
    assert joined(r.outputs) == single["out"]
    assert joined(r.rejects) == single["rejects"]
    r = winnow_dask.run(shards, tmp_path / "ann", options=OPTIONS, annotate=True, workers=3,
                        binary=WINNOW, quiet=True)
    assert joined(r.outputs) == single["annotated"]


@pytest.mark.parametrize("shards", [1, 4, 7])
def test_shards_and_workers(tmp_path, single, cluster, shards):
    paths = make_shards(tmp_path / "in", shards)
    r = winnow_dask.run(paths, tmp_path / "out", options=OPTIONS, annotate=True,
                        scheduler=cluster.scheduler_address, binary=WINNOW, quiet=True)
    assert len(r.outputs) == shards
    assert joined(r.outputs) == single["annotated"]
    r = winnow_dask.run(paths, tmp_path / "rejects", options=OPTIONS, annotate="rejects", rejects=True,
                        scheduler=cluster.scheduler_address, binary=WINNOW, quiet=True)
    assert joined(r.outputs) == single["out"]
    assert joined(r.rejects) == single["rejects"]


@pytest.mark.parametrize("stage", ["sign:3", "apply:5", "decide:1"])
def test_worker_killed_in_the_middle_of_a_stage(tmp_path, single, stage, monkeypatch):
    """The worker process dies while its winnow runs: the task is run again
    elsewhere, and the result is unchanged."""
    mark = tmp_path / "killed"
    monkeypatch.setenv("WINNOW_DASK_KILL", stage)
    monkeypatch.setenv("WINNOW_DASK_KILL_MARK", str(mark))
    paths = make_shards(tmp_path / "in", 8)
    # What a winnow killed while writing its rejects or facts leaves (the
    # kill may come before winnow made one; these always are).
    for folder, name in (("rejects", "part-00002-of-00008.jsonl.Ab12Cd.tmp"),
                         ("facts", "part-00002-of-00008.facts.Ef34Gh.tmp")):
        (tmp_path / "out" / folder).mkdir(parents=True)
        (tmp_path / "out" / folder / name).write_bytes(b'{"text": "half a rec')
    r = winnow_dask.run(paths, tmp_path / "out", options=OPTIONS, annotate="rejects", rejects=True,
                        workers=2, binary=WINNOW, quiet=True, save_state=True)
    assert mark.exists(), "the hook did not kill a worker"
    assert joined(r.outputs) == single["out"]
    assert joined(r.rejects) == single["rejects"]
    for folder in ("output", "rejects", "facts"):
        assert not [n for n in os.listdir(tmp_path / "out" / folder) if ".tmp" in n], folder


def test_incremental_run_on_an_earlier_runs_state(tmp_path, single):
    """Shards 1-3, then shards 4-7 on the first run's state: together, the
    output of one run over all seven (new data decided against old without
    recomputing it)."""
    paths = make_shards(tmp_path / "in", 7)
    first = winnow_dask.run(paths[:3], tmp_path / "first", options=OPTIONS, save_state=True,
                            workers=2, binary=WINNOW, quiet=True)
    second = winnow_dask.run(paths[3:], tmp_path / "second", options=OPTIONS, index=first.state,
                             annotate=True, workers=2, binary=WINNOW, quiet=True)
    expected_second = [l for l in single["annotated"].splitlines(keepends=True)]
    first_records = sum(open(p, "rb").read().count(b"\n") for p in paths[:3])
    assert joined(first.outputs) == single["out"][:len(joined(first.outputs))]
    assert joined(second.outputs) == b"".join(expected_second[first_records:])
    # The state given is left as it was: the run can be retried.
    assert os.path.exists(first.state)


def test_single_run_index_continued_by_a_cluster_run(tmp_path, single):
    """A single run's --index file as the earlier documents of a cluster run."""
    paths = make_shards(tmp_path / "in", 6)
    index = str(tmp_path / "single.idx")
    head = winnow(*OPTIONS, "--index", index, *paths[:2])
    r = winnow_dask.run(paths[2:], tmp_path / "out", options=OPTIONS, index=index, workers=2,
                        binary=WINNOW, quiet=True)
    assert head + joined(r.outputs) == single["out"]


def test_a_failing_stage_fails_the_run_with_winnows_message(tmp_path):
    paths = make_shards(tmp_path / "in", 2)
    with open(paths[1], "a") as f:
        f.write('{"text": broken\n')
    with pytest.raises(winnow_dask.StageFailed) as e:
        winnow_dask.run(paths, tmp_path / "out", options=OPTIONS, workers=1, retries=0,
                        binary=WINNOW, quiet=True)
    assert "shard-001.jsonl: record" in str(e.value)


def test_a_refused_stage_is_not_retried(tmp_path):
    """winnow refusing its files (exit 3) fails the run at once: running the
    stage again on the same files would be refused again."""
    paths = make_shards(tmp_path / "in", 3)
    log = tmp_path / "calls"
    wrapper = tmp_path / "winnow"
    wrapper.write_text('#!/bin/bash\necho "$1 ${!#}" >>%s\n'
                       'if [ "$1" = apply ]; then echo "winnow: x.decisions: refused" >&2; exit 3; fi\n'
                       'exec %s "$@"\n' % (log, WINNOW))
    wrapper.chmod(0o755)
    with pytest.raises(winnow_dask.StageError) as e:
        winnow_dask.run(paths, tmp_path / "out", options=OPTIONS, workers=1, retries=2,
                        binary=str(wrapper), quiet=True)
    assert "x.decisions: refused" in str(e.value)
    calls = log.read_text().splitlines()
    assert len([c for c in calls if c.startswith("sign ")]) == 3
    applied = [c for c in calls if c.startswith("apply ")]
    assert applied and len(set(applied)) == len(applied), calls  # no part's apply run twice


def test_gnu_parallel_recipe(tmp_path, single):
    """tools/winnow-parallel.sh: the same stages with GNU parallel, no Python."""
    paths = make_shards(tmp_path / "in", 7)
    out = tmp_path / "out"
    subprocess.run(["bash", os.path.join(ROOT, "tools", "winnow-parallel.sh"), "-P", "3", "--rejects",
                    "--annotate-rejects", str(out)] + paths + ["--"] + OPTIONS,
                   check=True, env=dict(os.environ, WINNOW_BIN=WINNOW), stderr=subprocess.PIPE)
    outputs = sorted(os.path.join(out, "output", n) for n in os.listdir(out / "output"))
    rejects = sorted(os.path.join(out, "rejects", n) for n in os.listdir(out / "rejects"))
    assert len(outputs) == 7
    assert joined(outputs) == single["out"]
    assert joined(rejects) == single["rejects"]
    # 16 shards with --annotate: every record with its decision.
    paths = make_shards(tmp_path / "in16", 16)
    out = tmp_path / "annotated"
    subprocess.run(["bash", os.path.join(ROOT, "tools", "winnow-parallel.sh"), "-P", "3", "--annotate",
                    str(out)] + paths + ["--"] + OPTIONS,
                   check=True, env=dict(os.environ, WINNOW_BIN=WINNOW), stderr=subprocess.PIPE)
    outputs = sorted(os.path.join(out, "output", n) for n in os.listdir(out / "output"))
    assert len(outputs) == 16
    assert joined(outputs) == single["annotated"]


def test_a_scheduler_started_apart_whose_workers_lack_the_package(tmp_path, single):
    """`dask scheduler` and `dask worker` started as a user starts them on a
    cluster, with no winnow_dask on the workers' Python path: the tasks go
    to them by value; the output is one run's, and a refused stage fails
    the run with winnow's message, as a StageError."""
    import json
    import time

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    started = []
    address_file = tmp_path / "scheduler.json"
    try:
        started.append(subprocess.Popen(
            ["/usr/bin/python3", "-m", "distributed.cli.dask_scheduler", "--port", "0",
             "--dashboard-address", ":0", "--scheduler-file", str(address_file)],
            cwd=str(tmp_path), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 60
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(address_file.read_text())["address"]
        started.append(subprocess.Popen(
            ["/usr/bin/python3", "-m", "distributed.cli.dask_worker", address, "--nworkers", "2",
             "--nthreads", "1", "--no-dashboard"],
            cwd=str(tmp_path), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        probe = subprocess.run(["/usr/bin/python3", "-c", "import winnow_dask"], cwd=str(tmp_path), env=env,
                               stderr=subprocess.DEVNULL)
        assert probe.returncode != 0, "the workers' interpreter sees winnow_dask: the test means little"
        paths = make_shards(tmp_path / "in", 5)
        r = winnow_dask.run(paths, tmp_path / "out", options=OPTIONS, annotate="rejects", rejects=True,
                            scheduler=address, binary=WINNOW, quiet=True)
        assert joined(r.outputs) == single["out"]
        assert joined(r.rejects) == single["rejects"]
        with open(paths[1], "a") as f:
            f.write('{"text": broken\n')
        with pytest.raises(winnow_dask.StageFailed) as e:
            winnow_dask.run(paths, tmp_path / "broken", options=OPTIONS, scheduler=address, retries=0,
                            binary=WINNOW, quiet=True)
        assert "shard-001.jsonl: record" in str(e.value)
        # A refusal (exit 3) comes back as the driver's own StageError.
        from distributed import Client

        with Client(address) as client:
            refused = client.submit(winnow_dask._run, [WINNOW, "apply", *OPTIONS, "--decisions", r.facts[0],
                                                       paths[0]], "apply", 0, pure=False)
            with pytest.raises(winnow_dask.StageError) as e:
                refused.result()
        assert "a facts file where a decisions file is needed" in str(e.value)
    finally:
        for p in reversed(started):
            p.terminate()
            p.wait(timeout=60)


def test_compressed_shards_give_plain_parts_named_as_such(tmp_path, single):
    """gzip shards (000.jsonl.gz): winnow writes plain records, so the parts
    are named .jsonl, not .gz (both drivers); with --compress gzip, .jsonl.gz."""
    import gzip

    paths = make_shards(tmp_path / "in", 4)
    packed = []
    for p in paths:
        with open(p, "rb") as f, gzip.open(p + ".gz", "wb") as g:
            g.write(f.read())
        packed.append(p + ".gz")
    r = winnow_dask.run(packed, tmp_path / "dask", options=OPTIONS, rejects=True, workers=1,
                        binary=WINNOW, quiet=True)
    assert [os.path.basename(p) for p in r.outputs][0] == "part-00001-of-00004.jsonl"
    assert joined(r.outputs) == single["out"]
    out = tmp_path / "parallel"
    subprocess.run(["bash", os.path.join(ROOT, "tools", "winnow-parallel.sh"), "-P", "2", "--rejects",
                    str(out)] + packed + ["--"] + OPTIONS + ["--compress", "gzip"],
                   check=True, env=dict(os.environ, WINNOW_BIN=WINNOW), stderr=subprocess.PIPE)
    outputs = sorted(os.listdir(out / "output"))
    assert outputs[0] == "part-00001-of-00004.jsonl.gz"
    assert sorted(os.listdir(out / "rejects"))[0] == "part-00001-of-00004.jsonl"
    assert b"".join(gzip.decompress((out / "output" / n).read_bytes()) for n in outputs) == single["out"]


def readme_blocks():
    """The code blocks of README's "On a cluster" section, dedented."""
    import re
    import textwrap

    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    section = text[text.index("## On a cluster"):]
    section = section[:section.index("\n## ", 1)]
    return [textwrap.dedent(b) for b in re.findall(r"^ *```[a-z]*\n(.*?)^ *```$", section, re.M | re.S)]


class StandInSparkContext:
    """What winnow_on_spark uses of a SparkContext: parallelize into
    slices, mapPartitions, collect. Partitions run in reverse order, each
    twice (a retried or speculative attempt), as Spark may run them."""

    class RDD:
        def __init__(self, slices, f=None):
            self.slices, self.f = slices, f

        def mapPartitions(self, f):
            return StandInSparkContext.RDD(self.slices, f)

        def collect(self):
            out = []
            for piece in reversed(self.slices):
                list(self.f(iter(piece)))
                out += list(self.f(iter(piece)))
            return out

    def parallelize(self, items, slices):
        n = len(items)
        return self.RDD([items[i * n // slices:(i + 1) * n // slices] for i in range(slices)])


def test_readme_cluster_workflow_as_written(tmp_path, single):
    """README's commands, copied as a user copies them into an empty
    directory holding crawl.jsonl: the loop of stages, the Dask driver, the
    GNU parallel recipe (each says "identical"), and the Spark recipe's
    code on a stand-in SparkContext."""
    blocks = readme_blocks()
    manual = [b for b in blocks if "winnow sign --format jsonl --part" in b]
    dask = [b for b in blocks if "-m winnow_dask --out run/" in b]
    par = [b for b in blocks if "winnow-parallel.sh -P" in b]
    spark = [b for b in blocks if "def winnow_on_spark" in b]
    assert len(manual) == len(dask) == len(par) == len(spark) == 1, "README's cluster blocks changed"
    work = tmp_path / "work"
    work.mkdir()
    os.symlink(single["stream"], work / "crawl.jsonl")
    # A checkout as README's $src: the built binary in build/.
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    os.symlink(os.path.dirname(WINNOW), checkout / "build")
    for name in ("src", "tools"):
        os.symlink(os.path.join(ROOT, name), checkout / name)
    dask_block = "\n".join("src=%s" % checkout if l.startswith("src=") else l for l in dask[0].splitlines())
    script = "\n".join([manual[0], dask_block, par[0]])
    # As a user has it: winnow on PATH, nothing else set.
    env = {k: v for k, v in os.environ.items() if k not in ("WINNOW_BIN", "PYTHONPATH")}
    env["PATH"] = os.path.dirname(WINNOW) + os.pathsep + os.environ["PATH"]
    run = subprocess.run(["bash", "-c", script], cwd=str(work), env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    assert run.stdout.decode().split() == ["identical"] * 3, run.stderr.decode()[-2000:]
    with open(work / "run" / "rejects" / "part-00016-of-00016.jsonl", "rb") as f:
        f.read()  # the Dask run wrote each part's rejects
    shards = sorted(str(p) for p in (work / "shards").iterdir())
    assert len(shards) == 16
    namespace = {}
    exec(spark[0], namespace)
    outputs = namespace["winnow_on_spark"](StandInSparkContext(), shards, str(tmp_path / "spark"), OPTIONS,
                                           winnow=WINNOW)
    assert joined(outputs) == single["out"]
    assert not [n for n in os.listdir(tmp_path / "spark" / "output") if ".tmp" in n]


def test_command_line_with_annotated_rejects(tmp_path, single):
    """python3 -m winnow_dask ... --rejects --annotate-rejects: the parts'
    rejects are the single run's --annotate-rejects file; exit status 0."""
    from winnow_dask.__main__ import main

    paths = make_shards(tmp_path / "in", 3)
    out = tmp_path / "out"
    assert main(["--out", str(out), "--workers", "1", "--quiet", "--binary", WINNOW, "--rejects",
                 "--annotate-rejects"] + paths + ["--"] + OPTIONS) == 0
    rejects = sorted(os.path.join(out, "rejects", n) for n in os.listdir(out / "rejects"))
    outputs = sorted(os.path.join(out, "output", n) for n in os.listdir(out / "output"))
    assert joined(rejects) == single["rejects"]
    assert joined(outputs) == single["out"]


def test_rejects_with_annotate_is_refused_before_any_work(tmp_path):
    """rejects=True with annotate=True would leave empty rejects files
    (every record goes to the output, annotated): refused, nothing made."""
    from winnow_dask.__main__ import main

    paths = make_shards(tmp_path / "in", 2)
    with pytest.raises(ValueError, match="annotate='rejects'"):
        winnow_dask.run(paths, tmp_path / "out", options=OPTIONS, annotate=True, rejects=True,
                        binary=WINNOW, quiet=True)
    assert not (tmp_path / "out").exists()
    with pytest.raises(SystemExit) as e:
        main(["--out", str(tmp_path / "out2"), "--quiet", "--binary", WINNOW, "--rejects", "--annotate"]
             + paths + ["--"] + OPTIONS)
    assert e.value.code == 2
    assert not (tmp_path / "out2").exists()


@pytest.mark.parametrize("stage", ["sign", "apply"])
def test_gnu_parallel_retries_a_killed_job(tmp_path, single, stage):
    """A winnow killed (SIGKILL) in the middle of a sign or apply job of
    tools/winnow-parallel.sh: parallel runs the job again and the result is
    one run's."""
    paths = make_shards(tmp_path / "in", 5)
    mark = tmp_path / "killed"
    wrapper = tmp_path / "winnow"
    # The first time part 3's job runs, winnow starts and is killed.
    wrapper.write_text('#!/bin/bash\n'
                       'if [ "$1" = %s ] && [ "${!#}" = %s ] && mkdir %s 2>/dev/null; then\n'
                       '  %s "$@" & sleep 0.05; kill -9 $! $$\n'
                       'fi\n'
                       'exec %s "$@"\n' % (stage, paths[2], mark, WINNOW, WINNOW))
    wrapper.chmod(0o755)
    out = tmp_path / "out"
    # What a winnow killed while writing leaves: its FILE.XXXXXX.tmp (the
    # kill above may come before or after winnow made one; these always are).
    for folder, name in (("rejects", "part-00003-of-00005.jsonl.Ab12Cd.tmp"),
                         ("facts", "part-00003-of-00005.facts.Ef34Gh.tmp")):
        (out / folder).mkdir(parents=True)
        (out / folder / name).write_bytes(b'{"text": "half a rec')
    run = subprocess.run(["bash", os.path.join(ROOT, "tools", "winnow-parallel.sh"), "-P", "2", "--rejects",
                          "--annotate-rejects", str(out)] + paths + ["--"] + OPTIONS,
                         env=dict(os.environ, WINNOW_BIN=str(wrapper)), stderr=subprocess.PIPE)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    assert mark.exists(), "no job was killed"
    outputs = sorted(os.path.join(out, "output", n) for n in os.listdir(out / "output"))
    rejects = sorted(os.path.join(out, "rejects", n) for n in os.listdir(out / "rejects"))
    assert joined(outputs) == single["out"]
    assert joined(rejects) == single["rejects"]
    assert not [n for n in os.listdir(out / "facts") if n.endswith(".tmp")]


def test_shards_from_a_list(tmp_path, single):
    """Both drivers take the shards' paths from a file (more shards than a
    command line holds): the same bytes as one run."""
    from winnow_dask.__main__ import main

    paths = make_shards(tmp_path / "in", 6)
    listing = tmp_path / "shards.txt"
    listing.write_text("".join(p + "\n" for p in paths))
    out = tmp_path / "dask"
    assert main(["--out", str(out), "--workers", "1", "--quiet", "--binary", WINNOW, "--shards-from",
                 str(listing), "--"] + OPTIONS) == 0
    assert joined(sorted(os.path.join(out, "output", n) for n in os.listdir(out / "output"))) == single["out"]
    out = tmp_path / "parallel"
    subprocess.run(["bash", os.path.join(ROOT, "tools", "winnow-parallel.sh"), "-P", "2", "-a", str(listing),
                    str(out), "--"] + OPTIONS,
                   check=True, env=dict(os.environ, WINNOW_BIN=WINNOW), stderr=subprocess.PIPE)
    outputs = sorted(os.path.join(out, "output", n) for n in os.listdir(out / "output"))
    assert len(outputs) == 6
    assert joined(outputs) == single["out"]
