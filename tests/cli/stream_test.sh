#!/usr/bin/env bash
# stream_test.sh WINNOW: tests of document streams through the built binary:
# NUL-separated documents, WARC/WET, JSONL; cross-document deduplication,
# repeated lines, --index, --rejects, --on-error, --annotate, thread counts.
#
# Prints "ok - NAME" / "not ok - NAME" per check, then "N passed, M failed".
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/cli/testlib.sh
source "$HERE/testlib.sh"
suite_start stream_test.sh "$@"

# --- documents ---------------------------------------------------------------

# article N: a distinct article of body paragraphs with a menu line inside.
article() {
  local n=$1
  printf 'Council budget story number %s\n\n' "$n"
  printf 'The district council approved budget number %s on Tuesday after a debate that lasted well into the evening.\n\n' "$n"
  printf 'Main menu of the county paper\n\n'
  printf 'Councillors from ward %s said the plan for item %s would protect the library and the swimming pool for another year.\n\n' "$n" "$n"
  printf 'Residents will be able to comment on proposal %s until the end of next month at the town hall.\n' "$n"
}

: > a.nul
article 1 >> a.nul; printf '\0' >> a.nul
article 2 >> a.nul; printf '\0' >> a.nul
article 1 >> a.nul; printf '\0' >> a.nul            # an exact copy of document 1
{ printf 'Skip to content\nHome\nNews\n\n'; article 2; printf '\nShare this article\nFacebook\n'; } >> a.nul
printf '\0' >> a.nul                                  # document 2 with other boilerplate
printf 'Home\nNews\nContact\n' >> a.nul; printf '\0' >> a.nul   # nothing left: empty

# --- NUL-separated documents ---------------------------------------------------

begin "-z: copies and copies with other boilerplate are dropped, the first kept"
run -z --explain a.nul
expect_rc 0
{ article 1; printf '\0'; article 2; printf '\0'; } > a.kept
# The kept documents lose their menu line (no-terminal-punct keeps it only
# between body lines: it is between body lines, so it stays), compare with
# a run of each document alone.
"$W" < <(article 1) > one.txt
"$W" < <(article 2) > two.txt
{ cat one.txt; printf '\0'; cat two.txt; printf '\0'; } > a.expected
expect_out_file a.expected
grep -q '^a.nul:3: document near-duplicate-document of record 1 (jaccard 1.00)$' err ||
  fail_because "no explain line for document 3; stderr: $(head -n 20 err)"
grep -qE '^a.nul:4: document near-duplicate-document of record 2 \(jaccard (0\.[89][0-9]|1\.00)\)$' err ||
  fail_because "no explain line for document 4"
grep -q '^a.nul:5: document empty$' err || fail_because "no explain line for document 5"
finish

begin "-z: the same bytes for -j1, -j2 and -j4 (and small batches)"
"$W" -z -j1 a.nul > j1.out
for j in 2 4; do
  "$W" -z -j$j a.nul > j$j.out
  expect_same_file j1.out j$j.out "-j$j differs from -j1"
done
finish

begin "-z --keep-empty keeps the empty document as an empty record"
run -z --keep-empty a.nul
expect_rc 0
{ cat a.expected; printf '\0'; } > keep-empty.expected
expect_out_file keep-empty.expected
finish

begin "--no-doc-dedup keeps the copies"
run -z --no-doc-dedup a.nul
expect_rc 0
[ "$(tr -cd '\0' < out | wc -c)" -eq 4 ] || fail_because "expected 4 records, got $(tr -cd '\0' < out | wc -c)"
finish

begin "--rejects FILE gets the dropped records, byte for byte"
run -z --rejects rejects.nul a.nul
expect_rc 0
# Records 3, 4 and 5 of the input, in order.
python3 - <<'PY' > rejects.expected
import sys
recs = open("a.nul", "rb").read().split(b"\0")
sys.stdout.buffer.write(b"".join(r + b"\0" for r in recs[2:5]))
PY
expect_same_file rejects.expected rejects.nul "rejects file"
[ -e rejects.nul.tmp ] && fail_because "temporary rejects file left behind"
finish

# --- repeated lines --------------------------------------------------------------

: > many.nul
for i in $(seq 1 14); do article "$i" >> many.nul; printf '\0' >> many.nul; done

# The same pages as JSONL, all of one site (county.example), or each of its own site.
to_jsonl() {  # to_jsonl SITES: NUL records on stdin, one JSONL record each, url on one of SITES sites
  python3 -c '
import json, sys
sites = int(sys.argv[1])
for i, text in enumerate(sys.stdin.read().split("\0")[:-1]):
    site = "county.example" if sites == 1 else "site%d.example" % i
    print(json.dumps({"url": "https://www.%s/page/%d" % (site, i + 1), "text": text}))
' "$1"
}
to_jsonl 1 < many.nul > many.jsonl
to_jsonl 14 < many.nul > sites.jsonl

begin "a line on 10 earlier pages of a site is dropped from the 11th on"
run --format jsonl --explain many.jsonl
expect_rc 0
for i in $(seq 1 10); do
  grep -q "^many.jsonl:$i:5: rule repeated-line" err && fail_because "document $i lost the menu line"
done
for i in $(seq 11 14); do
  grep -q "^many.jsonl:$i:5: rule repeated-line: Main menu of the county paper$" err || fail_because "document $i kept the menu line"
done
[ "$(grep -c 'Main menu of the county paper' out)" -eq 10 ] ||
  fail_because "expected the menu line 10 times in the output"
finish

begin "a lone line shared by pages of 14 sites, or of a stream without urls, is content: it stays"
run --format jsonl sites.jsonl
expect_rc 0
[ "$(grep -c 'Main menu of the county paper' out)" -eq 14 ] || fail_because "14 sites: expected 14 copies"
run -z many.nul
expect_rc 0
[ "$(grep -c 'Main menu of the county paper' out)" -eq 14 ] || fail_because "no urls: expected 14 copies"
finish

