#!/usr/bin/env bash
# hostile_test.sh WINNOW: the bad-input suite of the built binary. One check
# per kind of hostile input: each asserts the exit status, the exact text on
# stderr with its location, and the output bytes (the input itself where it
# passes through, or the expected transformation); the large ones also
# bound time and peak memory, and the last ones run winnow under a hard
# memory limit (ulimit -v) on inputs far larger than it.
#
# Large inputs are generated on the fly and piped; nothing large is stored
# in the repository. With WINNOW_HOSTILE_LIGHT=1 (sanitizer builds, where
# memory limits and big inputs do not apply) the large cases run on small
# inputs and the memory-limit cases are skipped, saying so.
#
# Prints "ok - NAME" / "not ok - NAME" per check, then "N passed, M failed".
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/cli/testlib.sh
source "$HERE/../cli/testlib.sh"
GEN=$HERE/gen_stream.py
suite_start hostile_test.sh "$@"

LIGHT=${WINNOW_HOSTILE_LIGHT:-0}
MiB=$((1024 * 1024))
DEFAULT_LIMIT=$((64 * MiB))  # --max-document-bytes
TOO_LARGE="bytes (--max-document-bytes): passed through unanalysed"

# --- helpers -----------------------------------------------------------------

# big_run SECONDS GENERATOR [ARGS...]: runs `GENERATOR | winnow ARGS` with a
# time limit; the md5 of stdout goes to $T/out.md5, stderr to $T/err, the
# exit status to $rc, the peak RSS in KiB to $rss ("" when /usr/bin/time is
# missing) and the wall time in seconds to $secs.
big_run() {
  local seconds=$1 generator=$2 start end
  shift 2
  start=$(date +%s%N)
  if [ -x /usr/bin/time ]; then
    bash -c "$generator" | /usr/bin/time -f %M -o "$T/rss" timeout "$seconds" "$W" "$@" 2> "$T/err" |
      md5sum > "$T/out.md5"
    rc=${PIPESTATUS[1]}
    rss=$(tail -n 1 "$T/rss")
  else
    bash -c "$generator" | timeout "$seconds" "$W" "$@" 2> "$T/err" | md5sum > "$T/out.md5"
    rc=${PIPESTATUS[1]}
    rss=""
  fi
  end=$(date +%s%N)
  secs=$(( (end - start) / 1000000000 ))
  [ "$rc" -eq 124 ] && fail_because "winnow did not finish within $seconds s"
}

# expect_md5_of GENERATOR: the output's md5 must be that of GENERATOR's bytes.
expect_md5_of() {
  local want
  want=$(bash -c "$1" | md5sum)
  [ "$want" = "$(cat "$T/out.md5")" ] || fail_because "output differs from: $1"
}

# expect_rss_below KIB: the peak RSS of the last big_run was below KIB.
expect_rss_below() {
  if [ -z "$rss" ]; then
    echo "# /usr/bin/time is missing: peak RSS not checked"
  elif [ "$rss" -ge "$1" ]; then
    fail_because "peak RSS $rss KiB, expected below $1 KiB"
  fi
  echo "# $name: ${secs}s, peak RSS ${rss:-?} KiB"
}

# --- documents ---------------------------------------------------------------

S1="The council approved the new budget for the coming year on Monday."
S2="Councillors said the plan protects libraries and evening bus routes."
S3="The river rose two metres overnight and flooded the lower town."
S4="Residents can comment on the proposal until the end of next month."

# === text mode ===============================================================

begin "empty input: empty output, exit 0, in every format"
: > empty
for format in text jsonl wet nul; do
  run_stdin empty --format $format
  expect_rc 0; expect_out_empty; expect_err_empty
done
finish

begin "only blank lines: empty output (spaces, tabs, CR, form feeds)"
printf '\n \n\t\n\r\n\f\v\n\n' > blank.txt
run blank.txt
expect_rc 0; expect_out_empty; expect_err_empty
finish

begin "NUL bytes in text mode: lines keep them, a line of NULs between body lines stays"
printf '%s\0\0 And more.\n\n\0\0\0\n\nShare\n\n%s\n' "$S1" "$S2" > nul.txt
run nul.txt
expect_rc 0
expect_out '%s\0\0 And more.\n\n\0\0\0\n\n%s\n' "$S1" "$S2"
expect_err_empty
finish

begin "invalid and overlong UTF-8 pass through; an overlong 'a' is not the letter a"
# \xc1\xa1 is an overlong 'a', \xe0\x80\xaf an overlong '/', \xed\xa0\x80 a
# UTF-16 surrogate, \xf8\x88\x80\x80\x80 a 5-byte form, a lone \xff and a
# cut sequence: none may turn into a letter the rules match.
# Between body lines "Share" goes by its rule; "Sh\xc1\xa1re" is not that word.
printf '%s \xc1\xa1\xe0\x80\xaf\xed\xa0\x80\xf8\x88\x80\x80\x80\xff.\n\nSh\xc1\xa1re\n\nShare\n\n%s \xe2\x82 too.\n' "$S1" "$S2" > utf8.txt
run --explain utf8.txt
expect_rc 0
expect_out '%s \xc1\xa1\xe0\x80\xaf\xed\xa0\x80\xf8\x88\x80\x80\x80\xff.\n\nSh\xc1\xa1re\n\n%s \xe2\x82 too.\n' "$S1" "$S2"
expect_err 'utf8.txt:5: rule share: Share'
finish

begin "a BOM: kept as bytes, invisible to the rules"
printf '\xef\xbb\xbfShare\n\n\xef\xbb\xbf%s\n\n%s\n' "$S1" "$S2" > bom.txt
run --explain bom.txt
expect_rc 0
expect_out '\xef\xbb\xbf%s\n\n%s\n' "$S1" "$S2"
expect_err "$(printf 'bom.txt:1: rule share: \xef\xbb\xbfShare')"
finish

begin "CRLF and lone CR: CRLF kept (the blank line between paragraphs too), a lone CR ends a line"
printf 'Share\r\n\r\n%s\r\n\r\n%s\r%s\r\n' "$S1" "$S2" "$S3" > crlf.txt
run crlf.txt
expect_rc 0
expect_out '%s\r\n\r\n%s\r%s\r\n' "$S1" "$S2" "$S3"
expect_err_empty
printf 'Share\r\r%s\r' "$S1" > cr.txt  # lone CRs: "Share", a blank line, the sentence
run cr.txt
expect_rc 0; expect_out '%s\r' "$S1"; expect_err_empty
finish

if [ "$LIGHT" = 1 ]; then line_mb=2; line_limit=$MiB; else line_mb=256; line_limit=$DEFAULT_LIMIT; fi
begin "a ${line_mb} MiB line: passed through unanalysed, said once, memory bounded by --max-document-bytes"
gen="head -c $((line_mb * MiB)) /dev/zero | tr '\\0' a"
big_run 120 "$gen" --max-document-bytes "$line_limit"
expect_rc 0
expect_md5_of "$gen"
expect_err "winnow: standard input: larger than $line_limit $TOO_LARGE"
[ "$LIGHT" = 1 ] || expect_rss_below $((150 * 1024))
finish

begin "a 48 MiB line under the document limit: analysed, kept unanalysed as a line (--max-line-bytes)"
if [ "$LIGHT" = 1 ]; then n=$((3 * MiB)); else n=$((48 * MiB)); fi
gen="{ printf '%s\\n\\n' '$S1'; head -c $n /dev/zero | tr '\\0' b; printf '\\n\\n%s\\n' '$S1'; }"
big_run 120 "$gen" --stats
expect_rc 0
# The copy of S1 goes; the long line stays, byte for byte.
expect_md5_of "{ printf '%s\\n\\n' '$S1'; head -c $n /dev/zero | tr '\\0' b; printf '\\n'; }"
grep -qF "winnow: stats: dropped 1 line by near-duplicate" err ||
  fail_because "the repeated sentence was not dropped: $(cat err)"
