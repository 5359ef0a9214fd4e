"""python3 -m winnow_dask --out DIR [--scheduler ADDR] [--workers N] SHARD... -- [WINNOW OPTIONS]
   python3 -m winnow_dask --out DIR --shards-from LIST ... -- [WINNOW OPTIONS]

Runs winnow's stages over the shards (in the order given) on Dask: see
winnow_dask.run. Prints progress and, at the end, the seconds and bytes of
each stage on standard error; the outputs are DIR/output/part-*-of-*.EXT.
Exit status: 0 ok, 1 a stage failed, 3 a stage refused its files, 2 usage.
"""
import argparse
import sys

import winnow_dask


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    winnow_options = []
    if "--" in argv:
        at = argv.index("--")
        argv, winnow_options = argv[:at], argv[at + 1:]
    ap = argparse.ArgumentParser(prog="python3 -m winnow_dask", description=__doc__.split("\n")[2])
    ap.add_argument("shards", nargs="*", help="input shards, in their global order")
    ap.add_argument("--shards-from", metavar="LIST",
                    help="a file of shard paths, one a line, in their global order (- for stdin): "
                         "more shards than a command line holds")
    ap.add_argument("--out", required=True, help="output folder (seen by every worker)")
    ap.add_argument("--scheduler", help="a Dask scheduler's address (default: a LocalCluster)")
    ap.add_argument("--workers", type=int, default=3, help="LocalCluster worker processes")
    ap.add_argument("--threads", type=int, default=1, help="winnow -j of each task")
    ap.add_argument("--retries", type=int, default=2)
    ap.add_argument("--annotate", action="store_true", help="winnow apply --annotate")
    ap.add_argument("--annotate-rejects", action="store_true",
                    help="winnow apply --annotate-rejects (with --rejects)")
    ap.add_argument("--rejects", action="store_true", help="write each part's rejects")
    ap.add_argument("--index", help="an earlier run's saved state: its documents come first")
    ap.add_argument("--save-state", action="store_true", help="save the state to OUT/state/index")
    ap.add_argument("--binary", help="the winnow binary (default $WINNOW_BIN or winnow on PATH)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    try:
        shards = list(args.shards)
        if args.shards_from:
            with (sys.stdin if args.shards_from == "-" else open(args.shards_from)) as f:
                shards += [line.rstrip("\n") for line in f if line.strip()]
        if not shards:
            ap.error("no shards: give SHARD... or --shards-from LIST")
        if args.annotate and args.annotate_rejects:
            ap.error("--annotate and --annotate-rejects exclude each other")
        if args.annotate and args.rejects:
            ap.error("--rejects holds nothing with --annotate (every record goes to the output with "
                     "its decision); --annotate-rejects annotates the rejects instead")
        annotate = "rejects" if args.annotate_rejects else args.annotate
        result = winnow_dask.run(shards, args.out, options=winnow_options, annotate=annotate,
                                 rejects=args.rejects, index=args.index, save_state=args.save_state, scheduler=args.scheduler,
                                 workers=args.workers, threads=args.threads, retries=args.retries,
                                 binary=args.binary, quiet=args.quiet)
    except winnow_dask.StageError as e:
        sys.stderr.write("winnow_dask: %s\n" % e)
        return 3
    except winnow_dask.StageFailed as e:
        sys.stderr.write("winnow_dask: %s\n" % e)
        return 1
    if not args.quiet:
        for stage, seconds in sorted(result.seconds.items()):
            sys.stderr.write("winnow_dask: seconds %s %.2f\n" % (stage, seconds))
        for what, size in sorted(result.bytes.items()):
            sys.stderr.write("winnow_dask: bytes %s %d\n" % (what, size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