begin "without urls, a block of three lines repeated in 10 earlier documents is a template"
: > block.nul
for i in $(seq 1 14); do
  { article "$i"; printf '\nOpening hours Monday to Friday\nSaturday mornings only\nClosed on public holidays\n'; } >> block.nul
  printf '\0' >> block.nul
done
run -z block.nul
expect_rc 0
[ "$(grep -c 'Saturday mornings only' out)" -eq 10 ] || fail_because "expected the block 10 times"
finish

begin "--repeat-documents 3 and --no-repeated-lines"
run --format jsonl --repeat-documents 3 many.jsonl
[ "$(grep -c 'Main menu of the county paper' out)" -eq 3 ] || fail_because "expected 3 copies"
run --format jsonl --no-repeated-lines many.jsonl
[ "$(grep -c 'Main menu of the county paper' out)" -eq 14 ] || fail_because "expected 14 copies"
finish

begin "a real sentence quoted in every document is never a repeated line"
: > quote.nul
for i in $(seq 1 14); do
  { article "$i"; printf '\nThe mayor said the decision was the hardest the council had faced in years.\n'; } >> quote.nul
  printf '\0' >> quote.nul
done
run -z quote.nul
[ "$(grep -c 'The mayor said the decision was the hardest' out)" -eq 14 ] ||
  fail_because "the quotation was dropped from some documents"
finish

# --- scripts written without spaces between words --------------------------

