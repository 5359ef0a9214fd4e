#!/usr/bin/env bash
# compress_test.sh WINNOW: compressed input and output, made and read back
# with Debian's own gzip and zstd tools. Input compressed either way must
# give the output of the plain bytes, in every format, from a FILE and from
# standard input; multi-member gzip (one member per WARC record, as Common
# Crawl writes WET) and concatenated zstd frames are read whole; a stream cut
# at 4 KiB boundaries, or damaged, is an error naming gzip or zstd and
# the byte, after the whole records before it; --compress writes what zcat
# and zstdcat read back.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/cli/testlib.sh
source "$HERE/testlib.sh"
suite_start compress_test.sh "$@"
CORPUS=$HERE/../../corpus

for tool in gzip zstd; do
  command -v $tool > /dev/null || { echo "compress_test.sh: $tool is missing (apt-get install $tool)" >&2; exit 2; }
done

# plain FILE ARGS...: winnow's output on the plain bytes, into $T/want.
plain() {
  local file=$1
  shift
  "$W" "$@" "$file" > "$T/want" 2> /dev/null
}

# --- every format, gzip and zstd, FILE and stdin ----------------------------------

cp "$CORPUS/tabloid_news.txt" doc.txt
cp "$CORPUS/streams/news.jsonl" news.jsonl
cp "$CORPUS/streams/news.wet" pages.wet
tr '\n' '\0' < "$CORPUS/tabloid_news.txt" > doc.nul

for row in "text doc.txt" "jsonl news.jsonl --format jsonl" "wet pages.wet --format wet" "nul doc.nul -z"; do
  set -- $row
  label=$1 file=$2
  shift 2
  begin "$label: gzip and zstd input, as FILE and on stdin, give the plain input's output"
  plain "$file" "$@"
  [ -s want ] || fail_because "no output on the plain input"
  gzip -nc "$file" > "$file.gz"
  zstd -qc "$file" > "$file.zst"
  for packed in "$file.gz" "$file.zst"; do
    run "$@" "$packed"
    expect_rc 0; expect_out_file want; expect_err_empty
    run_stdin "$packed" "$@"
    expect_rc 0; expect_out_file want; expect_err_empty
  done
  finish
done

# --- many members, many frames ----------------------------------------------------

begin "wet: one gzip member per record, as Common Crawl writes it"
plain pages.wet --format wet
# Split before every version line; each record becomes one gzip member.
awk '/^WARC\/1\.[01]\r?$/ { n++ } { print > sprintf("rec.%04d", n) }' pages.wet
[ "$(ls rec.* | wc -l)" -ge 3 ] || fail_because "the sample has fewer than 3 records"
for f in rec.*; do gzip -nc "$f"; done > pages.warc.wet.gz
run --format wet pages.warc.wet.gz
expect_rc 0; expect_out_file want; expect_err_empty
rm -f rec.*
finish

begin "jsonl: a gzip member and a zstd frame every 2 lines"
plain news.jsonl --format jsonl
split -l 2 news.jsonl part.
for f in part.*; do gzip -nc "$f"; done > news.multi.gz
for f in part.*; do zstd -qc "$f"; done > news.multi.zst
for packed in news.multi.gz news.multi.zst; do
  run --format jsonl "$packed"
  expect_rc 0; expect_out_file want; expect_err_empty
done
rm -f part.*
finish

begin "zstd: a skippable frame is skipped"
plain news.jsonl --format jsonl
{ printf '\x50\x2a\x4d\x18\x04\x00\x00\x00skip'; zstd -qc news.jsonl; } > skip.zst
run --format jsonl skip.zst
expect_rc 0; expect_out_file want; expect_err_empty
finish

# --- truncated and corrupt --------------------------------------------------------

