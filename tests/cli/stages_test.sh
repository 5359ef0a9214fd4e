#!/usr/bin/env bash
# stages_test.sh WINNOW: the stages of a cluster run (winnow sign, decide,
# apply) against one run over the concatenated shards: output, rejects and
# --annotate records byte-identical for 1, 4, 7 and 16 shards (-j1 and -j3);
# incremental runs through --index; stage files refused (other parameters,
# damaged, truncated, a part missing, another shard) with exit status 3.
#
# Prints "ok - NAME" / "not ok - NAME" per check, then "N passed, M failed".
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/cli/testlib.sh
source "$HERE/testlib.sh"
suite_start stages_test.sh "$@"

# staged OUT_PREFIX SHARDS J OPTIONS...: signs every shard of dir s$SHARDS,
# decides, applies; writes OUT_PREFIX.out and OUT_PREFIX.rej (the parts'
# outputs and rejects in part order). Sets stage_err to the first failure.
stage_err=""
staged() {
  local prefix=$1 shards=$2 j=$3
  shift 3
  local i facts=() d=$prefix.dec
  rm -rf "$d" "$prefix".facts.* "$prefix".out "$prefix".rej
  for ((i = 0; i < shards; i++)); do
    "$W" sign --format jsonl -j "$j" "$@" --part "$((i + 1))/$shards" -o "$prefix.facts.$i" \
      "s$shards/shard-$(printf %03d "$i").jsonl" 2>"$prefix.err" || { stage_err="sign $i: $(cat "$prefix.err")"; return; }
    facts+=("$prefix.facts.$i")
  done
  # Given in another order than the parts': decide orders them itself.
  "$W" decide --format jsonl "$@" -o "$d" $(printf '%s\n' "${facts[@]}" | sort -r) 2>"$prefix.err" ||
    { stage_err="decide: $(cat "$prefix.err")"; return; }
  for ((i = 0; i < shards; i++)); do
    "$W" apply --format jsonl -j "$j" "$@" --decisions "$(printf '%s/part-%05d-of-%05d.decisions' "$d" $((i + 1)) "$shards")" \
      --rejects "$prefix.rej.$i" --annotate-rejects "s$shards/shard-$(printf %03d "$i").jsonl" \
      >>"$prefix.out" 2>"$prefix.err" || { stage_err="apply $i: $(cat "$prefix.err")"; return; }
    cat "$prefix.rej.$i" >>"$prefix.rej"
  done
}

for shards in 1 4 7 16; do
  python3 "$HERE/../cluster/make_shards.py" "s$shards" "$shards" 400
done
cp s4/all.jsonl all.jsonl

"$W" --format jsonl --rejects single.rej --annotate-rejects all.jsonl >single.out 2>single.err
"$W" --format jsonl --annotate all.jsonl >single.ann 2>/dev/null

begin "the test stream exercises every order-dependent decision"
grep -q '"reason":"near-duplicate-document"' single.rej || fail_because "no near-duplicate document"
grep -q '"reason":"empty"' single.rej || fail_because "no empty document"
grep -q '"reason":"repeated-line"' single.ann || fail_because "no repeated line"
grep -q '"similarity":1.0000' single.rej || fail_because "no copy"
finish