# Articles in Thai, Lao, Khmer, Myanmar and Tibetan (written for these tests),
# paragraphs separated by "|". In these scripts a whole clause normalises to
# one word, so document and paragraph shingles are made of characters.
unspaced_articles() {
  cat <<'TEXT'
th1	เทศบาลตำบลทุ่งดาวเรืองเปิดตลาดเกษตรกรแห่งใหม่ที่ลานหน้าสำนักงานเทศบาลเมื่อเช้าวันเสาร์ที่ผ่านมา มีชาวบ้านมาจับจ่ายซื้อของกว่าหนึ่งพันคน|ตลาดแห่งนี้จะเปิดทุกวันเสาร์ ตั้งแต่หกโมงเช้าถึงเที่ยงวัน เกษตรกรในพื้นที่นำผัก ผลไม้ และไข่ไก่มาขายได้โดยไม่ต้องเสียค่าเช่าแผง|ป้าบุญมี อายุหกสิบสองปี นำผักบุ้งและมะนาวจากสวนหลังบ้านมาขาย บอกว่าวันนี้ขายหมดก่อนเก้าโมงเช้า
th2	ฝนตกหนักต่อเนื่องตลอดคืนวันอังคาร ทำให้น้ำท่วมถนนหลายสายในตัวเมืองเชียงราย ชาวบ้านต้องขนย้ายสิ่งของขึ้นที่สูง|เจ้าหน้าที่ป้องกันและบรรเทาสาธารณภัยจังหวัดนำเรือท้องแบนออกช่วยเหลือผู้สูงอายุและเด็กที่ติดอยู่ในบ้านริมแม่น้ำกก|ผู้ว่าราชการจังหวัดกล่าวว่า ระดับน้ำในแม่น้ำกกสูงขึ้นเกือบสองเมตรภายในหนึ่งคืน และคาดว่าจะลดลงภายในสามวันหากฝนหยุดตก
th3	ห้องสมุดประชาชนอำเภอแม่ริมเปิดให้บริการอีกครั้งหลังปิดปรับปรุงนานหกเดือน โดยมีหนังสือใหม่กว่าสามพันเล่ม|บรรณารักษ์ประจำห้องสมุดเล่าว่า มุมหนังสือเด็กได้รับความนิยมมากที่สุด ผู้ปกครองพาลูกมาอ่านนิทานทุกเย็นหลังเลิกเรียน|ห้องสมุดเปิดวันอังคารถึงวันอาทิตย์ ตั้งแต่แปดโมงครึ่งถึงสี่โมงครึ่งเย็น ปิดทุกวันจันทร์และวันหยุดนักขัตฤกษ์
lo1	ເມືອງຫຼວງພະບາງມີນັກທ່ອງທ່ຽວມາຢ້ຽມຢາມຫຼາຍກວ່າທຸກປີ ຍ້ອນມີງານບຸນປີໃໝ່ລາວ ແລະ ການແຂ່ງເຮືອຢູ່ແມ່ນ້ຳຂອງ|ເຈົ້າຂອງຮ້ານອາຫານຫຼາຍແຫ່ງບອກວ່າ ລາຍຮັບເພີ່ມຂຶ້ນເກືອບສອງເທົ່າ ທຽບກັບປີກາຍ|ອົງການປົກຄອງເມືອງໄດ້ກະກຽມບ່ອນຈອດລົດ ແລະ ຫ້ອງນ້ຳສາທາລະນະເພີ່ມຕື່ມ ເພື່ອຮອງຮັບຜູ້ມາທ່ຽວ
lo2	ໂຮງຮຽນປະຖົມໃນແຂວງຈຳປາສັກໄດ້ຮັບປຶ້ມແບບຮຽນໃໝ່ຫຼາຍກວ່າຫ້າພັນຫົວ ຈາກໂຄງການຊ່ວຍເຫຼືອການສຶກສາ|ຄູສອນເວົ້າວ່າ ນັກຮຽນມັກອ່ານປຶ້ມນິທານ ແລະ ປຶ້ມວິທະຍາສາດທີ່ມີຮູບພາບສີສັນງາມ|ໂຄງການນີ້ຈະຂະຫຍາຍໄປຮອດໂຮງຮຽນໃນເຂດຊົນນະບົດອີກສາມສິບແຫ່ງໃນປີໜ້າ
km1	ក្រុមហ៊ុនផលិតស្បែកជើងមួយនៅខេត្តកំពង់ស្ពឺបានបើកកន្លែងធ្វើការថ្មីសម្រាប់កម្មករជាងប្រាំរយនាក់។|អ្នកគ្រប់គ្រងរោងចក្របាននិយាយថា ប្រាក់ខែរបស់កម្មករនឹងកើនឡើងនៅឆ្នាំក្រោយ។|អាជ្ញាធរខេត្តបានសន្យាថានឹងជួសជុលផ្លូវទៅកាន់រោងចក្រមុនរដូវភ្លៀង។
km2	សិស្សានុសិស្សនៅសាលាបឋមសិក្សាមួយក្នុងក្រុងសៀមរាបបានដាំដើមឈើជាងមួយពាន់ដើមនៅជុំវិញបរិវេណសាលា។|លោកគ្រូនាយកសាលាបានពន្យល់ថា គម្រោងនេះជួយឱ្យកុមាររៀនពីការថែរក្សាបរិស្ថាន។|ឪពុកម្តាយជាច្រើនក៏បានមកជួយស្រោចទឹកនៅរៀងរាល់ចុងសប្តាហ៍។
my1	ရန်ကုန်မြို့တွင် မိုးသည်းထန်စွာ ရွာသွန်းသဖြင့် လမ်းများစွာ ရေလွှမ်းမိုးခဲ့သည်။|မီးသတ်တပ်ဖွဲ့ဝင်များသည် နေအိမ်များတွင် ပိတ်မိနေသော သက်ကြီးရွယ်အိုများကို ကယ်ဆယ်ခဲ့ကြသည်။|မိုးလေဝသဌာနက နောက်ထပ် သုံးရက်ကြာ မိုးဆက်ရွာမည်ဟု သတိပေးထားသည်။
my2	မန္တလေးမြို့ရှိ စာကြည့်တိုက်အသစ်တွင် စာအုပ်ပေါင်း တစ်သောင်းကျော် ထားရှိပြီး ကလေးများအတွက် သီးသန့်အခန်းတစ်ခု ပါဝင်သည်။|စာကြည့်တိုက်မှူးက ကျောင်းသားများ နေ့စဉ် လာရောက်ဖတ်ရှုကြသည်ဟု ပြောသည်။|တနင်္ဂနွေနေ့တိုင်း အင်္ဂလိပ်စာ သင်တန်းကို အခမဲ့ ဖွင့်လှစ်ပေးသည်။
bo1	ལྷ་སའི་གྲོང་ཁྱེར་དུ་སློབ་གྲྭ་གསར་པ་ཞིག་བཙུགས་ནས་སློབ་ཕྲུག་ལྔ་བརྒྱ་ལྷག་ལ་སློབ་སྦྱོང་བྱེད་པའི་གོ་སྐབས་ཐོབ་ཡོད།|སློབ་དཔོན་རྣམས་ཀྱིས་བོད་ཡིག་དང་རྩིས་རིག་སློབ་ཁྲིད་བྱེད་ཀྱི་ཡོད།|ཕ་མ་ཚོས་སློབ་གྲྭ་འདིར་དགའ་པོ་བྱུང་ཞེས་བཤད།
bo2	ས་གནས་ཀྱི་ཞིང་པ་ཚོས་ད་ལོ་ནས་ཐོག་ལེགས་པོ་བྱུང་བས་ཚོང་ར་ལ་འབྲུ་རིགས་མང་པོ་འཚོང་དུ་ཕྱིན།|རིན་གོང་ཡང་ན་ནིང་ལས་མཐོ་བ་བྱུང་།|ཞིང་པ་ཞིག་གིས་ང་ཚོའི་འཚོ་བ་ཡར་རྒྱས་བྱུང་ཞེས་བཤད།
TEXT
}
# One word changed in the first article of each script: a near-copy.
unspaced_edit() {
  sed -e 's/หนึ่งพันคน/สองพันคน/' -e 's/ສອງເທົ່າ/ສາມເທົ່າ/' -e 's/ប្រាំរយ/ប្រាំមួយរយ/' \
      -e 's/သုံးရက်/လေးရက်/' -e 's/ལྔ་བརྒྱ/དྲུག་བརྒྱ/'
}
# unspaced_jsonl: every article, then each first article edited (id NAME-edit).
{
  unspaced_articles | while IFS=$'\t' read -r id text; do
    printf '{"id":"%s","text":"%s"}\n' "$id" "${text//|/\\n\\n}"
  done
  unspaced_articles | grep '^..1' | unspaced_edit | while IFS=$'\t' read -r id text; do
    printf '{"id":"%s-edit","text":"%s"}\n' "$id" "${text//|/\\n\\n}"
  done
} > unspaced.jsonl

begin "unspaced scripts: a near-copy with one word changed is a near-duplicate document; other articles are not"
run --format jsonl --no-rules --explain unspaced.jsonl
expect_rc 0
for s in th lo km my bo; do
  grep -q "^unspaced.jsonl:[0-9]*: document near-duplicate-document of record [0-9]* (id \"${s}1\"" err ||
    fail_because "the edited copy of ${s}1 was not found: $(grep "${s}1-edit" out | head -c 80)"
done
[ "$(grep -c near-duplicate-document err)" -eq 5 ] || fail_because "expected 5 near-duplicates; got: $(cat err)"
# Different articles share few shingles of characters: none is dropped even at
# a threshold of 0.3.
run --format jsonl --no-rules --doc-threshold 0.3 --explain unspaced.jsonl
grep -v -e '-edit' -e '"th1"' -e '"lo1"' -e '"km1"' -e '"my1"' -e '"bo1"' err | grep -q . &&
  fail_because "an article was taken for a copy of another: $(cat err)"
finish