# 400 KB of JSONL that compresses poorly (numbers), so that the compressed
# file spans many 4 KiB blocks, and zstd's 128 KiB blocks more than one.
awk 'BEGIN { s = 7; for (i = 1; i <= 4000; i++) { t = ""; for (j = 0; j < 12; j++) { s = (s * 1103515245 + 12345) % 2147483648; t = t " w" s } printf "{\"id\":%d,\"text\":\"Record %d says%s.\"}\n", i, i, t } }' > cut.jsonl
"$W" --format jsonl --no-doc-dedup --no-repeated-lines cut.jsonl > cut.want
for kind in gzip zstd; do
  begin "$kind: cut at 4 KiB boundaries: the whole records before the cut, then the error and its byte"
  if [ $kind = gzip ]; then gzip -nc cut.jsonl > cut.packed; else zstd -qc cut.jsonl > cut.packed; fi
  size=$(wc -c < cut.packed)
  [ "$size" -gt 12288 ] || fail_because "the compressed test file is only $size bytes"
  previous=0
  # Every 4 KiB boundary up to 16 KiB, then every fourth one (each cut
  # costs four runs; the cuts past the first blocks are all alike); under
  # the sanitizers (WINNOW_HOSTILE_LIGHT=1, as the bad-input suite) the
  # first three and the last one.
  cuts=()
  for ((at = 4096; at < size; at += at < 16384 ? 4096 : 16384)); do cuts+=($at); done
  if [ "${WINNOW_HOSTILE_LIGHT:-0}" = 1 ]; then
    cuts=(4096 8192 12288 $(( (size - 1) / 4096 * 4096 )))
  fi
  for at in "${cuts[@]}"; do
    head -c $at cut.packed > cut.part
    for how in file stdin; do
      if [ $how = file ]; then run --format jsonl --no-doc-dedup --no-repeated-lines cut.part; where=cut.part
      else run_stdin cut.part --format jsonl --no-doc-dedup --no-repeated-lines; where="standard input"; fi
      expect_rc 1
      expect_err "winnow: $where: truncated $kind input at byte $at"
      n=$(wc -c < out)
      cmp -s -n "$n" out cut.want || fail_because "cut at $at ($how): the output is not a prefix of the whole output"
      [ "$n" -eq 0 ] || [ "$(tail -c 1 out | od -An -c | tr -d ' ')" = '\n' ] ||
        fail_because "cut at $at ($how): the output ends inside a record"
      [ $how = file ] && { [ "$n" -ge "$previous" ] || fail_because "cut at $at: fewer records than at a shorter cut"; previous=$n; }
    done
  done
  [ "$previous" -gt 0 ] || fail_because "no cut gave any record"
  finish

  begin "$kind: a damaged byte in the middle is corrupt input, with its offset"
  mid=$((size / 2))
  { head -c $mid cut.packed; printf '\xff\xff\xff\xff'; tail -c +$((mid + 5)) cut.packed; } > bad.packed
  run --format jsonl --no-doc-dedup --no-repeated-lines bad.packed
  expect_rc 1
  grep -qE "^winnow: bad.packed: corrupt $kind input at byte [0-9]+: " err || fail_because "stderr: $(cat err)"
  n=$(wc -c < out)
  cmp -s -n "$n" out cut.want || fail_because "the output is not a prefix of the whole output"
  finish
done

begin "gzip: bytes after the last member are corrupt input, after every record"
gzip -nc news.jsonl > tail.gz
printf 'garbage' >> tail.gz
plain news.jsonl --format jsonl
run --format jsonl tail.gz
expect_rc 1
expect_out_file want
expect_err "winnow: tail.gz: corrupt gzip input at byte $(( $(wc -c < tail.gz) - 7 )): not a gzip member after the end of the previous one"
finish

begin "text: a truncated gzip document is reported and skipped, the next FILE is read"
gzip -nc doc.txt | head -c 500 > short.txt.gz
plain doc.txt
run short.txt.gz doc.txt
expect_rc 1
expect_out_file want
expect_err "winnow: short.txt.gz: truncated gzip input at byte 500"
finish

begin "a file shorter than a magic number is plain text"
printf '\x1f' > one-byte
run one-byte
expect_rc 0; expect_err_empty
finish

# --- compressed output ------------------------------------------------------------

for row in "text doc.txt" "jsonl news.jsonl --format jsonl" "wet pages.wet --format wet" "nul doc.nul -z"; do
  set -- $row
  label=$1 file=$2
  shift 2
  begin "$label: --compress gzip and zstd: zcat and zstdcat give the plain output, winnow reads it back"
  plain "$file" "$@"
  run --compress gzip "$@" "$file"
  expect_rc 0; expect_err_empty
  zcat out > unpacked || fail_because "zcat failed"
  expect_same_file want unpacked "zcat of --compress gzip"
  run --compress zstd "$@" "$file"
  expect_rc 0; expect_err_empty
  zstdcat out > unpacked || fail_because "zstdcat failed"
  expect_same_file want unpacked "zstdcat of --compress zstd"
  # Cleaning the cleaned output again, compressed, changes nothing more
  # than cleaning the plain output again.
  "$W" "$@" want > again.want 2> /dev/null
  "$W" "$@" out > again.got 2> /dev/null
  expect_same_file again.want again.got "winnow reading its own compressed output"
  finish
done

begin "wet --compress gzip: one gzip member per record"
run --format wet --compress gzip pages.wet
expect_rc 0
records=$(zcat out | grep -cE "^WARC/1\.[01]"$'\r'"?\$")
# Count the members: each starts with the magic and ends where zlib says.
members=$(python3 -c '
import sys, zlib
data = open(sys.argv[1], "rb").read()
n = 0
while data:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    d.decompress(data)
    data = d.unused_data
    n += 1
print(n)' out)
[ "$records" -ge 3 ] && [ "$members" = "$records" ] || fail_because "$records records in $members gzip members"
finish

begin "--compress: an unknown method is a usage error"
run --compress lz4 doc.txt
expect_rc 2
expect_err "winnow: --compress: expected none, gzip or zstd, not 'lz4'"
finish

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