[ "$LIGHT" = 1 ] || expect_rss_below $((400 * 1024))
finish

# A paragraph of distinct body sentences: 100 MiB in one paragraph.
if [ "$LIGHT" = 1 ]; then para_mb=3; else para_mb=100; fi
para_gen="python3 -c 'import sys
w=sys.stdout.write
w(\"A long report\\n\\n\")
n=0; size=0
while size < $para_mb * 1048576:
    n += 1
    s = \"Sentence %d of one long paragraph has enough words to be body text.\\n\" % n
    w(s); size += len(s)'"
begin "a single ${para_mb} MiB paragraph: analysed line by line, kept without deduplication, counted"
big_run 300 "$para_gen" --max-document-bytes $(( (para_mb + 1) * MiB )) --stats
expect_rc 0
expect_md5_of "$para_gen"
grep -qE "paragraphs in 2, paragraphs out 2, paragraphs not analysed \(too large\) 1$" err ||
  fail_because "not counted as a paragraph not analysed: $(head -n 1 err)"
# An analysed line costs about 350 bytes while its document is judged (the
# line model's 74 features, 296 bytes, and the line's other state).
[ "$LIGHT" = 1 ] || expect_rss_below $((1536 * 1024))
finish

begin "a single ${para_mb} MiB paragraph over --max-document-bytes: passed through unanalysed, counted"
big_run 300 "$para_gen" --max-document-bytes $MiB --stats
expect_rc 0
expect_md5_of "$para_gen"
grep -qxF "winnow: standard input: larger than $MiB $TOO_LARGE" err || fail_because "no message: $(head -n 2 err)"
grep -qxF "winnow: stats: documents passed through unanalysed (too large) 1" err ||
  fail_because "not counted: $(cat err)"
[ "$LIGHT" = 1 ] || expect_rss_below $((40 * 1024))
finish

if [ "$LIGHT" = 1 ]; then lines=100000; else lines=10000000; fi
begin "$lines empty lines: empty output, memory bounded"
big_run 120 "head -c $lines /dev/zero | tr '\\0' '\\n'"
expect_rc 0
expect_md5_of ": "
[ -s err ] && fail_because "stderr: $(head -n 3 err)"
# About 64 bytes a line: the line table of a document is its largest cost.
[ "$LIGHT" = 1 ] || expect_rss_below $((800 * 1024))
finish

begin "text-mode documents over --max-document-bytes among others: passed through in place, newline rule kept"
printf '%s\n\nShare\n' "$S1" > small.txt
printf '%s %s no newline at the end' "$S3" "$S4" > big.txt  # 155 bytes
printf '%s\n\nShare\n' "$S2" > small2.txt
run_stdin big.txt --max-document-bytes 100 --stats small.txt big.txt small2.txt -
expect_rc 0
expect_out '%s\n%s %s no newline at the end\n%s\n%s %s no newline at the end' "$S1" "$S3" "$S4" "$S2" "$S3" "$S4"
cat > expected.err <<EOF
winnow: big.txt: larger than 100 $TOO_LARGE
winnow: standard input: larger than 100 $TOO_LARGE
winnow: stats: documents 2, lines in 4, lines out 2, paragraphs in 4, paragraphs out 2, paragraphs not analysed (too large) 0
winnow: stats: dropped 2 lines by share
winnow: stats: documents passed through unanalysed (too large) 2
EOF
expect_same_file expected.err err "stderr"
# At the limit a document is analysed (and this one, of 26 words, is body).
run --max-document-bytes 155 big.txt
expect_rc 0; expect_out_file big.txt; expect_err_empty
finish

# === document streams ========================================================

if [ "$LIGHT" = 1 ]; then docs=20000; else docs=1000000; fi
begin "$docs one-word documents (NUL and JSONL): each dropped as empty, or kept with --keep-empty"
# --threshold 1: the line model drops every line, so every document is empty.
big_run 120 "seq $docs | sed 's/^/word/' | tr '\\n' '\\0'" -z --stats --threshold 1
expect_rc 0
expect_md5_of ": "
grep -qxF "winnow: stats: records $docs, documents in $docs, documents out 0, passed through 0, too large (passed through unanalysed) 0, malformed 0, bytes in $(seq "$docs" | sed 's/^/word/' | wc -c), bytes out 0" err ||
  fail_because "stats: $(head -n 1 err)"
[ "$LIGHT" = 1 ] || expect_rss_below $((200 * 1024))
big_run 120 "seq $docs | sed 's/^/word/' | tr '\\n' '\\0'" -z --keep-empty --threshold 1
expect_rc 0
expect_md5_of "head -c $docs /dev/zero"
big_run 120 "seq $docs | sed 's/.*/{\"text\":\"word&\"}/'" --format jsonl --keep-empty --threshold 1
expect_rc 0
expect_md5_of "seq $docs | sed 's/.*/{\"text\":\"\"}/'"
[ "$LIGHT" = 1 ] || expect_rss_below $((200 * 1024))
finish

# JSONL: each malformed line stops the run after the records before it
# (exit 1), or with --on-error skip is reported, rejected and skipped.
good1="{\"text\":\"$S1\"}"
good2="{\"text\":\"$S2\"}"
# jsonl_bad NAME LINE MESSAGE: LINE between two good ones.
jsonl_bad() {
  begin "jsonl: $1"
  printf '%s\n%s\n%s\n' "$good1" "$2" "$good2" > bad.jsonl
  run --format jsonl bad.jsonl
  expect_rc 1
  expect_out '%s\n' "$good1"
  expect_err "winnow: bad.jsonl: record 2 (byte $(( ${#good1} + 1 ))): $3"
  run --format jsonl --on-error skip --rejects rejected.jsonl bad.jsonl
  expect_rc 0
  expect_out '%s\n%s\n' "$good1" "$good2"
  expect_err "winnow: bad.jsonl: record 2 (byte $(( ${#good1} + 1 ))): $3"
  printf '%s\n' "$2" > rejected.expected
  expect_same_file rejected.expected rejected.jsonl "--rejects"
  finish
}
jsonl_bad 'a bad escape (\q)' '{"text":"a \q b"}' "invalid escape"
jsonl_bad 'a cut \u escape' '{"text":"a \u00"}' "invalid escape"
jsonl_bad 'a lone high surrogate' '{"text":"a \ud800 b"}' "lone surrogate"
jsonl_bad 'a lone low surrogate' '{"text":"a \udc00 b"}' "lone surrogate"
jsonl_bad 'a raw control character in a string' "$(printf '{"text":"a \001 b"}')" "unescaped control character in string"
jsonl_bad 'invalid UTF-8 in a string' "$(printf '{"text":"a \xff b"}')" "invalid UTF-8"
jsonl_bad 'a line that is not JSON' 'this is not JSON' "not a JSON object"
jsonl_bad 'an array, not an object' '[1,2,3]' "not a JSON object"
jsonl_bad 'bytes after the object' '{"text":"a"} {"text":"b"}' "trailing content after the object"
nest() { python3 -c "import sys; d=int(sys.argv[1]); print('{\"meta\":' + '['*d + ']'*d + ',\"text\":\"x\"}')" "$1"; }
jsonl_bad 'nesting deeper than 1023 levels' "$(nest 1023)" "nesting too deep"
jsonl_bad 'nesting 100,000 levels deep' "$(nest 100000)" "nesting too deep"

begin "jsonl: 1023 levels of nesting is a document"
nest 1022 | sed "s/\"x\"/\"$S1\"/" > deep.jsonl
run --format jsonl deep.jsonl
expect_rc 0; expect_out_file deep.jsonl; expect_err_empty
finish

begin "jsonl: a text key twice is refused by default: readers disagree on which one counts"
# Most JSON readers take the last "text", winnow would clean the first: the
# boilerplate of the second would reach them unfiltered.
printf '{"text":"%s"}\n{"text":"Share","te\\u0078t":"%s"}\n{"text":"%s"}\n' "$S3" "$S1" "$S2" > dup.jsonl
run --format jsonl dup.jsonl
expect_rc 1
expect_out '{"text":"%s"}\n' "$S3"
expect_err "winnow: dup.jsonl: record 2 (byte $(( ${#S3} + 12 ))): duplicate text field"
run --format jsonl --on-error skip --rejects dup.rej dup.jsonl
expect_rc 0
expect_out '{"text":"%s"}\n{"text":"%s"}\n' "$S3" "$S2"
expect_same_file dup.rej <(sed -n 2p dup.jsonl) "the refused record goes to --rejects as it was"
# A nested "text" is no duplicate.
printf '{"text":"%s","meta":{"text":"Share"}}\n' "$S1" > nested.jsonl
run --format jsonl nested.jsonl
expect_rc 0; expect_out_file nested.jsonl; expect_err_empty
finish

begin "jsonl: --duplicate-text-key first: the first text field is the document, later ones stay as bytes"
printf '{"text":"Share","text":"%s"}\n{"text":"%s","text":"Share"}\n' "$S1" "$S2" > dup.jsonl
run --format jsonl --duplicate-text-key first --stats dup.jsonl
expect_rc 0
# The first record's document is "Share": nothing left, dropped.
expect_out '{"text":"%s","text":"Share"}\n' "$S2"
grep -qxF "winnow: stats: dropped 1 document as empty" err || fail_because "stats: $(cat err)"
finish

begin "jsonl: a byte order mark at the start of each input is skipped for parsing and kept"
printf '\xef\xbb\xbf{"text":"%s"}\n{"text":"%s"}\n' "$S1" "$S2" > bom1.jsonl
printf '\xef\xbb\xbf{"text":"%s"}\n' "$S3" > bom2.jsonl
run --format jsonl bom1.jsonl bom2.jsonl
expect_rc 0; expect_err_empty
cat bom1.jsonl bom2.jsonl > both.jsonl
expect_out_file both.jsonl
run_stdin bom1.jsonl --format jsonl
expect_rc 0; expect_out_file bom1.jsonl
# Only at the start of an input: a BOM on a later line is not JSON.
{ printf '{"text":"%s"}\n' "$S1"; printf '\xef\xbb\xbf{"text":"%s"}\n' "$S2"; } > late.jsonl
run --format jsonl late.jsonl
expect_rc 1; expect_err "winnow: late.jsonl: record 2 (byte $(( ${#S1} + 12 ))): not a JSON object"
# Cleaned text is written back after the BOM.
printf '\xef\xbb\xbf{"text":"Share\\n%s"}\n' "$S1" > bomclean.jsonl
run --format jsonl bomclean.jsonl
expect_rc 0; expect_out '\xef\xbb\xbf{"text":"%s"}\n' "$S1"
run --format jsonl --annotate bomclean.jsonl
expect_rc 0
[ "$(head -c 3 out | od -An -tx1 | tr -d ' ')" = efbbbf ] || fail_because "--annotate lost the BOM"
finish

begin "wet: a byte order mark at the start of each input is skipped for parsing and kept"
wet_rec() {  # URI TEXT
  printf 'WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Target-URI: %s\r\nContent-Length: %d\r\n\r\n%s\r\n\r\n' "$1" "${#2}" "$2"
}
{ printf '\xef\xbb\xbf'; wet_rec https://a.example/ "$S1"; wet_rec https://b.example/ "$S2"; } > bom1.wet
{ printf '\xef\xbb\xbf'; wet_rec https://c.example/ "$S3"; } > bom2.wet
run --format wet bom1.wet bom2.wet
expect_rc 0; expect_err_empty
cat bom1.wet bom2.wet > both.wet
expect_out_file both.wet
gzip -nc bom1.wet > bom1.wet.gz
run_stdin bom1.wet.gz --format wet -j2
expect_rc 0; expect_out_file bom1.wet
# Cleaned text is written back after the BOM, with the new Content-Length.
{ printf '\xef\xbb\xbf'; wet_rec https://a.example/ "Share
$S1"; } > bomclean.wet
run --format wet bomclean.wet
expect_rc 0
{ printf '\xef\xbb\xbf'; wet_rec https://a.example/ "$S1"; } > want.wet
expect_out_file want.wet
finish

begin "jsonl: a missing or non-string text field: the record passes through unchanged"
{
  printf '{"id":1,"body":"%s"}\n' "$S1"
  printf '{"text":12}\n{"text":null}\n{"text":true}\n{"text":["%s"]}\n{"text":{"a":"%s"}}\n' "$S2" "$S2"
  printf '{}\n\n   \n'
} > nofield.jsonl
run --format jsonl --stats nofield.jsonl
expect_rc 0
expect_out_file nofield.jsonl
grep -qF "winnow: stats: records 9, documents in 0, documents out 0, passed through 9," err ||
  fail_because "stats: $(head -n 1 err)"
finish

begin "jsonl and nul: records over --max-document-bytes pass through in place, the same for -j1 and -j2"
{
  printf '{"text":"%s"}\n' "$S1"
  printf '{"text":"%s %s %s"}\n' "$S3" "$S4" "$S3"   # 210 bytes, holding a repeated sentence
  printf '{"text":"%s"}\n' "$S1"                      # a copy: dropped
  printf '{"text":"%s"}\n' "$S2"
} > over.jsonl
for j in 1 2; do
  run --format jsonl -j$j --max-document-bytes 200 --stats-json stats.json over.jsonl
  expect_rc 0
  expect_out '{"text":"%s"}\n{"text":"%s %s %s"}\n{"text":"%s"}\n' "$S1" "$S3" "$S4" "$S3" "$S2"
  expect_err "winnow: over.jsonl: record 2 (byte $(( ${#S1} + 12 ))): larger than 200 $TOO_LARGE"
  grep -qF '"records":4,"documents_in":3,"documents_out":2,"passed_through":0,"too_large":1,' stats.json ||
    fail_because "stats: $(cat stats.json)"
done
tr '\n' '\0' < over.jsonl > over.nul  # NUL chunks: the same sizes
run -z --max-document-bytes 200 over.nul
expect_rc 0
printf '{"text":"%s"}\0{"text":"%s %s %s"}\0{"text":"%s"}\0' "$S1" "$S3" "$S4" "$S3" "$S2" > over.expected
expect_out_file over.expected
expect_err "winnow: over.nul: record 2 (byte $(( ${#S1} + 12 ))): larger than 200 $TOO_LARGE"
finish

# === WARC/WET ================================================================

# conv TEXT [LENGTH]: a conversion record, Content-Length LENGTH (default:
# right).
conv() {
  printf 'WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: %s\r\n\r\n%s\r\n\r\n' "${2:-${#1}}" "$1"
}
W1="$S1
"
W2="$S2
"
W3="$S3
"
conv "$W1" > one.wet
one=$(wc -c < one.wet)
# wet_bad NAME MESSAGE: two.wet (a good record, then bad bytes) must stop
# after the good record with MESSAGE about record 2.
wet_bad() {
  begin "wet: $1"
  run --format wet two.wet
  expect_rc 1
  expect_out_file one.wet
  expect_err "winnow: two.wet: record 2 (byte $one): $2"
  finish
}
{ conv "$W1"; conv "$W2" $(( ${#W2} - 5 )); conv "$W3"; } > two.wet
wet_bad "a Content-Length too small" "bad record trailer: expected CRLF CRLF after the block, found 't'"
{ conv "$W1"; conv "$W2" $(( ${#W2} + 5 )); conv "$W3"; } > two.wet
wet_bad "a Content-Length too large" "bad record trailer: expected CRLF CRLF after the block, found 'A'"
{ conv "$W1"; conv "$W2" 12x; } > two.wet
wet_bad "a Content-Length that is not a number" "bad Content-Length '12x'"
{ conv "$W1"; printf 'WARC/1.0\r\nWARC-Type: conversion\r\n\r\n%s\r\n\r\n' "$W2"; } > two.wet
wet_bad "a missing Content-Length" "missing Content-Length"
{ conv "$W1"; conv "$W2" | head -c 60; } > two.wet
wet_bad "a truncated last record" "truncated record: 5 of ${#W2} block bytes"
{ conv "$W1"; conv "$W2" $(( ${#W2} + 500 )); } > two.wet
wet_bad "a Content-Length beyond the end of input" "truncated record: $(( ${#W2} + 4 )) of $(( ${#W2} + 500 )) block bytes"

begin "wet: garbage between records: stop after the records before it, or skip it"
{ conv "$W1"; printf 'garbage line\n\x00\xff binary\n'; conv "$W2"; } > garbage.wet
run --format wet garbage.wet
expect_rc 1
expect_out_file one.wet
expect_err "winnow: garbage.wet: record 2 (byte $one): no WARC version line"
run --format wet --on-error skip --rejects rejected.wet garbage.wet
expect_rc 0
{ conv "$W1"; conv "$W2"; } > garbage.expected
expect_out_file garbage.expected
expect_err "winnow: garbage.wet: record 2 (byte $one): no WARC version line"
printf 'garbage line\n\x00\xff binary\n' > rejected.expected
expect_same_file rejected.expected rejected.wet "--rejects"
finish

begin "wet: blank lines after a record are its trailer's up to 1 MiB; beyond, they are garbage"
# 1 MiB of blank lines after the first record joins it; one more line
# starts a malformed record, which runs to the next record.
{ conv "$W1"; head -c "$MiB" /dev/zero | tr '\0' '\n'; conv "$W2"; } > blank_mib.wet
run --format wet blank_mib.wet
expect_rc 0; expect_out_file blank_mib.wet; expect_err_empty
{ conv "$W1"; head -c "$MiB" /dev/zero | tr '\0' '\n'; printf '\r\n\n'; conv "$W2"; } > blank_over.wet
run --format wet blank_over.wet
expect_rc 1
expect_out_file <(conv "$W1"; head -c "$MiB" /dev/zero | tr '\0' '\n')
expect_err "winnow: blank_over.wet: record 2 (byte $((one + MiB))): no WARC version line"
run --format wet --on-error skip --rejects blank_over.rej blank_over.wet
expect_rc 0
expect_out_file <(conv "$W1"; head -c "$MiB" /dev/zero | tr '\0' '\n'; conv "$W2")
expect_same_file <(printf '\r\n\n') blank_over.rej "--rejects"
finish

# least_ms COMMAND...: the least wall time in ms of three runs of COMMAND
# (its output discarded), or -1 if one fails.
least_ms() {
  local best=-1 r s t
  for r in 1 2 3; do
    s=$(date +%s%N)
    "$@" > /dev/null 2> "$T/least.err" || { echo -1; return; }
    t=$(( ($(date +%s%N) - s) / 1000000 ))
    if [ "$best" -lt 0 ] || [ "$t" -lt "$best" ]; then best=$t; fi
  done
  echo "$best"
}
if [ "$LIGHT" = 1 ]; then small_mb=1; else small_mb=8; fi
begin "wet: resynchronising after a bad record takes time linear in the garbage (8x of it, well under 16x the time)"
# Searched again from the bad record's start at each read, 64 MiB of blank
# lines took 15 s where 8 MiB took 0.5 s (about 30x); searched on from
# where the last search stopped, about 5x. A ratio, not a time limit: a
# loaded machine or a sanitizer build slows both runs alike.
for kind in blank nul; do
  for mb in $small_mb $((8 * small_mb)); do
    if [ $kind = blank ]; then
      { conv "$W1"; head -c $((mb * MiB)) /dev/zero | tr '\0' '\n'; conv "$W2"; } > resync_${kind}_$mb.wet
    else
      { conv "$W1"; printf 'x'; head -c $((mb * MiB)) /dev/zero; printf '\n'; conv "$W2"; } > resync_${kind}_$mb.wet
    fi
  done
  small_ms=$(least_ms "$W" --format wet --on-error skip resync_${kind}_$small_mb.wet)
  large_ms=$(least_ms "$W" --format wet --on-error skip resync_${kind}_$((8 * small_mb)).wet)
  run --format wet --on-error skip resync_${kind}_$((8 * small_mb)).wet
  expect_rc 0
  # 1 MiB of the blank lines is the first record's trailer.
  { conv "$W1"; [ $kind = blank ] && head -c "$MiB" /dev/zero | tr '\0' '\n'; conv "$W2"; } > resync_${kind}.expected
  expect_out_file resync_${kind}.expected
  if [ "$small_ms" -lt 0 ] || [ "$large_ms" -lt 0 ]; then
    fail_because "$kind: winnow failed: $(head -c 300 "$T/least.err")"
  elif [ "$large_ms" -ge $(( 16 * (small_ms + 1) )) ]; then
    fail_because "$kind: ${small_mb} MiB of garbage took $small_ms ms, $((8 * small_mb)) MiB took $large_ms ms"
  fi
  echo "# $kind: ${small_mb} MiB ${small_ms} ms, $((8 * small_mb)) MiB ${large_ms} ms"
done
finish

begin "wet: garbage is not held whole: a bad record ends after --max-document-bytes plus 2 MiB"
# The $((8 * small_mb)) MiB of blank lines above, with a limit of 1 MB: bad
# records of 1,000,000 + 2 MiB + 4 bytes each, sent to --rejects one by
# one, so memory follows the limit, not the garbage.
most=$((1000000 + 2 * MiB + 4))
big_run 120 "cat resync_blank_$((8 * small_mb)).wet" --format wet --on-error skip --max-document-bytes 1000000 --rejects big.rej
expect_rc 0
expect_md5_of "cat resync_blank.expected"
bad=$(( (8 * small_mb * MiB - MiB + most - 1) / most ))
[ "$(grep -c 'no WARC version line' "$T/err")" -eq "$bad" ] || fail_because "expected $bad bad records: $(head -n 3 "$T/err")"
[ "$(wc -c < big.rej)" -eq $(( 8 * small_mb * MiB - MiB )) ] || fail_because "--rejects does not hold the garbage"
[ "$LIGHT" = 1 ] || expect_rss_below $((64 * 1024))
finish

begin "wet: a block over --max-document-bytes passes through as it is; one cut short is reported after it"
block="$S2
$S3
$S4
"
{ conv "$W1"; conv "$block"; conv "$W3"; } > over.wet
run --format wet --max-document-bytes 100 over.wet
expect_rc 0
expect_out_file over.wet
expect_err "winnow: over.wet: record 2 (byte $one): larger than 100 $TOO_LARGE"
printf -v head 'WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: %s\r\n\r\n' "${#block}"
{ conv "$W1"; printf '%s%s' "$head" "${block:0:120}"; } > cut.wet  # 120 block bytes of 200
run --format wet --max-document-bytes 100 cut.wet
expect_rc 1
expect_out_file cut.wet
printf 'winnow: cut.wet: record 2 (byte %s): larger than 100 %s\nwinnow: cut.wet: record 2 (byte %s): truncated record: 120 of %s block bytes\n' \
  "$one" "$TOO_LARGE" "$one" "${#block}" > cut.err
expect_same_file cut.err err "stderr"
finish

begin "wet: a missing record trailer is malformed wherever the record is"
# Three records, none followed by CRLF CRLF: each block runs into the next.
nt() { printf 'WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: %s\r\n\r\n%s' "${#1}" "$1"; }
{ nt "$W1"; nt "$W2"; nt "$W3"; } > notrailer.wet
run --format wet --on-error skip --rejects nt.rej notrailer.wet
expect_rc 0; expect_out_empty
[ "$(grep -c '^WARC/1.0' nt.rej)" -eq 3 ] || fail_because "not all three rejected"
[ "$(grep -c 'bad record trailer' err)" -eq 3 ] || fail_because "not three messages: $(cat err)"
grep -q 'found end of input' err || fail_because "the last one does not say end of input"
# The same for a record over --max-document-bytes, passed through in pieces.
run --format wet --max-document-bytes 10 notrailer.wet
expect_rc 1; expect_out_file <(nt "$W1")
expect_err_mentions "notrailer.wet: record 1 (byte 0): bad record trailer"
finish

begin "wet: a record without WARC-Type is malformed, not passed through silently"
{ conv "$W1"; printf 'WARC/1.0\r\nContent-Length: %s\r\n\r\n%s\r\n\r\n' "${#W2}" "$W2"; conv "$W3"; } > notype.wet
run --format wet --on-error skip notype.wet
expect_rc 0
expect_out_file <(conv "$W1"; conv "$W3")
expect_err_mentions "notype.wet: record 2 (byte $(conv "$W1" | wc -c)): missing WARC-Type"
finish

# === rules files =============================================================

begin "rules: an invalid regex is a usage error naming FILE:LINE"
printf '# my rules\nok literal fine\nbad regex (a+\n' > bad.rules
run --rules bad.rules
expect_rc 2; expect_out_empty
expect_err "winnow: bad.rules:3: invalid regex: missing ): (a+"
finish

begin "rules: (a+)+\$ on runs of 200,000 a's finishes at once (RE2 is linear)"
printf 'explode regex (a+)+$\n' > explode.rules
a200k=$(head -c 200000 /dev/zero | tr '\0' a)
printf '%s\n\n%s\n\n%sb.\n\n%s\n' "$S1" "$a200k" "$a200k" "$S2" > explode.txt
start=$(date +%s%N)
timeout 60 "$W" --rules explode.rules --disable line-model --explain explode.txt > out 2> err
rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0
# The run of a's matches and goes; the one ending in "b." does not match.
printf '%s\n\n%sb.\n\n%s\n' "$S1" "$a200k" "$S2" > explode.expected
expect_out_file explode.expected
expect_err "explode.txt:3: rule explode: $(head -c 60 /dev/zero | tr '\0' a)..."
[ "$elapsed_ms" -lt 10000 ] || fail_because "took $elapsed_ms ms"
echo "# $name: $elapsed_ms ms"
finish

# === --index files ============================================================

printf '%s\0%s\0' "$S1" "$S2" > a.nul
printf '%s\0%s\0' "$S1" "$S3" > b.nul
"$W" -z --index good.idx a.nul > /dev/null 2>&1 || echo "# could not make an index file"

# index_bad NAME FILE MESSAGE [ARGS...]: loading FILE is refused with MESSAGE,
# nothing is written, and FILE is left as it was.
index_bad() {
  begin "--index: $1"
  local file=$2 message=$3
  shift 3
  cp "$file" before.idx
  run -z --index "$file" "$@" b.nul
  expect_rc 1; expect_out_empty
  expect_err "winnow: $file: $message"
  expect_same_file before.idx "$file" "the refused index file was changed"
  finish
}
head -c $(( $(wc -c < good.idx) - 1 )) good.idx > cut1.idx
index_bad "truncated by one byte" cut1.idx "file is truncated"
head -c 40 good.idx > cut40.idx
index_bad "truncated in its header" cut40.idx "file is truncated"
python3 -c "import sys; d=bytearray(open('good.idx','rb').read()); d[8]=99; open('v99.idx','wb').write(d)"
index_bad "of another version" v99.idx "index file format version 99; this winnow reads version 5 only (the file was made by another winnow: run that winnow on it, or start a new index)"
printf 'WINNOWST' > magic.idx
index_bad "a magic number and nothing else" magic.idx "file is truncated"
printf 'this is not a winnow index file at all\n' > text.idx
index_bad "not an index file" text.idx "not a winnow index file"
{ cat good.idx; printf 'x'; } > long.idx
index_bad "with trailing bytes" long.idx "index file has trailing bytes"
cp good.idx params.idx
index_bad "made with another --doc-shingle" params.idx "index was made with --doc-shingle 5, this run uses 4" --doc-shingle 4
index_bad "made with another --repeat-documents" params.idx \
  "index was made with other repeated-line parameters (--repeat-documents 10, this run uses 3)" --repeat-documents 3

# === output files, and inputs that fail =======================================

# Three JSONL records: k1, d1 (a copy of k1, dropped), k2.
printf '{"id":"k1","text":"%s"}\n{"id":"d1","text":"%s"}\n{"id":"k2","text":"%s"}\n' "$S1" "$S1" "$S2" > three.jsonl
printf '{"id":"k1","text":"%s"}\n{"id":"k2","text":"%s"}\n' "$S1" "$S2" > three.kept

begin "outputs that share a file are refused before anything is read or written (exit 2)"
rm -f w w.tmp
for pair in "--index w --stats-json w" "--index w --rejects w" "--rejects w --explain-to w" \
            "--explain-to w --stats-json w" "--rejects w --stats-json w.tmp"; do
  # shellcheck disable=SC2086
  run --format jsonl $pair three.jsonl
  expect_rc 2; expect_out_empty
  first=$(echo "$pair" | cut -d' ' -f1); second=$(echo "$pair" | cut -d' ' -f3)
  expect_err_mentions "$first and $second name the same file"
  [ -e w ] || [ -e w.tmp ] && fail_because "$pair: a file was written"
done
# Through a hard link and a symbolic link: the same file by device and inode.
: > real; ln -f real hard; ln -sf real soft
run --format jsonl --rejects hard --stats-json soft three.jsonl
expect_rc 2; expect_err "winnow: soft: --rejects and --stats-json name the same file"
[ -s real ] && fail_because "the linked file was written"
# /dev/null may take any number of outputs.
run --format jsonl --rejects /dev/null --explain-to /dev/null --stats-json /dev/null three.jsonl
expect_rc 0; expect_out_file three.kept
finish

begin "standard output on an input or an output file is refused, in every mode (exit 2)"
cp three.jsonl f.jsonl
"$W" --format jsonl --no-doc-dedup f.jsonl >> f.jsonl 2> err; rc=$?
expect_rc 2; expect_err "winnow: f.jsonl: input file is also standard output"
expect_same_file f.jsonl three.jsonl "the input changed"
"$W" --format jsonl < f.jsonl >> f.jsonl 2> err; rc=$?
expect_rc 2; expect_err "winnow: standard input: input file is also standard output"
printf '%s\n' "$S1" > f.txt; cp f.txt f.orig
ln -f f.txt f.link
"$W" f.link >> f.txt 2> err; rc=$?
expect_rc 2; expect_err "winnow: f.link: input file is also standard output"
expect_same_file f.txt f.orig "the text input changed"
"$W" --format jsonl --rejects out.jsonl three.jsonl > out.jsonl 2> err; rc=$?
expect_rc 2; expect_err "winnow: out.jsonl: --rejects is also standard output"
"$W" --stats-json out.txt f.orig > out.txt 2> err; rc=$?
expect_rc 2; expect_err "winnow: out.txt: --stats-json is also standard output"
# An output that is an input, a rules file included.
printf 'x literal nothing to see\n' > my.rules
run --format jsonl --rules my.rules --stats-json my.rules three.jsonl
expect_rc 2; expect_err "winnow: my.rules: --stats-json would overwrite an input file"
finish

begin "every output file is opened before the first record: a bad path costs nothing"
for opt in --index --stats-json --explain-to --rejects; do
  run --format jsonl $opt no-such-dir/out three.jsonl
  expect_rc 1; expect_out_empty
  expect_err_starts "winnow: no-such-dir/out.tmp: No such file or directory"
done
run --stats-json no-such-dir/s.json f.orig
expect_rc 1; expect_out_empty
mkdir -p ro
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o ro,size=1m tmpfs ro 2> /dev/null; then
  run --format jsonl --index ro/state.idx three.jsonl
  umount ro
  expect_rc 1; expect_out_empty
  expect_err "winnow: ro/state.idx.tmp: Read-only file system"
else
  echo "# not root or no tmpfs: the read-only file system check is skipped"
fi
finish

begin "closed standard descriptors are never taken by a file winnow opens"
for opt in --rejects --explain-to --stats-json; do
  rm -f file
  "$W" --format jsonl $opt file three.jsonl >&- 2> err; rc=$?
  expect_rc 1
  expect_err "winnow: standard output: not open for writing (closed?)"
  [ -e file ] && grep -q '"k2"' file && fail_because "$opt: kept records went into the file"
done
"$W" --format jsonl three.jsonl <&- > out 2> err; rc=$?
expect_rc 0; expect_out_file three.kept
"$W" --format jsonl < /dev/null - <&- > out 2> err; rc=$?
"$W" --format jsonl <&- > out 2> err; rc=$?
expect_rc 1; expect_out_empty
expect_err_starts "winnow: standard input: read failed: Bad file descriptor"
# With stderr closed, the explanation file does not become stderr.
rm -f file
"$W" --format jsonl --explain-to file three.jsonl 2>&- > out; rc=$?
expect_rc 0; expect_out_file three.kept
grep -q 'near-duplicate-document' file || fail_because "the explanation file lacks the decision"
finish

begin "a full disk or a file size limit on stdout: exit 1, whole records only, in every format"
for n in 1 2 3 4 5 6; do for s in "$S1" "$S2" "$S3" "$S4"; do printf '%s %d.\n\n' "$s" $n; done; done > many.txt
{ for k in $(seq 1 3000); do printf '{"id":%d,"text":"Record %d: %s"}\n' $k $k "$S2"; done; } > big.jsonl
tr '\n' '\0' < big.jsonl > big.nul
"$W" --format jsonl --no-doc-dedup --no-repeated-lines big.jsonl > full.jsonl
"$W" -z --no-doc-dedup --no-repeated-lines big.nul > full.nul
for args in "jsonl big.jsonl full.jsonl" "nul big.nul full.nul"; do
  set -- $args
  ( trap '' XFSZ; ulimit -f 100; exec "$W" --format "$1" --no-doc-dedup --no-repeated-lines "$2" ) > cut.out 2> err
  rc=$?
  expect_rc 1
  expect_err_mentions "standard output: write failed: File too large (cut back to the last whole record, at byte "
  n=$(wc -c < cut.out)
  cmp -s -n "$n" cut.out "$3" || fail_because "$1: not a prefix of the whole output"
  [ "$n" -gt 0 ] || fail_because "$1: nothing written"
  last=$(tail -c 1 cut.out | od -An -tx1 | tr -d ' ')
  { [ "$1" = jsonl ] && [ "$last" = 0a ]; } || { [ "$1" = nul ] && [ "$last" = 00 ]; } ||
    fail_because "$1: the output ends inside a record (last byte $last)"
done
mkdir -p small
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=64k tmpfs small 2> /dev/null; then
  "$W" --format jsonl --no-doc-dedup --no-repeated-lines big.jsonl > small/out 2> err; rc=$?
  n=$(wc -c < small/out)
  cmp -s -n "$n" small/out full.jsonl || fail_because "full disk: not a prefix of the whole output"
  [ "$n" -eq 0 ] || [ "$(tail -c 1 small/out | od -An -tx1 | tr -d ' ')" = 0a ] || fail_because "full disk: half a record"
  umount small
  expect_rc 1
  expect_err_mentions "standard output: write failed: No space left on device (cut back"
else
  echo "# not root or no tmpfs: the full-disk check is skipped"
fi
finish

begin "an input FILE that opens but cannot be read is reported and skipped, exit 1, in every format"
mkdir -p a-dir
printf '%s\n' "$S1" > one.txt
run a-dir one.txt
expect_rc 1; expect_out '%s\n' "$S1"; expect_err "winnow: a-dir: read failed: Is a directory"
run --format jsonl --index st.idx --stats-json st.json a-dir three.jsonl a-dir
expect_rc 1; expect_out_file three.kept
expect_err "$(printf 'winnow: a-dir: read failed: Is a directory\nwinnow: a-dir: read failed: Is a directory')"
[ -s st.idx ] || fail_because "the index was not saved"
grep -qF '"input_errors":2,"complete":true' st.json || fail_because "stats: $(cat st.json)"
printf '%s\0%s\0%s\0' "$S1" "$S1" "$S2" > three.nul
run -z a-dir three.nul
expect_rc 1; expect_err "winnow: a-dir: read failed: Is a directory"
[ "$(tr -cd '\0' < out | wc -c)" -eq 2 ] || fail_because "nul: not two records out"
finish

begin "--on-error stop: every output file is complete, and the message says so"
printf '{"id":"k1","text":"%s"}\n{"id":"d1","text":"%s"}\nnot json\n{"id":"k2","text":"%s"}\n' "$S1" "$S1" "$S2" > stop.jsonl
run --format jsonl --rejects r.jsonl --explain-to e.txt --stats-json s.json --index i.idx stop.jsonl
expect_rc 1
expect_out '{"id":"k1","text":"%s"}\n' "$S1"
expect_err "$(printf 'winnow: stop.jsonl: record 3 (byte %d): not a JSON object\nwinnow: written for the records before it: --index i.idx, --rejects r.jsonl, --explain-to e.txt, --stats-json s.json' $(( 2 * ${#S1} + 44 )))"
grep -q '"d1"' r.jsonl || fail_because "rejects lack the copy"
grep -q 'near-duplicate-document' e.txt || fail_because "the explanation lacks the copy"
grep -qF '"records":3,' s.json && grep -qF '"complete":false' s.json || fail_because "stats: $(cat s.json)"
[ -s i.idx ] || fail_because "no index"
ls ./*.tmp 2> /dev/null && fail_because "temporary files left"
finish

begin "SIGINT: every output file is complete, exit 130, and the message says so"
{ printf '{"id":"k1","text":"%s"}\n' "$S1"; sleep 3; printf '{"id":"k2","text":"%s"}\n' "$S2"; } |
  "$W" --format jsonl --stats-json s.json --index i.idx --rejects r.jsonl > out 2> err &
pid=$!
# winnow has its signal handlers once it has opened its output files.
for _ in $(seq 1 100); do ls r.jsonl.*.tmp > /dev/null 2>&1 && break; sleep 0.1; done
sleep 0.2
kill -INT $pid
wait $pid; rc=$?
expect_rc 130
expect_err "$(printf 'winnow: interrupted by SIGINT; the output holds whole records only\nwinnow: written for the records before it: --index i.idx, --rejects r.jsonl, --stats-json s.json')"
grep -qF '"complete":false' s.json || fail_because "stats: $(cat s.json 2> /dev/null)"
[ -s i.idx ] || fail_because "no index"
finish

begin "text mode: --stats-json, --explain-to and --progress work; a bad --help write fails"
printf 'Share\n\n%s\n\n%s\n' "$S1" "$S2" > t1.txt
run --stats-json t.json --explain-to t.explain --force-progress t1.txt one.txt
expect_rc 0
grep -qF '"documents":2,' t.json && grep -qF '"dropped_lines":{"share":1}' t.json &&
  grep -qF '"complete":true' t.json || fail_because "stats: $(cat t.json)"
grep -qx 't1.txt:1: rule share: Share' t.explain || fail_because "explanations: $(cat t.explain)"
grep -qE 'winnow: 0\.0 MB of 0\.0 MB \(100%\), 2 documents' err || fail_because "progress: $(tr '\r' '\n' < err)"
cat t1.txt | "$W" --force-progress > out 2> err
grep -q '%' err && fail_because "a percentage for standard input: $(tr '\r' '\n' < err)"
grep -qF ', 1 document, ' err || fail_because "no progress on standard input"
if [ -w /dev/full ]; then
  for opt in --help --version --print-rules --list-rules; do
    "$W" $opt > /dev/full 2> err; rc=$?
    expect_rc 1; expect_err "winnow: standard output: write failed: No space left on device"
  done
fi
finish

# === options ====================================================================

begin "every out-of-range or meaningless option value: exit 2, naming the option"
while IFS='|' read -r args option; do
  # shellcheck disable=SC2086
  run --format jsonl $args three.jsonl
  expect_rc 2; expect_out_empty
  expect_err_starts "winnow: $option: "
done <<'ROWS'
--shingle 0|--shingle
--shingle 17|--shingle
--permutations 0|--permutations
--permutations 5000|--permutations
--jaccard 0|--jaccard
--jaccard 1.5|--jaccard
--containment 0|--containment
--containment 2|--containment
--max-growth 0.5|--max-growth
--min-containment-words 0|--min-containment-words
--doc-threshold 0|--doc-threshold
--doc-shingle 0|--doc-shingle
--doc-shingle 17|--doc-shingle
--repeat-documents 0|--repeat-documents
--repeat-documents 70000|--repeat-documents
--repeat-documents -1|--repeat-documents
--repeat-max-words -1|--repeat-max-words
--max-document-bytes -1|--max-document-bytes
--max-document-bytes 0|--max-document-bytes
--max-line-bytes -5|--max-line-bytes
--max-paragraph-bytes 0|--max-paragraph-bytes
--max-index-docs -1|--max-index-docs
--threads 300|--threads
--on-error maybe|--on-error
--duplicate-text-key last|--duplicate-text-key
--compress bz2|--compress
ROWS
run --format jsonl --text-field "" three.jsonl
expect_rc 2; expect_err "winnow: --text-field: must not be empty"
finish

begin "options that do nothing in a mode are refused: stream options in text mode, JSONL options elsewhere"
for args in "--text-field body" "--doc-threshold 0.5" "--repeat-documents 3" "--index i" "--rejects r" \
            "--on-error skip" "--keep-empty" "--no-doc-dedup" "--annotate"; do
  # shellcheck disable=SC2086
  run $args one.txt
  expect_rc 2
  expect_err "winnow: $(echo "$args" | cut -d' ' -f1): works on document streams only (--format jsonl, wet or nul)"
done
run -z --text-field body three.nul
expect_rc 2; expect_err "winnow: --text-field: needs --format jsonl"
for args in "--id-field key" "--url-field addr"; do
  # shellcheck disable=SC2086
  run -z $args three.nul
  expect_rc 2; expect_err "winnow: $(echo "$args" | cut -d' ' -f1): needs --format jsonl"
done
run -z --index-wait three.nul
expect_rc 2; expect_err "winnow: --index-wait: needs --index FILE"
for format in jsonl wet text; do
  run -z --format $format three.nul
  expect_rc 2; expect_out_empty; expect_err "winnow: -z: means --format nul; it conflicts with --format $format"
done
run -z --format nul three.nul
expect_rc 0
finish

begin "--index: made with another --repeat-max-words: the message names it"
printf '{"text":"%s"}\n' "$S1" > rmw.jsonl
rm -f rmw.idx
"$W" --format jsonl --index rmw.idx rmw.jsonl > /dev/null 2>&1
cp rmw.idx rmw.before
run --format jsonl --index rmw.idx --repeat-max-words 8 rmw.jsonl
expect_rc 1; expect_out_empty
expect_err "winnow: rmw.idx: index was made with other repeated-line parameters (--repeat-max-words 12, this run uses 8)"
expect_same_file rmw.idx rmw.before "the index changed"
finish

# === hard memory limit ========================================================

# ulimit -v counts address space, not memory used: glibc reserves 64 MiB
# per malloc arena and thread, so the arenas are capped at 2.
LIMIT_KIB=$((256 * 1024))
begin "under ulimit -v 256 MiB: a 1.5 GiB text document passes through unchanged"
if [ "$LIGHT" = 1 ]; then
  echo "# skipped in a light run (sanitizers reserve terabytes of address space)"
else
  gen="yes 'A line of a very large document, far larger than the memory limit.' | head -c $((1536 * MiB))"
  start=$(date +%s%N)
  bash -c "$gen" | (export MALLOC_ARENA_MAX=2; ulimit -v $LIMIT_KIB && exec timeout 300 "$W") 2> err | md5sum > out.md5
  rc=${PIPESTATUS[1]}
  secs=$(( ($(date +%s%N) - start) / 1000000000 ))
  expect_rc 0
  expect_md5_of "$gen"
  expect_err "winnow: standard input: larger than $DEFAULT_LIMIT $TOO_LARGE"
  echo "# $name: ${secs}s"
fi
finish

begin "under ulimit -v 256 MiB, -j2: 150 MB of JSONL documents and three 400 MiB records"
if [ "$LIGHT" = 1 ]; then
  echo "# skipped in a light run (sanitizers reserve terabytes of address space)"
else
  start=$(date +%s%N)
  python3 "$GEN" input 150 400 3 |
    (export MALLOC_ARENA_MAX=2; ulimit -v $LIMIT_KIB && exec timeout 600 "$W" --format jsonl -j2 --stats) 2> err |
    md5sum > out.md5
  rc=${PIPESTATUS[1]}
  secs=$(( ($(date +%s%N) - start) / 1000000000 ))
  expect_rc 0
  # Every copy is dropped, every other record comes out as it went in.
  expect_md5_of "python3 '$GEN' expected 150 400 3"
  [ "$(grep -c "$TOO_LARGE" err)" -eq 3 ] || fail_because "not three too-large messages: $(head -n 5 err)"
  grep -qF "too large (passed through unanalysed) 3, malformed 0" err || fail_because "stats: $(grep records err)"
  grep -qE "dropped [0-9]+ documents as near-duplicate-document" err || fail_because "no copy was dropped"
  echo "# $name: ${secs}s"
fi
finish

begin "under ulimit -v set to README's memory bound, -j1: documents of long lines, short lines, sentences and one-letter words, as text files, NUL and JSONL records"
if [ "$LIGHT" = 1 ]; then
  echo "# skipped in a light run (sanitizers reserve terabytes of address space)"
else
  # The bound as README states it (the test reads it there, so the two
  # cannot drift apart): address space per analysed document.
  bound=$(tr '\n' ' ' < "$HERE/../../README.md" |
    grep -oE 'at most [0-9]+ bytes per byte as a text file and [0-9]+ as a stream record, plus [0-9]+ bytes per line, [0-9]+ bytes per word beyond one word in [0-9]+ bytes, and [0-9]+ MiB' |
    head -n 1 | grep -oE '[0-9]+' | tr '\n' ' ')
  read -r text_per_byte stream_per_byte per_line per_word word_bytes base_mib rest <<< "$bound"
  if [ -z "$base_mib" ] || [ -n "$rest" ]; then
    fail_because "README states no memory bound in the form this test reads"
  else
    # Sentences of 12 pseudo-random words (the C library's classic LCG), one
    # a line, a blank line after every fourth: many short paragraphs.
    awk -v bytes=10000000 'BEGIN {
      s = 1; n = 0
      while (n < bytes) {
        t = "Word"
        for (j = 0; j < 12; j++) { s = (s * 1103515245 + 12345) % 2147483648; t = t " v" int(s / 65536) % 5000 }
        t = t "."; print t; n += length(t) + 1
        if (++k % 4 == 0) { print ""; n++ }
      }
    }' > sentences.txt
    { tr '\n' ' ' < sentences.txt; echo; } > one-line.txt        # 10 MB on one line
    awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "Item %d.\n", i }' > short-lines.txt
    awk 'BEGIN { for (i = 0; i < 150000; i++) { for (j = 0; j < 33; j++) printf "%c ", 97 + (i + j) % 26; print "z" } }' > letters.txt
    for doc in sentences one-line short-lines letters; do
      { cat "$doc.txt"; printf '\0'; } > "$doc.nul"
      awk 'BEGIN { ORS = "" } { line[NR] = $0 } END { print "{\"text\":\""; for (i = 1; i <= NR; i++) print line[i] "\\n"; print "\"}\n" }' "$doc.txt" > "$doc.jsonl"
      bytes=$(wc -c < "$doc.txt") lines=$(wc -l < "$doc.txt") words=$(wc -w < "$doc.txt")
      extra_words=$(( words - bytes / word_bytes ))
      [ "$extra_words" -gt 0 ] || extra_words=0
      for args in "$doc.txt" "-z $doc.nul" "--format jsonl $doc.jsonl"; do
        per_byte=$stream_per_byte
        [ "$args" = "$doc.txt" ] && per_byte=$text_per_byte
        limit_kib=$(( (base_mib * MiB + per_byte * bytes + per_line * lines + per_word * extra_words) / 1024 ))
        # shellcheck disable=SC2086
        # --threshold 0: the line model drops nothing, so every line is
        # also written (the bound holds for the writer too, and a run of
        # alike short lines such as short-lines.txt, which the model drops
        # as one list, still comes out).
        ( export MALLOC_ARENA_MAX=2; ulimit -v "$limit_kib"; exec /usr/bin/time -f %M -o rss.txt "$W" -j1 --threshold 0 $args ) > out 2> err
        rc=$?
        [ "$rc" -eq 0 ] || fail_because "$args: exit $rc under ulimit -v $limit_kib KiB ($bytes bytes, $lines lines, $words words): $(head -c 200 err)"
        [ -s out ] || fail_because "$args: no output"
        echo "# $args ($bytes bytes, $lines lines, $words words): under ulimit -v $(( limit_kib / 1024 )) MiB, peak RSS $(( $(tail -n 1 rss.txt) / 1024 )) MiB"
      done
      # The document comes out of each format with the same kept text.
      "$W" -j1 "$doc.txt" > want.txt
      "$W" -j1 -z "$doc.nul" | tr -d '\0' > got.txt
      cmp -s want.txt got.txt || fail_because "$doc: the NUL record's text differs from the text file's"
    done
  fi
fi
finish

begin "text mode over 600 files of 48 KiB: memory is that of two batches, not of every record slot's largest document"
if [ "$LIGHT" = 1 ] || [ ! -x /usr/bin/time ]; then
  echo "# skipped in a light run or without /usr/bin/time (peak RSS measured)"
else
  # Sentences of 12 pseudo-random words, one a line, in one 48 KiB page,
  # hard-linked 600 times. 100 files fill both batches (2 MiB each); the
  # other 500 pass through the same 512 record slots, each of which may
  # keep 32 KiB of buffers between batches (README: 16 MiB in all).
  awk -v bytes=49152 'BEGIN {
    s = 7; n = 0
    while (n < bytes) {
      t = "Word"
      for (j = 0; j < 12; j++) { s = (s * 1103515245 + 12345) % 2147483648; t = t " v" int(s / 65536) % 5000 }
      t = t "."; print t; n += length(t) + 1
      if (++k % 4 == 0) { print ""; n++ }
    }
  }' > page.txt
  mkdir many
  for i in $(seq 1000 1599); do ln page.txt "many/$i.txt"; done
  few=$(printf 'many/%s.txt ' $(seq 1000 1099))
  # shellcheck disable=SC2086
  /usr/bin/time -f %M -o rss.few "$W" -j1 $few > out.few 2> err
  rc=$?
  expect_rc 0
  /usr/bin/time -f %M -o rss.all "$W" -j1 many/*.txt > out.all 2> err
  rc=$?
  expect_rc 0
  few_kib=$(tail -n 1 rss.few) all_kib=$(tail -n 1 rss.all)
  [ -s out.few ] && [ "$(wc -c < out.all)" -eq $(( $(wc -c < out.few) * 6 )) ] ||
    fail_because "600 copies did not give 6 times the output of 100"
  [ $(( all_kib - few_kib )) -lt $(( 16 * 1024 )) ] ||
    fail_because "peak RSS $all_kib KiB over 600 files, $few_kib KiB over 100: $(( (all_kib - few_kib) / 1024 )) MiB more, expected below 16 MiB"
  echo "# peak RSS: 100 files $(( few_kib / 1024 )) MiB, 600 files $(( all_kib / 1024 )) MiB"
fi
finish

begin "under ulimit -v 64 MiB, below what --max-document-bytes needs: a clear message, exit 1, no partial output"
if [ "$LIGHT" = 1 ]; then
  echo "# skipped in a light run (sanitizers reserve terabytes of address space)"
else
  yes 'A line of text that fills the document.' | head -c $((100 * MiB)) |
    (export MALLOC_ARENA_MAX=2; ulimit -v $((64 * 1024)) && exec timeout 60 "$W") > out 2> err
  rc=${PIPESTATUS[2]}
  expect_rc 1
  expect_out_empty
  expect_err "winnow: out of memory (a smaller --max-document-bytes, -j or --max-index-docs needs less)"
fi
finish

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