begin "unspaced scripts: a paragraph repeated with one word changed is a near-duplicate paragraph"
{
  unspaced_articles | grep '^th' | cut -f2 | tr '|' '\n' | sed 's/$/\n/'
  unspaced_articles | grep '^th1' | cut -f2 | cut -d'|' -f1 | unspaced_edit
} > thai.txt
run --no-rules --explain thai.txt
expect_rc 0
grep -q '^thai.txt:19: near-duplicate of line 1 (jaccard' err ||
  fail_because "the edited paragraph was kept: $(cat err)"
[ "$(wc -l < err)" -eq 1 ] || fail_because "other paragraphs were dropped: $(cat err)"
finish

# --- --index: incremental runs -----------------------------------------------------

: > part1.nul; : > part2.nul
for i in 1 2 3 4 5 6 7; do article "$i" >> part1.nul; printf '\0' >> part1.nul; done
for i in 5 6 8 9 10 11 12 13; do article "$i" >> part2.nul; printf '\0' >> part2.nul; done
cat part1.nul part2.nul > whole.nul

begin "--index: two runs give the output of one run over both parts"
"$W" -z whole.nul > whole.out
rm -f state.idx
"$W" -z --index state.idx part1.nul > p1.out
rc1=$?
"$W" -z --index state.idx part2.nul > p2.out
rc2=$?
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] || fail_because "exit statuses $rc1 $rc2"
cat p1.out p2.out > parts.out
expect_same_file whole.out parts.out "split runs differ from the single run"
[ -s state.idx ] || fail_because "no index file written"
ls state.idx.*tmp > /dev/null 2>&1 && fail_because "temporary index file left behind"
finish

begin "--index: a second run on a locked index fails at once; with --index-wait it waits its turn"
rm -f lock.idx lock.idx.lock; rm -f slow.fifo; mkfifo slow.fifo
# The first run holds the lock while its input is still open.
"$W" -z --index lock.idx < slow.fifo > first.out 2> first.err & first=$!
exec 7> slow.fifo
cat part1.nul >&7
for _ in $(seq 50); do [ -e lock.idx.lock ] && break; sleep 0.1; done
start=$(date +%s)
run -z --index lock.idx part2.nul 7>&-
expect_rc 1; expect_out_empty
expect_err "winnow: lock.idx: in use by another winnow run (locked through lock.idx.lock); --index-wait waits for it"
[ $(( $(date +%s) - start )) -le 2 ] || fail_because "the second run did not fail at once"
"$W" -z --index lock.idx --index-wait part2.nul > waited.out 2> waited.err 7>&- & waiter=$!
sleep 0.5
kill -0 $waiter 2> /dev/null || fail_because "--index-wait did not wait for the lock"
exec 7>&-
wait $first; rc1=$?
wait $waiter; rc2=$?
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] || fail_because "exit statuses $rc1 $rc2: $(cat first.err waited.err)"
cat first.out waited.out > turns.out
expect_same_file whole.out turns.out "runs that took turns differ from one run over both parts"
finish

begin "--index made with other parameters is an error, not a silent mismatch"
cp state.idx other.idx
run -z --index other.idx --doc-threshold 0.7 part2.nul
expect_rc 1; expect_out_empty
expect_err_mentions "other.idx: index was made with --doc-threshold"
run -z --index other.idx --doc-shingle 4 part2.nul
expect_rc 1
expect_err_mentions "index was made with --doc-shingle 5, this run uses 4"
expect_same_file state.idx other.idx "a refused index file was changed"
finish

begin "--index: truncated, foreign or empty files are refused"
head -c 100 state.idx > trunc.idx
run -z --index trunc.idx part2.nul
expect_rc 1; expect_out_empty; expect_err "winnow: trunc.idx: file is truncated"
printf 'this is not an index at all, just some text\n' > foreign.idx
run -z --index foreign.idx part2.nul
expect_rc 1; expect_err "winnow: foreign.idx: not a winnow index file"
: > empty.idx
run -z --index empty.idx part2.nul
expect_rc 1; expect_err "winnow: empty.idx: file is truncated"
finish

# --- WARC/WET -------------------------------------------------------------------------

# wet_record URI ID TEXT: a conversion record with a correct digest.
wet_record() {
  local len digest
  len=$(printf '%s' "$3" | wc -c)
  # shellcheck disable=SC2059
  digest=$(printf "$(printf '%s' "$3" | sha1sum | cut -c1-40 | sed 's/../\\x&/g')" | base32)
  printf 'WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Target-URI: %s\r\nWARC-Date: 2026-01-02T03:04:05Z\r\nWARC-Record-ID: <urn:uuid:%s>\r\nWARC-Block-Digest: sha1:%s\r\nContent-Type: text/plain\r\nContent-Length: %s\r\n\r\n%s\r\n\r\n' \
    "$1" "$2" "$digest" "$len" "$3"
}
info='software: example-crawler
format: WARC File Format 1.0
'
{
  printf 'WARC/1.0\r\nWARC-Type: warcinfo\r\nWARC-Date: 2026-01-02T03:04:05Z\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000000>\r\nContent-Type: application/warc-fields\r\nContent-Length: %s\r\n\r\n%s\r\n\r\n' "$(printf '%s' "$info" | wc -c)" "$info"
  wet_record "https://a.example/one" 11111111-1111-1111-1111-111111111111 "$(article 1)"
  wet_record "https://b.example/two" 22222222-2222-2222-2222-222222222222 "$(article 2)"
  wet_record "https://c.example/copy" 33333333-3333-3333-3333-333333333333 "$(article 1)"
} > in.wet