for run in 1:1 4:3 7:1 16:3; do
  shards=${run%:*} j=${run#*:}
  {
    begin "$shards shards, -j$j: output and annotated rejects identical to one run"
    stage_err=""
    staged "p$shards.$j" "$shards" "$j"
    [ -z "$stage_err" ] || fail_because "$stage_err"
    cmp -s single.out "p$shards.$j.out" || fail_because "output differs"
    cmp -s single.rej "p$shards.$j.rej" || fail_because "rejects differ"
    finish
  }
done

begin "7 shards, --annotate: every record with its decision identical to one run"
stage_err=""
rm -rf a7.dec
for i in 0 1 2 3 4 5 6; do
  "$W" sign --format jsonl --part "$((i + 1))/7" -o "a7.facts.$i" "s7/shard-00$i.jsonl" || stage_err="sign $i"
done
"$W" decide --format jsonl -o a7.dec a7.facts.* || stage_err="decide"
for i in 0 1 2 3 4 5 6; do
  "$W" apply --format jsonl --annotate --decisions "a7.dec/part-0000$((i + 1))-of-00007.decisions" "s7/shard-00$i.jsonl"
done >a7.ann
[ -z "$stage_err" ] || fail_because "$stage_err"
cmp -s single.ann a7.ann || fail_because "annotated records differ"
finish

begin "other options than the single run's: the staged output changes with them (the check can fail)"
stage_err=""
staged q4 4 1 --doc-threshold 0.5
"$W" --format jsonl --doc-threshold 0.5 --rejects q.rej --annotate-rejects all.jsonl >q.out 2>/dev/null
[ -z "$stage_err" ] || fail_because "$stage_err"
cmp -s q.out q4.out || fail_because "output differs from one run with the same options"
cmp -s single.out q4.out && fail_because "--doc-threshold 0.5 changed nothing"
finish

begin "NUL-separated documents (-z) in 3 shards: output and rejects identical to one run"
python3 "$HERE/../../bench/make_stream.py" --mb 0.5 --format nul >z.nul 2>/dev/null
python3 - <<'PY'
docs = open("z.nul", "rb").read().split(b"\0")[:-1]
k = len(docs) // 3
for i, (a, b) in enumerate([(0, k), (k, 2 * k), (2 * k, len(docs))]):
    open("z%d.nul" % i, "wb").write(b"".join(d + b"\0" for d in docs[a:b]))
PY
"$W" -z --rejects z.rej z.nul >z.out 2>/dev/null
stage_err=""
for i in 0 1 2; do "$W" sign -z --part "$((i + 1))/3" -o "zf.$i" "z$i.nul" || stage_err=sign; done
"$W" decide -z -o z.dec zf.0 zf.1 zf.2 || stage_err=decide
: >zs.rej
for i in 0 1 2; do
  "$W" apply -z --rejects "zr.$i" --decisions "z.dec/part-0000$((i + 1))-of-00003.decisions" "z$i.nul" || stage_err=apply
  cat "zr.$i" >>zs.rej
done >zs.out
[ -z "$stage_err" ] || fail_because "$stage_err"
[ -s z.rej ] || fail_because "nothing dropped: the check means little"
cmp -s z.out zs.out || fail_because "output differs"
cmp -s z.rej zs.rej || fail_because "rejects differ"
finish

begin "decide: a folder of facts files, with a stage's temporary file in it, as the files themselves"
rm -rf fdir f.dec && mkdir fdir
cp "p4.3.facts.0" fdir/b.facts; cp "p4.3.facts.1" fdir/a.facts; cp "p4.3.facts.2" fdir/d.facts; cp "p4.3.facts.3" fdir/c.facts
head -c 100 "p4.3.facts.3" >fdir/c.facts.Xy12ab.tmp
run decide --format jsonl -o f.dec fdir
expect_rc 0
for k in 1 2 3 4; do
  cmp -s "f.dec/part-0000$k-of-00004.decisions" "p4.3.dec/part-0000$k-of-00004.decisions" ||
    fail_because "part $k differs from the decisions of the files given one by one"
done
mkdir -p empty.dir
run decide --format jsonl -o f.dec empty.dir
expect_rc 3
expect_err_mentions "empty.dir: is a folder without a .facts file"
finish

# --- incremental runs ------------------------------------------------------------

begin "--index: a run over 3 parts, then one over 4 more, as one run over all 7 with --index"
rm -f one.idx* inc.idx*
cat s7/shard-00{0,1,2}.jsonl >first.jsonl
cat s7/shard-00{3,4,5,6}.jsonl >second.jsonl
"$W" --format jsonl --index one.idx first.jsonl >one.out 2>/dev/null
"$W" --format jsonl --index one.idx --annotate second.jsonl >>one.out 2>/dev/null
stage_err=""
for i in 0 1 2; do "$W" sign --format jsonl --part "$((i + 1))/3" -o "i1.$i" "s7/shard-00$i.jsonl" || stage_err=sign; done
"$W" decide --format jsonl --index inc.idx -o i1.dec i1.0 i1.1 i1.2 || stage_err=decide
for i in 0 1 2; do
  "$W" apply --format jsonl --decisions "i1.dec/part-0000$((i + 1))-of-00003.decisions" "s7/shard-00$i.jsonl"
done >inc.out
for i in 3 4 5 6; do "$W" sign --format jsonl --part "$((i - 2))/4" -o "i2.$i" "s7/shard-00$i.jsonl" || stage_err=sign2; done
"$W" decide --format jsonl --index inc.idx -o i2.dec i2.3 i2.4 i2.5 i2.6 || stage_err=decide2
for i in 3 4 5 6; do
  "$W" apply --format jsonl --annotate --decisions "i2.dec/part-0000$((i - 2))-of-00004.decisions" "s7/shard-00$i.jsonl"
done >>inc.out
[ -z "$stage_err" ] || fail_because "$stage_err"
cmp -s one.out inc.out || fail_because "outputs differ"
grep -q '"duplicate_of_record":[0-9]' inc.out || fail_because "no duplicate of an earlier run's document"
finish

begin "--index: the second decide continues the first run's ordinals and names"
# A duplicate in the second run of a document kept in the first names it.
first_ids=$(grep -o '"duplicate_of":"doc-[0-9]*"' one.out | head -1)
[ -n "$first_ids" ] || fail_because "no named duplicate in one run"
grep -qF "$first_ids" inc.out || fail_because "staged run does not name $first_ids"
finish

begin "merging two crawls' states: the second crawl's facts decided on the first's index are the state of one run over both"
# README "Merging indexes": two indexes made apart cannot be merged (the
# second lost the documents it dropped); its facts files can. The state
# one.idx (one run over first.jsonl, then second.jsonl) against inc.idx
# (the first crawl's facts, then the second's, each signed as a crawl of
# its own): byte for byte, but for the names file's random id in both
# files and the checksum after it.
size=$(wc -c <one.idx)
[ "$size" -gt 1000 ] || fail_because "one.idx is $size bytes"
[ "$(wc -c <inc.idx)" = "$size" ] || fail_because "inc.idx is $(wc -c <inc.idx) bytes, one.idx $size"
cmp -s <(head -c $((size - 24)) one.idx) <(head -c $((size - 24)) inc.idx) ||
  fail_because "the states differ before the names file's id"
cmp -s <(tail -c +21 one.idx.names) <(tail -c +21 inc.idx.names) || fail_because "the names differ"
# And the state of ONE run over both crawls concatenated: the same index
# (its names file holds the same names, in blocks that end elsewhere, since
# each run writes its last block when it ends).
"$W" --format jsonl --index all7.idx s7/all.jsonl >/dev/null 2>&1
cmp -s <(head -c $((size - 24)) all7.idx) <(head -c $((size - 24)) inc.idx) ||
  fail_because "the state differs from one run over both crawls"
# And they decide alike: a third crawl against any of them.
tail -n 200 s7/shard-006.jsonl >third.jsonl
cp one.idx one3.idx; cp one.idx.names one3.idx.names
cp inc.idx inc3.idx; cp inc.idx.names inc3.idx.names
"$W" --format jsonl --annotate --index one3.idx third.jsonl >one3.out 2>/dev/null
"$W" --format jsonl --annotate --index inc3.idx third.jsonl >inc3.out 2>/dev/null
"$W" --format jsonl --annotate --index all7.idx third.jsonl >all3.out 2>/dev/null
cmp -s one3.out inc3.out || fail_because "a third crawl is decided differently"
cmp -s all3.out inc3.out || fail_because "a third crawl is decided differently than after one run over both"
grep -q '"reason":"near-duplicate-document"' one3.out || fail_because "the third crawl repeats nothing"
finish

# --- refusals --------------------------------------------------------------------

p4=p4.3
begin "decide: a facts file made with other options is refused (exit 3), naming the option"
"$W" sign --format jsonl --doc-shingle 4 --part 2/4 -o other.facts s4/shard-001.jsonl 2>/dev/null
run decide --format jsonl -o x.dec "$p4.facts.0" other.facts "$p4.facts.2" "$p4.facts.3"
expect_rc 3
expect_err_mentions "other.facts: made with other parameters (doc-shingle=4, this run has doc-shingle=5)"
[ -e x.dec/part-00001-of-00004.decisions ] && fail_because "decisions written before the check"
finish

begin "decide: a missing part is refused (exit 3)"
run decide --format jsonl -o x.dec "$p4.facts.0" "$p4.facts.1" "$p4.facts.3"
expect_rc 3
expect_err_mentions "part 3 of 4 is missing"
finish

begin "decide: a part given twice is refused (exit 3)"
run decide --format jsonl -o x.dec "$p4.facts.0" "$p4.facts.1" "$p4.facts.1" "$p4.facts.3"
expect_rc 3
expect_err_mentions "part 2 is also"
finish

begin "decide: one flipped bit in a facts file is refused (exit 3)"
cp "$p4.facts.2" flipped.facts
size=$(stat -c %s flipped.facts)
printf '\x55' | dd of=flipped.facts bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
run decide --format jsonl -o y.dec "$p4.facts.0" "$p4.facts.1" flipped.facts "$p4.facts.3"
expect_rc 3
expect_err_mentions "flipped.facts: stage file is"; expect_err_mentions "damaged"
[ -e y.dec/part-00003-of-00004.decisions ] && fail_because "decisions written for the damaged part"
finish

begin "decide: stopped at a damaged part, it leaves no earlier run's decisions for that part and the parts after it"
# An earlier decide wrote every part's decisions into the folder; this one
# stops at part 3: parts 3 and 4 made after the earlier run's parts 1 and 2
# must not be there for winnow apply to take.
rm -rf z.dec && cp -r "$p4.dec" z.dec
run decide --format jsonl -o z.dec "$p4.facts.0" "$p4.facts.1" flipped.facts "$p4.facts.3"
expect_rc 3
[ -e z.dec/part-00003-of-00004.decisions ] && fail_because "an earlier run's decisions for part 3 left"
[ -e z.dec/part-00004-of-00004.decisions ] && fail_because "an earlier run's decisions for part 4 left"
cmp -s z.dec/part-00002-of-00004.decisions "$p4.dec/part-00002-of-00004.decisions" ||
  fail_because "part 2 not decided again as before"
run apply --format jsonl --decisions z.dec/part-00004-of-00004.decisions s4/shard-003.jsonl
expect_rc 1
expect_err_mentions "z.dec/part-00004-of-00004.decisions"
finish

begin "decide: a refused facts file (other options) leaves the earlier run's decisions as they were"
rm -rf z.dec && cp -r "$p4.dec" z.dec
run decide --format jsonl -o z.dec "$p4.facts.0" other.facts "$p4.facts.2" "$p4.facts.3"
expect_rc 3
for k in 1 2 3 4; do
  cmp -s "z.dec/part-0000$k-of-00004.decisions" "$p4.dec/part-0000$k-of-00004.decisions" ||
    fail_because "part $k changed"
done
finish

begin "decide: a truncated facts file is refused (exit 3)"
head -c $(( $(stat -c %s "$p4.facts.3") - 5 )) "$p4.facts.3" >short.facts
run decide --format jsonl -o y.dec "$p4.facts.0" "$p4.facts.1" "$p4.facts.2" short.facts
expect_rc 3
expect_err_mentions "short.facts: stage file is"
finish

begin "apply: decisions of another shard are refused before any output (exit 3)"
run apply --format jsonl --decisions "$p4.dec/part-00001-of-00004.decisions" s4/shard-002.jsonl
expect_rc 3
expect_err_mentions "differs from the record the decisions file"
finish

begin "apply: decisions made with other options are refused before any output (exit 3)"
run apply --format jsonl --no-repeated-lines --decisions "$p4.dec/part-00002-of-00004.decisions" s4/shard-001.jsonl
expect_rc 3
expect_err_mentions "made with other parameters (no-repeated-lines=0, this run has no-repeated-lines=1)"
[ -s out ] && fail_because "wrote output"
finish

begin "apply: a damaged decisions file is refused before any output (exit 3)"
cp "$p4.dec/part-00002-of-00004.decisions" bad.decisions
size=$(stat -c %s bad.decisions)
printf '\x01' | dd of=bad.decisions bs=1 seek=$((size - 20)) conv=notrunc 2>/dev/null
run apply --format jsonl --decisions bad.decisions s4/shard-001.jsonl
expect_rc 3
expect_err_mentions "bad.decisions: stage file is damaged"
[ -s out ] && fail_because "wrote output"
finish

begin "apply: a shard shorter than its decisions is refused (exit 3)"
head -n 5 s4/shard-001.jsonl >five.jsonl
run apply --format jsonl --decisions "$p4.dec/part-00002-of-00004.decisions" five.jsonl
expect_rc 3
expect_err_mentions "it was made for another input"
finish

begin "apply: a facts file is not a decisions file (exit 3)"
run apply --format jsonl --decisions "$p4.facts.1" s4/shard-001.jsonl
expect_rc 3
expect_err_mentions "a facts file where a decisions file is needed"
finish

begin "sign: a failed sign leaves no facts file"
printf '{"text": "one"}\n{"text": broken\n' >broken.jsonl
run sign --format jsonl --part 1/1 -o broken.facts broken.jsonl
expect_rc 1
[ -e broken.facts ] && fail_because "facts file written"
[ -e broken.facts.tmp ] && fail_because "temporary file left"
finish

begin "stage output files that would destroy an input are refused before anything is written (exit 2)"
cp s4/shard-001.jsonl victim.jsonl
run sign --format jsonl --part 2/4 -o victim.jsonl victim.jsonl
expect_rc 2
expect_err "winnow: victim.jsonl: -o would overwrite an input file"
expect_same_file s4/shard-001.jsonl victim.jsonl "the shard was changed"
cp "$p4.dec/part-00002-of-00004.decisions" victim.decisions
for opt in --rejects --explain-to --stats-json; do
  run apply --format jsonl --decisions victim.decisions $opt victim.decisions s4/shard-001.jsonl
  expect_rc 2
  expect_out_empty
  expect_err "winnow: victim.decisions: $opt would overwrite an input file"
  expect_same_file "$p4.dec/part-00002-of-00004.decisions" victim.decisions "$opt: the decisions file was changed"
done
"$W" apply --format jsonl --decisions victim.decisions s4/shard-001.jsonl >>victim.decisions 2>err
rc=$?
expect_rc 2
expect_err "winnow: victim.decisions: input file is also standard output"
expect_same_file "$p4.dec/part-00002-of-00004.decisions" victim.decisions "stdout: the decisions file was changed"
finish

begin "decide: --index on a decisions file of its own -o folder is refused before anything is written"
rm -rf sd.dec; mkdir sd.dec
cp "$p4.dec/part-00002-of-00004.decisions" sd.dec/part-00002-of-00004.decisions
cp sd.dec/part-00002-of-00004.decisions sd.before
run decide --format jsonl --index sd.dec/part-00002-of-00004.decisions -o sd.dec "$p4.facts.0" "$p4.facts.1" "$p4.facts.2" "$p4.facts.3"
expect_rc 2
expect_err "winnow: --index: sd.dec/part-00002-of-00004.decisions is also the decisions file of part 2 in sd.dec"
expect_same_file sd.before sd.dec/part-00002-of-00004.decisions "the decisions file was changed"
finish

begin "stage usage errors (exit 2)"
run sign --format jsonl -o f.facts s4/shard-000.jsonl
expect_rc 2
expect_err_mentions "needs --part I/N"
run sign --format jsonl --part 0/3 -o f.facts s4/shard-000.jsonl
expect_rc 2
run sign --part 1/1 -o f.facts s4/shard-000.jsonl
expect_rc 2
expect_err_mentions "works on document streams"
run apply --format jsonl s4/shard-000.jsonl
expect_rc 2
expect_err_mentions "needs --decisions FILE"
run sign --format jsonl --part 1/1 --index x.idx -o f.facts s4/shard-000.jsonl
expect_rc 2
# --stats-json did nothing in sign and decide: refused, as --rejects is.
run sign --format jsonl --part 1/1 --stats-json st.json -o f.facts s4/shard-000.jsonl
expect_rc 2
expect_err "winnow: winnow sign: --rejects, --annotate, --explain and --stats-json belong to winnow apply"
run decide --format jsonl --stats-json st.json -o x.dec "$p4.facts.0" "$p4.facts.1" "$p4.facts.2" "$p4.facts.3"
expect_rc 2
expect_err "winnow: winnow decide: --rejects, --annotate, --explain and --stats-json belong to winnow apply"
[ -e st.json ] && fail_because "a stats file was written"
finish

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