begin "--format wet: warcinfo passes through, conversion records are cleaned, a copy is dropped"
run --format wet --explain in.wet
expect_rc 0
[ "$(grep -c '^WARC/1.0' out)" -eq 3 ] || fail_because "expected 3 records, got $(grep -c '^WARC/1.0' out)"
grep -q 'WARC-Type: warcinfo' out || fail_because "warcinfo record missing"
grep -q 'c.example/copy' out && fail_because "the copy was kept"
# The kept record is named by its WARC-Record-ID and WARC-Target-URI.
grep -qF 'in.wet:4: document near-duplicate-document of record 2 (id <urn:uuid:11111111-1111-1111-1111-111111111111>, url https://a.example/one, jaccard 1.00)' err ||
  fail_because "explain: $(head -n 5 err)"
# The first record (warcinfo) comes out byte for byte.
head -c "$(grep -b -m2 -a '^WARC/1.0' in.wet | tail -1 | cut -d: -f1)" in.wet > info.rec
head -c "$(wc -c < info.rec)" out > out.info.rec
expect_same_file info.rec out.info.rec "warcinfo record changed"
finish

begin "--format wet: Content-Length and WARC-Block-Digest match the new blocks"
# Parse our own output: every conversion block's length and digest.
awk 'BEGIN { RS = "\r\n\r\nWARC/1.0"; } { n++ } END { exit !(n == 3) }' out || fail_because "records split wrong"
grep -a 'Content-Length' out | tail -2 | tr -d '\r' | awk '{ print $2 }' > lengths.got
# Block lengths: the bytes between the blank line after the headers and the trailer.
python3 - out > lengths.want <<'PY' || fail_because "our own WARC output does not parse"
import hashlib, base64, sys
data = open(sys.argv[1], "rb").read()
recs = data.split(b"WARC/1.0\r\n")[1:]
for r in recs[1:]:
    head, _, rest = r.partition(b"\r\n\r\n")
    length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
    block = rest[:length]
    assert rest[length:length + 4] == b"\r\n\r\n", "trailer"
    digest = [l.split(b": ")[1] for l in head.split(b"\r\n") if l.startswith(b"WARC-Block-Digest")][0]
    assert digest == b"sha1:" + base64.b32encode(hashlib.sha1(block).digest()), "digest"
    print(length)
PY
expect_same_file lengths.want lengths.got "Content-Length or digest wrong"
finish

begin "--format wet: garbage between records stops the run (default) after whole records"
{ head -c "$(wc -c < info.rec)" in.wet; printf 'this is not a WARC record\r\n\r\n'; tail -c +"$(( $(wc -c < info.rec) + 1 ))" in.wet; } > bad.wet
run --format wet bad.wet
expect_rc 1
expect_err "winnow: bad.wet: record 2 (byte $(wc -c < info.rec)): no WARC version line"
expect_same_file info.rec out "stdout should hold exactly the records before the bad one"
finish

begin "--on-error skip: the bad record goes to --rejects, the rest is processed"
run --format wet --on-error skip --rejects bad.rej bad.wet
expect_rc 0
expect_err_mentions "bad.wet: record 2 (byte"
[ "$(grep -c '^WARC/1.0' out)" -eq 3 ] || fail_because "expected 3 records out"
grep -q 'this is not a WARC record' bad.rej || fail_because "rejects lacks the bad bytes"
finish

# Blank lines between records (tools that joined or re-wrapped WET files
# leave runs of them) are the record's before them; before the first record,
# that record's. One script builds the input from records and runs of blank
# lines, and the output expected from winnow's output on the same records
# without them: each kept record with its own run after it.
cat > blanks.py <<'PY'
import sys
# blanks.py RECORDS.wet EOL COUNTS OUT.wet [CLEAN.wet WANT.wet]: OUT gets the
# records of RECORDS with COUNTS[0] blank lines (EOL: crlf, lf or mixed)
# before the first and COUNTS[i] after record i; with CLEAN (winnow's output
# on RECORDS), WANT gets what winnow must write for OUT.
def records(data):
    out, pos = [], 0
    while pos < len(data):
        head_end = data.index(b"\r\n\r\n", pos) + 4
        head = data[pos:head_end]
        length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
        end = head_end + length + 4
        rid = [l for l in head.split(b"\r\n") if l.startswith(b"WARC-Record-ID")][0]
        out.append((rid, data[pos:end]))
        pos = end
    return out
src, eol, counts, out = sys.argv[1], sys.argv[2], [int(c) for c in sys.argv[3].split(",")], sys.argv[4]
unit = {"crlf": [b"\r\n"], "lf": [b"\n"], "mixed": [b"\n", b"\r\n"]}[eol]
def blank(n):
    return b"".join(unit[i % len(unit)] for i in range(n))
recs = records(open(src, "rb").read())
assert len(counts) == len(recs) + 1
runs = {rid: blank(counts[i + 1]) for i, (rid, _) in enumerate(recs)}
open(out, "wb").write(blank(counts[0]) + b"".join(r + runs[rid] for rid, r in recs))
if len(sys.argv) > 5:
    kept = records(open(sys.argv[5], "rb").read())
    want = b"".join(r + runs[rid] for rid, r in kept)
    if kept and kept[0][0] == recs[0][0]:
        want = blank(counts[0]) + want
    open(sys.argv[6], "wb").write(want)
PY
{
  head -c "$(wc -c < info.rec)" in.wet
  wet_record "https://d.example/one" 44444444-4444-4444-4444-444444444444 "The harbour wall will be repaired over the winter, the port authority said on Friday."
  wet_record "https://e.example/two" 55555555-5555-5555-5555-555555555555 "Fishing boats will use the north quay while the work goes on, and the ferry keeps its times."
  wet_record "https://f.example/three" 66666666-6666-6666-6666-666666666666 "The repairs are paid for by the harbour fund and a grant from the regional government."
} > kept.wet

begin "--format wet: blank lines between records (0, 1, 2, 5; CRLF, LF, mixed; before the first and after the last): the output is the input when nothing is dropped, for -j1, -j2 and gzip input"
run --format wet kept.wet
expect_rc 0; expect_out_file kept.wet; expect_err_empty
for eol in crlf lf mixed; do
  # Two layouts a line ending: 0, 1, 2 and 5 blank lines before the first
  # record, between records and after the last (the unit tests take every
  # count at every read size).
  for counts in 1,0,2,5,0 5,2,0,1,5; do
    python3 blanks.py kept.wet $eol $counts blank.wet
    for j in 1 2; do
      run --format wet -j$j blank.wet
      [ "$rc" -eq 0 ] && [ ! -s err ] && cmp -s out blank.wet ||
        fail_because "$eol $counts -j$j: exit $rc, $(head -c 300 err), output $(cmp out blank.wet 2>&1)"
    done
  done
done
gzip -nc blank.wet > blank.wet.gz
run --format wet blank.wet.gz
expect_rc 0; expect_out_file blank.wet; expect_err_empty
finish

begin "--format wet: a record cleaned keeps its blank lines after it; a record dropped takes them with it"
{
  cat in.wet
  wet_record "https://g.example/menu" 77777777-7777-7777-7777-777777777777 \
    "$(printf 'Skip to content\nHome\nNews\n\n'; article 3; printf '\nShare this article\nFacebook\n')"
} > cleaned.wet
"$W" --format wet --rejects clean.rej cleaned.wet > clean.wet 2> /dev/null
[ -s clean.rej ] || fail_because "no record of cleaned.wet is dropped"
grep -aq 'Share this article' clean.wet && fail_because "no record of cleaned.wet is cleaned"
for eol in crlf lf mixed; do
  for counts in 0,1,2,5,3,1 3,0,3,1,0,5; do
    python3 blanks.py cleaned.wet $eol $counts blank.wet clean.wet want.wet
    python3 blanks.py cleaned.wet $eol $counts scratch.wet clean.rej want.rej
    for j in 1 2; do
      run --format wet -j$j --rejects blank.rej blank.wet
      [ "$rc" -eq 0 ] && [ ! -s err ] && cmp -s out want.wet ||
        fail_because "$eol $counts -j$j: exit $rc, $(head -c 300 err), output $(cmp out want.wet 2>&1)"
      cmp -s blank.rej want.rej || fail_because "$eol $counts -j$j: --rejects $(cmp blank.rej want.rej 2>&1)"
    done
  done
done
finish

begin "--stats-json FILE and --force-progress"
run -z --stats-json stats.json --force-progress a.nul
expect_rc 0
grep -q '"documents_in":5' stats.json || fail_because "stats.json: $(cat stats.json)"
grep -q '"near-duplicate-document":2' stats.json || fail_because "stats.json: $(cat stats.json)"
grep -qE '"stage_seconds":\{"read":[0-9.]+,"parse":[0-9.]+,"normalize":[0-9.]+,"rules":[0-9.]+,' stats.json ||
  fail_because "no stage times: $(cat stats.json)"
grep -q 'MB/s' err || fail_because "no progress line on stderr"
run -z --progress a.nul
expect_err_empty
finish

begin "no record with the text field: passed through unchanged, and said once on stderr"
run --format jsonl --text-field body many.jsonl
expect_rc 0; expect_out_file many.jsonl
expect_err "winnow: --text-field: no record has a string field 'body'; all $(wc -l < many.jsonl) records passed through unchanged"
run --format jsonl many.jsonl
grep -q "no record has" err && fail_because "said with records that have the field"
printf 'WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: 4\r\n\r\nabcd\r\n\r\n' > info.warc
run --format wet info.warc
expect_rc 0; expect_out_file info.warc
expect_err "winnow: --format wet: no record is a WET 'conversion' record; its one record passed through unchanged"
finish

begin "--force-progress counts one document as '1 document'"
printf 'One document, a full sentence about the harbour wall repairs.\0' > one.nul
run -z --force-progress one.nul
expect_rc 0
tr '\r' '\n' < err | grep -q ', 1 document, ' || fail_because "stderr: $(tr '\r' '\n' < err | tail -n 1)"
tr '\r' '\n' < err | grep -q ', 1 documents' && fail_because "'1 documents' on stderr"
finish

# --- JSONL ------------------------------------------------------------------------

NEWS=$HERE/../../corpus/streams/news.jsonl
CORPUS=$HERE/../../corpus

begin "jsonl: other fields byte for byte, text-less record unchanged, text cleaned as in text mode"
run --format jsonl "$NEWS"
expect_rc 0
grep -qF '"score":1.0e+10' out || fail_because "the number format of another field changed"
grep -qF ' ,"lang"' out || fail_because "spacing between fields changed"
grep -qxF "$(sed -n 7p "$NEWS")" out || fail_because "the record without text changed"
python3 - "$NEWS" out "$W" "$CORPUS" <<'PY' || fail_because "a kept text differs from text-mode output"
import json, subprocess, sys
src = {json.loads(l)["id"]: l for l in open(sys.argv[1], encoding="utf-8")}
out = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
kept = [o["id"] for o in out]
assert kept == ["t1", "w1", "w2", "g1", "meta", "r1", "c1", "b1"], kept
for o in out:
    if "text" not in o:
        continue
    orig = json.loads(src[o["id"]])["text"].encode("utf-8", "surrogateescape")
    alone = subprocess.run([sys.argv[3]], input=orig, stdout=subprocess.PIPE, check=True).stdout
    assert o["text"].encode("utf-8") == alone, o["id"]
PY
finish

begin "jsonl: --annotate keeps every record and says what would go and why"
run --format jsonl --annotate "$NEWS"
expect_rc 0
[ "$(wc -l < out)" -eq 12 ] || fail_because "expected 12 records, got $(wc -l < out)"
python3 - "$NEWS" out <<'PY' || fail_because "annotations wrong"
import json, sys
src = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
out = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
notes = []
for s, o in zip(src, out):
    w = o.pop("winnow", None)
    notes.append(w)
    assert o == s, "record changed: %s" % s.get("id")
    if "text" not in s:
        assert w is None
        continue
    want = {"t2": "near-duplicate-document", "t3": "near-duplicate-document",
            "b2": "near-duplicate-document", "e1": "empty"}.get(s["id"])
    assert w["keep"] == (want is None) and w["reason"] == want, (s["id"], w)
    if want == "near-duplicate-document":
        assert w["duplicate_of_record"] in (1, 11) and w["similarity"] >= 0.8, w
        # The kept record is named by its id.
        assert w["duplicate_of"] == src[w["duplicate_of_record"] - 1]["id"], w
    assert all("line" in d and "reason" in d for d in w["dropped_lines"])
assert any(d["reason"] == "share" for d in notes[0]["dropped_lines"]), notes[0]
PY
finish

begin "jsonl: --annotate replaces an annotation the record holds already (first, middle or last member, any spacing)"
run --format jsonl --annotate "$NEWS"
cp out once.jsonl
run --format jsonl --annotate once.jsonl
expect_rc 0
cmp -s out once.jsonl || fail_because "annotating annotated records changed them: $(diff out once.jsonl | head -5)"
printf '%s\n' '{"winnow":"v1","id":"a","text":"One sentence that is long enough to be kept by the model here."}' \
  '{"id":"b", "winnow" : {"keep":false,"x":[1,{"y":"}"}]} , "text":"Another sentence that is long enough to be kept by the model."}' \
  '{"id":"c","text":"A third sentence that is long enough to be kept by the model.","winnow":null}' \
  '{"id":"d","text":"A fourth sentence that is long enough to be kept by the model."}' \
  '{"winnow":1,"id":"e","winnow" :2 ,"text":"A fifth sentence that is long enough to be kept by the model.","winnow":3}' > old.jsonl
run --format jsonl --annotate old.jsonl
expect_rc 0
python3 - out <<'PY' || fail_because "annotation not replaced: $(cat out)"
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    pairs = json.loads(line, object_pairs_hook=lambda kv: kv)
    keys = [k for k, _ in pairs]
    assert keys.count("winnow") == 1 and keys[-1] == "winnow", keys
    w = dict(pairs)["winnow"]
    assert isinstance(w, list) and "keep" in dict(w), line
    assert [k for k in keys if k != "winnow"] == ["id", "text"], keys
PY
finish

begin "jsonl: --id-field and --url-field name the kept record in --explain and --annotate-rejects, across --index runs"
printf '{"key":"k1","addr":"https://s.example/1","text":"%s"}\n' "$(article 1 | tr '\n' ' ')" > ids1.jsonl
printf '{"key":"k2","addr":"https://s.example/2","text":"%s"}\n' "$(article 1 | tr '\n' ' ')" > ids2.jsonl
run --format jsonl --id-field key --url-field addr --index ids.idx ids1.jsonl
expect_rc 0
run --format jsonl --id-field key --url-field addr --index ids.idx --explain --rejects ids.rej --annotate-rejects ids2.jsonl
expect_rc 0; expect_out_empty
expect_err 'ids2.jsonl:1: document near-duplicate-document of record 1 (id "k1", url https://s.example/1, jaccard 1.00)'
python3 - ids2.jsonl ids.rej <<'PY' || fail_because "annotated rejects: $(cat ids.rej)"
import json, sys
src = json.loads(open(sys.argv[1]).read())
rej = json.loads(open(sys.argv[2]).read())
w = rej.pop("winnow")
assert rej == src, rej
assert w["keep"] is False and w["reason"] == "near-duplicate-document", w
assert (w["duplicate_of"], w["duplicate_of_record"], w["duplicate_of_url"]) == ("k1", 1, "https://s.example/1"), w
PY
run --format jsonl --annotate-rejects ids1.jsonl
expect_rc 2; expect_err "winnow: --annotate-rejects: needs --rejects FILE"
finish

begin "jsonl: --rejects with --annotate is refused (every record goes to the output), no file made"
rm -f ann.rej
run --format jsonl --annotate --rejects ann.rej "$NEWS"
expect_rc 2
expect_err "winnow: --rejects: holds nothing with --annotate (every record goes to the output with its decision); --annotate-rejects annotates the rejects instead"
[ -e ann.rej ] && fail_because "ann.rej was created"
finish

begin "jsonl: a line that is not JSON stops the run after the records before it"
{ sed -n 1,2p "$NEWS"; printf '{"id": "bad", "text": "unterminated\n'; sed -n 8p "$NEWS"; } > bad.jsonl
run --format jsonl bad.jsonl
expect_rc 1
expect_err "winnow: bad.jsonl: record 3 (byte $(sed -n 1,2p "$NEWS" | wc -c)): unterminated string"
"$W" --format jsonl < <(sed -n 1,2p "$NEWS") > first2.expected
expect_out_file first2.expected
finish

begin "jsonl: --on-error skip reports it, keeps going, rejects it"
run --format jsonl --on-error skip --rejects bad.rej bad.jsonl
expect_rc 0
expect_err "winnow: bad.jsonl: record 3 (byte $(sed -n 1,2p "$NEWS" | wc -c)): unterminated string"
[ "$(wc -l < out)" -eq 3 ] || fail_because "expected 3 records out"
expect_same_file <(printf '{"id": "bad", "text": "unterminated\n') bad.rej "rejects file"
finish

begin "jsonl: lone surrogate, bad escape, not an object"
printf '{"text": "a \\ud800 b"}\n' > s1.jsonl
run --format jsonl s1.jsonl
expect_rc 1; expect_err "winnow: s1.jsonl: record 1 (byte 0): lone surrogate"
printf '{"text": "a \\q b"}\n' > s2.jsonl
run --format jsonl s2.jsonl
expect_rc 1; expect_err "winnow: s2.jsonl: record 1 (byte 0): invalid escape"
printf '["text"]\n' > s3.jsonl
run --format jsonl s3.jsonl
expect_rc 1; expect_err "winnow: s3.jsonl: record 1 (byte 0): not a JSON object"
finish

begin "jsonl: --text-field names another field; the same bytes for every -j"
sed 's/"text":/"body":/' "$NEWS" > body.jsonl
run --format jsonl --text-field body body.jsonl
expect_rc 0
"$W" --format jsonl -j1 "$NEWS" > jj.1
sed 's/"text":/"body":/' jj.1 > body.expected
expect_out_file body.expected
cmp -s jj.1 "$NEWS" && fail_because "the stream came out unchanged"
for j in 2 3 8; do
  "$W" --format jsonl -j$j "$NEWS" > jj.out
  expect_same_file jj.1 jj.out "-j$j"
done
finish

begin "--rejects or --stats-json naming an input file is refused"
cp a.nul victim.nul
run -z --rejects victim.nul victim.nul
expect_rc 2; expect_out_empty
expect_err "winnow: victim.nul: --rejects would overwrite an input file"
expect_same_file a.nul victim.nul "the input file was changed"
run -z --stats-json victim.nul victim.nul
expect_rc 2
expect_err "winnow: victim.nul: --stats-json would overwrite an input file"
finish

begin "an output file on --index's names or lock file is refused before anything is written"
run -z --index side.idx a.nul
expect_rc 0
cp side.idx.names names.before
for opt in --rejects --explain-to --stats-json; do
  run -z --index side.idx $opt side.idx.names a.nul
  expect_rc 2; expect_out_empty
  expect_err "winnow: $PWD/side.idx.names: $opt and --index's names file name the same file"
  expect_same_file names.before side.idx.names "$opt: the names file was changed"
done
run -z --index side.idx --rejects side.idx.lock a.nul
expect_rc 2
expect_err "winnow: side.idx.lock: --rejects and --index's lock file name the same file"
"$W" -z --index side.idx a.nul >>side.idx.names 2>err
rc=$?
expect_rc 2
expect_err "winnow: $PWD/side.idx.names: --index's names file is also standard output"
expect_same_file names.before side.idx.names "stdout: the names file was changed"
finish

begin "--index on a directory, a device, a FIFO or in a missing directory: refused at once, exit 1, no lock file, nothing written"
mkdir -p idxdir
ln -sf /dev/null nulllink
mkfifo idxfifo
ln -sf missing/state.idx dangling
"$W" sign -z --part 1/1 -o one.facts a.nul 2>err || fail_because "winnow sign failed: $(cat err)"
for case in "idxdir|a directory" "nulllink|a character device" "idxfifo|a FIFO" \
            "missing/state.idx|" "dangling|" "a.nul/state.idx|"; do
  path=${case%%|*} kind=${case#*|}
  run -z --index "$path" a.nul
  expect_rc 1; expect_out_empty
  if [ -n "$kind" ]; then
    expect_err "winnow: $path: the index must be a regular file or a new name, not $kind (it is saved by renaming a new file over it)"
  else  # the directory is missing, or a file: trying to create FILE.tmp says so
    expect_err_starts "winnow: "
    grep -q -e "No such file or directory" -e "Not a directory" err || fail_because "$path: $(cat err)"
  fi
  [ -e "$path.lock" ] && fail_because "$path: a stray $path.lock was made"
  rm -f "$path.lock"
  # winnow decide: refused before its decisions folder is made.
  "$W" decide -z --index "$path" -o decided one.facts > out 2> err
  rc=$?
  expect_rc 1
  [ -e decided ] && fail_because "decide --index $path: the folder decided was made before the refusal"
  [ -e "$path.lock" ] && fail_because "decide --index $path: a stray $path.lock was made"
  rm -rf decided "$path.lock"
done
[ "$(head -n 1 err)" = "winnow: a.nul/state.idx: Not a directory" ] || fail_because "a path under a file: $(cat err)"
finish

begin "SIGTERM and SIGINT at random points: the output is always whole records"
python3 "$HERE/../../bench/make_stream.py" --mb 12 --format jsonl > kill.jsonl
"$W" --format jsonl -j2 kill.jsonl > kill.full
for i in 1 2 3 4 5 6 7 8; do
  sig=TERM
  [ $((i % 2)) -eq 0 ] && sig=INT
  rm -f kill.out  # not the last run's: the new one is made when winnow starts
  "$W" --format jsonl -j2 kill.jsonl > kill.out 2> kill.err &
  pid=$!
  # The signal comes after the first output, at a random point: before
  # winnow has set its handlers (a sanitizer build starts slowly) the
  # signal's default action would end it without a word, which is not
  # what this checks.
  for ((w = 0; w < 400; w++)); do
    [ -s kill.out ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
  done
  sleep "0.$(( RANDOM % 6 ))"
  kill -s $sig $pid 2>/dev/null
  wait $pid
  rc=$?
  size=$(wc -c < kill.out)
  case $rc in
    0) cmp -s kill.out kill.full || fail_because "run $i finished (rc 0) but its output differs" ;;
    130|143)
      [ "$size" -gt 0 ] && [ "$(tail -c 1 kill.out | od -An -c | tr -d ' ')" != '\n' ] &&
        fail_because "run $i (SIG$sig): output does not end at a record boundary"
      cmp -s -n "$size" kill.out kill.full || fail_because "run $i (SIG$sig): output is not a prefix of the full output"
      grep -q "^winnow: interrupted by SIG$sig; the output holds whole records only$" kill.err ||
        fail_because "run $i: stderr: $(cat kill.err)" ;;
    *) fail_because "run $i (SIG$sig): exit status $rc" ;;
  esac
done
finish

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
