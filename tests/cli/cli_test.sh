#!/usr/bin/env bash
# cli_test.sh WINNOW: tests of the built binary. Operands, options, exit
# status, the exact bytes on stdout and the exact text on stderr, pipes,
# /dev/full, large inputs.
#
# Prints "ok - NAME" or "not ok - NAME" (followed by "#   " detail lines) per
# check, then "N passed, M failed"; exits 1 if any check failed.
set -u

# shellcheck source=tests/cli/testlib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/testlib.sh"
CORPUS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../corpus" && pwd)
suite_start cli_test.sh "$@"


# --- documents ---------------------------------------------------------------

# The issue's example, byte for byte.
printf "Flood barriers failed in three towns overnight, according to a report by a UK-based engineering panel.\n\nThe panel's review, based on 60 pages of inspection logs, blames delayed maintenance.\n\nFlood barriers failed in three towns overnight , according to a report by a U.K.-based engineering panel. Pictured: Residents wade through water in Carlisle, Cumbria, on 12 March 2025\n\nRescue crews are seen carrying sandbags along the river wall\n\n'We were told the walls would hold,' one resident said.\n\n\n\nSource link\n\nShare.\nExit mobile version\n" > issue.txt
issue_p1="Flood barriers failed in three towns overnight, according to a report by a UK-based engineering panel."
issue_p2="The panel's review, based on 60 pages of inspection logs, blames delayed maintenance."
issue_quote="'We were told the walls would hold,' one resident said."
printf '%s\n\n%s\n\n%s\n' "$issue_p1" "$issue_p2" "$issue_quote" > issue.expected
# With --no-rules only deduplication runs: the boilerplate stays, the
# restated lead (line 5) goes.
printf '%s\n\n%s\n\n%s\n\n%s\n\n%s\n\n%s\n' "$issue_p1" "$issue_p2" \
  "Rescue crews are seen carrying sandbags along the river wall" \
  "$issue_quote" "Source link" "Share.
Exit mobile version" > issue.norules.expected

# A "Share" line between two body paragraphs.
share_p1="The council approved the new budget for the coming year on Monday."
share_p2="Councillors said the plan protects libraries and evening bus routes."
printf '%s\n\nShare\n\n%s\n' "$share_p1" "$share_p2" > share.txt
printf '%s\n\n%s\n' "$share_p1" "$share_p2" > share.expected
printf '%s\n\nShare\n\n%s\n' "$share_p1" "$share_p2" > share.disabled.expected

# Boilerplate lines and an exact duplicate paragraph.
dup_body="The river rose two metres overnight and flooded the lower town."
printf 'Skip to content\n\n%s\n\nShare this article\n\n%s\n\nCookie settings\n' \
  "$dup_body" "$dup_body" > dup.txt
printf 'Skip to content\n\n%s\n\nShare this article\n\nCookie settings\n' \
  "$dup_body" > dup.norules.expected

# A sentence only a user rule removes.
promo_p1="The harbour festival returns this weekend with music and food stalls."
promo_line="This article is brought to you by Acme Widgets and friends."
promo_p3="Organisers expect more than ten thousand visitors across both days."
printf '%s\n\n%s\n\n%s\n' "$promo_p1" "$promo_line" "$promo_p3" > promo.txt
printf '%s\n\n%s\n' "$promo_p1" "$promo_p3" > promo.expected
printf '# a user rule\n\nacme-promo   contains   brought to you by acme widgets\n' > promo.rules

# A longer page with many kinds of boilerplate, for the rules round trip and
# determinism.
{
  printf 'Home\nNews\nSport\nWeather\n\n'
  printf 'We use cookies to improve your experience on our site.\n\n'
  printf 'Harbour wall repairs finish ahead of winter storms\n\n'
  printf 'Engineers finished repairs to the old harbour wall on Friday, two weeks ahead of schedule.\n\n'
  printf 'The work cost four million pounds and was paid for by the county and the port authority.\n\n'
  printf 'Pictured: The repaired wall at low tide\n\n'
  printf 'Advertisement\n\n'
  printf 'Local fishermen said the new wall already made the inner basin calmer.\n\n'
  printf 'Engineers finished repairs to the old harbour wall on Friday, two weeks ahead of schedule, the council said.\n\n'
  printf 'Read more\nFerry timetable changes for December\nNew lifeboat station opens\n\n'
  printf 'Sign up for our newsletter\n\n'
  printf '© 2025 Harbour Gazette. All rights reserved.\n'
  printf 'Privacy Policy\nTerms of Use\n'
} > page.txt

# --- operands ----------------------------------------------------------------

begin "stdin with no operands"
run_stdin issue.txt
expect_rc 0; expect_out_file issue.expected; expect_err_empty
finish

begin "- operand reads stdin"
run_stdin issue.txt -
expect_rc 0; expect_out_file issue.expected; expect_err_empty
finish

begin "file operand"
run issue.txt
expect_rc 0; expect_out_file issue.expected; expect_err_empty
finish

begin "several files: one document each, outputs concatenated in order"
cat issue.expected share.expected issue.expected > several.expected
run issue.txt share.txt issue.txt
expect_rc 0; expect_out_file several.expected; expect_err_empty
finish

begin "text mode: -j1, -j2 and -j5 give the same output, explanations and stats"
# Every corpus page, several times over, with one unterminated document and
# one that cannot be read in between: batches of every shape.
files=()
for round in 1 2 3; do
  for f in "$CORPUS"/*.txt; do files+=("$f"); done
  files+=(nonl-$round.txt missing-$round.txt)
  printf 'A document of round %s ends without a newline.' "$round" > nonl-$round.txt
done
for j in 1 2 5; do
  "$W" -j$j --stats --explain-to explain.$j "${files[@]}" > out.$j 2> err.$j
  echo $? > rc.$j
done
[ "$(cat rc.1)" = 1 ] || fail_because "-j1 exited $(cat rc.1), expected 1 (unreadable files)"
for j in 2 5; do
  cmp -s out.1 out.$j || fail_because "-j$j output differs from -j1"
  cmp -s explain.1 explain.$j || fail_because "-j$j explanations differ from -j1"
  cmp -s err.1 err.$j || fail_because "-j$j stderr (stats, messages) differs from -j1"
  cmp -s rc.1 rc.$j || fail_because "-j$j exit status differs from -j1"
done
[ -s explain.1 ] || fail_because "no explanation written"
grep -q 'missing-2.txt: No such file' err.1 || fail_because "unreadable file not reported: $(head -n 3 err.1)"
finish

begin "a document without a final newline does not share a line with the next"
printf 'The first document ends without a newline here.' > nonl.txt
printf 'The second document is a proper sentence as well.\n' > nl.txt
run nonl.txt nl.txt
expect_rc 0
expect_out 'The first document ends without a newline here.\nThe second document is a proper sentence as well.\n'
expect_err_empty
run nl.txt nonl.txt
expect_rc 0
expect_out 'The second document is a proper sentence as well.\nThe first document ends without a newline here.'
finish

begin "files and - mixed: stdin read in operand order"
cat share.expected issue.expected share.expected > mixed.expected
run_stdin issue.txt share.txt - share.txt
expect_rc 0; expect_out_file mixed.expected; expect_err_empty
finish

begin "the same paragraph in two files is kept in both (no dedup across documents)"
printf '%s\n' "$dup_body" > one.txt
run one.txt one.txt
expect_rc 0; expect_out '%s\n%s\n' "$dup_body" "$dup_body"; expect_err_empty
finish

begin "-- ends options: a file named -x"
printf '%s\n\nShare\n\n%s\n' "$share_p1" "$share_p2" > ./-x
run -- -x
expect_rc 0; expect_out_file share.expected; expect_err_empty
finish

begin "a file named -x without -- is an unknown option"
run -x
expect_rc 2; expect_out_empty; expect_err "winnow: -x: unknown option (winnow --help lists them)"
finish

begin "options after operands still apply; -- then a file named --explain"
printf '%s\n\nShare\n\n%s\n' "$share_p1" "$share_p2" > ./--explain
run share.txt --no-rules -- --explain
expect_rc 0; cat share.disabled.expected share.disabled.expected > dd.expected
expect_out_file dd.expected; expect_err_empty
finish

begin "operands are parsed in time linear in their number (8x the operands, well under 16x the time)"
# (Parsed one at a time, each erased from the front of the rest, 150,000
# took about 20 s here, 64 times as long as an eighth of them; all at once,
# about 1 s, eight times.) A ratio, not a time limit: a loaded machine or a
# sanitizer build slows both runs alike. Each is the least of three runs.
least_ms() {  # least_ms N: least wall time of three runs with N operands
  local n=$1 best=-1 r s t
  local many=()
  for ((r = 0; r < n; r++)); do many+=(s); done
  for r in 1 2 3; do
    s=$(date +%s%N)
    run --version "${many[@]}"
    t=$(( ($(date +%s%N) - s) / 1000000 ))
    if [ "$rc" -ne 0 ] || [ -s "$T/err" ]; then echo -1; return; fi
    if [ "$best" -lt 0 ] || [ "$t" -lt "$best" ]; then best=$t; fi
  done
  echo "$best"
}
small_ms=$(least_ms 16000)
large_ms=$(least_ms 128000)
if [ "$small_ms" -lt 0 ] || [ "$large_ms" -lt 0 ]; then
  fail_because "winnow --version with many operands did not exit 0 quietly"
elif [ "$large_ms" -ge $(( 16 * (small_ms + 1) )) ]; then
  fail_because "16,000 operands took $small_ms ms, 128,000 took $large_ms ms"
fi
finish

# --- help and version ----------------------------------------------------------

for opt in --help -h; do
  begin "$opt prints usage to stdout, exit 0, empty stderr"
  run "$opt"
  expect_rc 0; expect_err_empty
  head -n 1 out | grep -q '^Usage: winnow' || fail_because "stdout does not start with 'Usage: winnow'"
  for o in --explain --explain-to --stats --rules --no-default-rules --disable --no-rules \
           --print-rules --list-rules; do
    grep -q -- "$o\b" out || fail_because "--help does not mention $o"
  done
  finish
done

for opt in --version -V; do
  begin "$opt prints 'winnow X.Y.Z' to stdout, exit 0, empty stderr"
  run "$opt"
  expect_rc 0; expect_err_empty
  if ! grep -Eq '^winnow [0-9]+\.[0-9]+\.[0-9]+$' out || [ "$(wc -l < out)" -ne 1 ] ||
     [ "$(tail -c 1 out | od -An -c | tr -d ' ')" != '\n' ]; then
    fail_because "stdout is not one line 'winnow X.Y.Z'; got:
$(show out)"
  fi
  finish
done

# --- bad options ---------------------------------------------------------------

begin "unknown option: exit 2, 'winnow: WHERE: WHAT' naming it"
run_stdin issue.txt --no-such-option
expect_rc 2; expect_out_empty; expect_err "winnow: --no-such-option: unknown option (winnow --help lists them)"
finish

begin "no prefix guessing: --expl is an error, not --explain"
run_stdin issue.txt --expl
expect_rc 2; expect_out_empty; expect_err "winnow: --expl: unknown option (winnow --help lists them)"
grep -q 'rule ' err && fail_because "stderr holds --explain output"
finish

begin "no prefix guessing: --vers is an error, not --version"
run --vers
expect_rc 2; expect_out_empty; expect_err_starts "winnow: "; expect_err_mentions "--vers"
finish

begin "--explain takes no value"
run_stdin issue.txt --explain=issue.txt
expect_rc 2; expect_out_empty; expect_err "winnow: --explain: takes no value"
finish

begin "an option without its value: 'winnow: OPTION: needs a value', exit 2"
run_stdin issue.txt --shingle
expect_rc 2; expect_out_empty; expect_err "winnow: --shingle: needs a value"
finish

begin "an option with '=' and nothing after it: 'winnow: OPTION: needs a value after '='', exit 2"
for opt in --shingle --threshold --rules --format; do
  run_stdin issue.txt "$opt="
  expect_rc 2; expect_out_empty; expect_err "winnow: $opt: needs a value after '='"
done
finish

begin "an option given twice: 'winnow: OPTION: given more than once', exit 2"
run_stdin issue.txt --shingle 3 --shingle 4
expect_rc 2; expect_out_empty; expect_err "winnow: --shingle: given more than once"
finish

# --- unreadable inputs ---------------------------------------------------------

begin "missing file: exit 1, message, other files still processed"
cat issue.expected share.expected > missing.expected
run issue.txt nosuch.txt share.txt
expect_rc 1; expect_out_file missing.expected
expect_err "winnow: nosuch.txt: No such file or directory"
finish

begin "missing file only: exit 1, empty stdout"
run nosuch.txt
expect_rc 1; expect_out_empty; expect_err "winnow: nosuch.txt: No such file or directory"
finish

# --- rules files -----------------------------------------------------------------

begin "--rules: unknown kind on line 3"
printf '# my rules\nfine-rule   literal   fine pattern\nodd-rule    weird     some pattern\n' > bad-kind.rules
run_stdin issue.txt --rules bad-kind.rules
expect_rc 2; expect_out_empty
expect_err "winnow: bad-kind.rules:3: unknown kind 'weird' (expected literal, prefix, contains, regex or words)"
finish

begin "--rules: invalid regex"
printf 're-rule   regex   (unclosed group\n' > bad-regex.rules
run_stdin issue.txt --rules bad-regex.rules
expect_rc 2; expect_out_empty
# The reason after "invalid regex: " is RE2's own text.
if [ "$(wc -l < err)" -ne 1 ] || ! grep -q '^winnow: bad-regex\.rules:1: invalid regex: .' err; then
  fail_because "stderr should be one line 'winnow: bad-regex.rules:1: invalid regex: <why>'; got:
$(cat err)"
fi
finish

begin "--regex-max-mem: regex rules that do not fit one automaton together are matched one by one: the same lines go, said once and in --stats-json"
for i in $(seq 1 12); do echo "big$i regex (?i)item$i [a-z]{20}[0-9]{60}x"; done > big.rules
{
  echo "A normal sentence opens the page, with enough words to stay."
  for i in 2 5 9; do echo "Item$i abcdefghijabcdefghij$(printf '7%.0s' $(seq 60))x tail"; done
  echo "item5 short, not a match at all"
  echo "Another normal sentence that stays in the output, with words."
} > big-rules.txt
printf '%s\n' "A normal sentence opens the page, with enough words to stay." "item5 short, not a match at all" \
  "Another normal sentence that stays in the output, with words." > big-rules.expected
run big-rules.txt --no-default-rules --rules big.rules --stats-json whole.json
expect_rc 0; expect_out_file big-rules.expected; expect_err_empty
grep -q '"matched_one_by_one":""' whole.json || fail_because "default budget: $(cat whole.json)"
run big-rules.txt --no-default-rules --rules big.rules --regex-max-mem 65536 --stats-json split.json
expect_rc 0; expect_out_file big-rules.expected
expect_err "winnow: rules: 12 regex patterns do not fit one automaton of 65536 bytes (--regex-max-mem): each is matched on its own, more slowly"
grep -q '"dropped_lines":{"big2":1,"big5":1,"big9":1}' split.json || fail_because "split: $(cat split.json)"
grep -q '"rule_automata":{"max_mem":65536,"matched_one_by_one":"12 regex patterns","combined_out_of_memory":0,"out_of_memory":\[\]}' split.json ||
  fail_because "split: $(cat split.json)"
finish

begin "--regex-max-mem: a regex rule whose automaton does not fit alone: exit 2, named by file, line and rule"
printf '# too big\nhuge regex (?i)(?:[a-z0-9]{40}x){8}\n' > huge.rules
run_stdin big-rules.txt --no-default-rules --rules huge.rules --regex-max-mem 65536
expect_rc 2; expect_out_empty
expect_err "winnow: huge.rules:2: huge: the pattern's automaton does not fit in 65536 bytes (--regex-max-mem)"
run_stdin big-rules.txt --no-default-rules --rules huge.rules
expect_rc 0
finish

begin "--rules: missing pattern"
printf '# line 1 is a comment\nlonely   literal\n' > bad-missing.rules
run_stdin issue.txt --rules bad-missing.rules
expect_rc 2; expect_out_empty
expect_err "winnow: bad-missing.rules:2: expected NAME KIND PATTERN"
finish

begin "--rules: missing pattern after trailing blanks"
printf 'lonely   literal   \t\n' > bad-blank.rules
run_stdin issue.txt --rules bad-blank.rules
expect_rc 2; expect_out_empty
expect_err "winnow: bad-blank.rules:1: expected NAME KIND PATTERN"
finish

begin "--rules: missing rules file: exit 2"
run_stdin issue.txt --rules nosuch.rules
expect_rc 2; expect_out_empty
expect_err "winnow: nosuch.rules: No such file or directory"
finish

begin "user rule: the sentence is body without it"
run promo.txt
expect_rc 0; expect_out_file promo.txt; expect_err_empty
finish

begin "user rule drops the matching line; --explain names it"
run --rules promo.rules --explain promo.txt
expect_rc 0; expect_out_file promo.expected
expect_err "promo.txt:3: rule acme-promo: $promo_line"
finish

# --- built-in rules ----------------------------------------------------------------

begin "--print-rules: exit 0, empty stderr"
run --print-rules
expect_rc 0; expect_err_empty
cp out saved.rules
[ -s saved.rules ] || fail_because "printed nothing"
finish

begin "--print-rules round trip: the printed file is a rules file with the same rules"
# As a user's file its patterns drop what they match (the built-in ones are
# model features): the rule names are the same, and every line the saved
# rules keep on a page the defaults' drop-marked patterns would keep too.
"$W" --list-rules > rt.names.default
"$W" --no-default-rules --rules saved.rules --list-rules > rt.names.saved 2> rt.saved.err
expect_same_file rt.names.default rt.names.saved "--list-rules with the saved rules differs"
[ -s rt.saved.err ] && fail_because "stderr with saved rules: $(head -n 3 rt.saved.err)"
for doc in issue.txt share.txt dup.txt promo.txt page.txt; do
  "$W" "$doc" > "rt.default.out" 2> rt.default.err; rc1=$?
  "$W" --no-default-rules --rules saved.rules "$doc" > "rt.saved.out" 2> rt.saved.err; rc2=$?
  if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ]; then fail_because "$doc: exit status $rc1 (defaults), $rc2 (saved)"; fi
  [ -s rt.saved.err ] && fail_because "$doc: stderr with saved rules: $(head -n 3 rt.saved.err)"
done
# The round trip must not be vacuous: the sample loses lines to rules.
"$W" --no-rules page.txt > rt.norules.out
cmp -s rt.norules.out rt.default.out && fail_because "page.txt: defaults drop nothing more than --no-rules"
finish

begin "--list-rules names pattern and built-in rules"
run --list-rules
expect_rc 0; expect_err_empty
for r in share caption cookie-banner line-model comments; do
  grep -qx -- "$r" out || fail_because "no line '$r' in:
$(tr '\n' ' ' < out)"
done
finish

begin "--list-rules marks a disabled rule"
run --list-rules --disable share
expect_rc 0; expect_err_empty
grep -qx 'share (disabled)' out || fail_because "no line 'share (disabled)'"
grep -qx 'caption' out || fail_because "no line 'caption'"
finish

# An article (about 190 words), then its comment section.
{
  printf 'Harbour wall repairs finish ahead of winter storms\n\n'
  printf 'Engineers finished repairs to the old harbour wall on Friday, two weeks ahead of schedule.\n\n'
  printf 'The work cost four million pounds and was paid for by the county and the port authority.\n\n'
  printf 'Divers spent most of the summer replacing stones that the sea had loosened at the base.\n\n'
  printf 'Local fishermen said the new wall already made the inner basin calmer on windy nights.\n\n'
  printf 'The lifeboat crew, who launch from the slipway beside the wall, welcomed the news as well.\n\n'
  printf 'A survey in 2019 had found cracks along a third of its length after two severe winters.\n\n'
  printf 'The council will inspect the wall every spring and publish the results on its website.\n\n'
  printf 'Residents of the lower town were warned that the promenade stays closed until March.\n\n'
  printf 'Shops on the quay reported fewer visitors during the works but expect a busy summer.\n\n'
  printf 'The port authority thanked the engineers and the divers for finishing before the storms.\n'
} > article.txt
{
  cat article.txt
  printf '\nComments\n\nMaria says:\nNovember 3, 2025 at 4:21 pm\n'
  printf 'We walked along the wall on Sunday and it looks very solid now.\n\n'
  printf 'Tom wrote\nIt took them long enough, but the work is very good.\n'
} > commented.txt

begin "the comment section under an article is dropped by the rule comments"
run --explain commented.txt
expect_rc 0; expect_out_file article.txt
grep -q '^commented.txt:25: rule comments \[3 lines\]: Maria says:$' err ||
  fail_because "the first comment is not dropped by the rule comments:
$(cat err)"
finish

begin "--disable comments judges the comment section line by line"
run --explain --disable comments,line-model commented.txt
expect_rc 0
grep -q 'rule comments' err && fail_because "the rule comments dropped lines: $(cat err)"
grep -qx 'We walked along the wall on Sunday and it looks very solid now.' out ||
  fail_because "a commenter's sentence is missing:
$(cat out)"
finish

begin "a Share line between body paragraphs is dropped by default"
run share.txt
expect_rc 0; expect_out_file share.expected; expect_err_empty
finish

begin "--disable share keeps the Share line"
run --disable share share.txt
expect_rc 0; expect_out_file share.disabled.expected; expect_err_empty
finish

begin "--disable NAME,NAME list form"
run --disable caption,share share.txt
expect_rc 0; expect_out_file share.disabled.expected; expect_err_empty
finish

begin "--disable nosuchrule: exit 2"
run_stdin share.txt --disable nosuchrule
expect_rc 2; expect_out_empty; expect_err_starts "winnow: "; expect_err_mentions "nosuchrule"
finish

begin "--no-rules keeps boilerplate, still drops an exact duplicate paragraph"
run --no-rules dup.txt
expect_rc 0; expect_out_file dup.norules.expected; expect_err_empty
finish

begin "--no-rules --explain names the duplicate (text cut at 60 bytes)"
run --no-rules --explain dup.txt
expect_rc 0; expect_out_file dup.norules.expected
expect_err "dup.txt:7: near-duplicate of line 3 (jaccard 1.00): ${dup_body:0:60}..."
finish

begin "a lone button or trail line inside an article goes, in any language; the article stays"
article=("The city council voted on Tuesday to expand the bus network by twelve routes, the largest change in a decade."
  "Officials said the new routes would serve the eastern districts, where commuters now wait up to forty minutes."
  "The plan will cost about 30 million euros over five years and is funded by a regional grant."
  "Residents who spoke at the meeting welcomed the change but asked for more night services.")
for button in "Teilen auf Facebook" "Partager sur Twitter" "Udostępnij na Facebooku" "Facebook'ta paylaş" \
    "分享到微信" "카카오톡 공유하기" "Facebook | Twitter | Email" "Share on X" "Print this article" \
    "Home > News > Local" "Tags: politics, transport" "Load more comments" "© 2024 Example Media Ltd." \
    "Skip to main content" "Lees ook: Nieuwe regels voor de bus"; do
  printf '%s\n\n%s\n\n%s\n\n%s\n\n%s\n' "${article[0]}" "${article[1]}" "$button" "${article[2]}" "${article[3]}" > lone.txt
  "$W" lone.txt > lone.out 2> lone.err
  printf '%s\n\n%s\n\n%s\n\n%s\n' "${article[@]}" > lone.expected
  cmp -s lone.out lone.expected || fail_because "'$button': output is not the article alone:
$(cat lone.out)"
done
finish

# --- long documents ------------------------------------------------------------

# A book, a licence, a report, a transcript: prose of any length stays
# whole, its end as much as its start (a model that has seen only web pages
# can take the later prose of a long page for the comments under an
# article). The licence texts every Debian and Ubuntu system ships, their
# paragraphs unwrapped into one line each, make documents of 50 to 800
# paragraphs (up to about 45,000 words); paragraph deduplication is off so
# that only the line judgement is measured.
begin "long prose: every length keeps 95% of its paragraphs, and 90% of its last fifth"
if ! python3 - /usr/share/common-licenses "$W" <<'PY'
import os, re, subprocess, sys
root, w = sys.argv[1], sys.argv[2]
paras, seen = [], set()
for name in sorted(os.listdir(root)):
    path = os.path.join(root, name)
    if os.path.islink(path) or not os.path.isfile(path):
        continue
    text = open(path, encoding="utf-8", errors="replace").read()
    for block in re.split(r"\n\s*\n", text):
        line = " ".join(block.split())
        # Prose: a closed sentence of 12 words or more, not a heading.
        if len(line.split()) >= 12 and line[-1] in ".;:)" and line not in seen:
            seen.add(line)
            paras.append(line)
assert len(paras) >= 400, f"only {len(paras)} paragraphs of prose under {root}"
bad = []
for n in (50, 100, 200, 400, 800):
    doc = [paras[i % len(paras)] + (f" (Part {i // len(paras)}.)" if i >= len(paras) else "") for i in range(n)]
    out = subprocess.run([w, "--no-dedup"], input="\n\n".join(doc) + "\n", capture_output=True,
                         text=True, check=True).stdout
    kept = set(out.split("\n"))
    hit = [d in kept for d in doc]
    tail = hit[n - n // 5:]
    if sum(hit) < 0.95 * n or sum(tail) < 0.9 * len(tail):
        bad.append(f"{n} paragraphs: {sum(hit)} kept, {sum(tail)} of the last {len(tail)}")
if bad:
    sys.exit("; ".join(bad))
PY
then
  fail_because "long prose lost paragraphs"
fi
finish

# --- --explain, --explain-to, --stats ---------------------------------------------

begin "--explain: FILE:LINE: rule NAME: TEXT on stderr"
run --explain issue.txt
expect_rc 0; expect_out_file issue.expected
sed -E 's/^(issue.txt:[0-9]+: rule line-model) \(score 0\.[0-9]{2}(: [^)]+)?\):/\1 (score S):/' err > err.masked
printf '%s\n' "issue.txt:5: rule caption: Flood barriers failed in three towns overnight , according t..." \
  "issue.txt:7: rule caption: Rescue crews are seen carrying sandbags along the river wall" \
  "issue.txt:13: rule source-link: Source link" "issue.txt:15: rule share: Share." \
  "issue.txt:16: rule source-link: Exit mobile version" > err.wanted
expect_same_file err.wanted err.masked "--explain lines (the model's score masked)"
finish

begin "--explain: stdout unchanged versus a run without it"
for doc in issue.txt share.txt dup.txt promo.txt page.txt; do
  "$W" "$doc" > ex.plain.out 2> /dev/null
  "$W" --explain "$doc" > ex.explain.out 2> ex.explain.err
  expect_same_file ex.plain.out ex.explain.out "$doc: stdout changes with --explain"
  bad=$(grep -Ev "^$doc:[0-9]+: (rule [a-z0-9._-]+|rule line-model \(score [01]\.[0-9]{2}(, dropped with its neighbours)?(: [^)]+)?\)|near-duplicate of line [0-9]+ \(jaccard [01]\.[0-9]{2}\)|restates line [0-9]+ \(containment [01]\.[0-9]{2}\)|restated line [0-9]+ \(containment [01]\.[0-9]{2}\))( \[[0-9]+ lines\])?: " ex.explain.err)
  [ -n "$bad" ] && fail_because "$doc: --explain lines of an unexpected form:
$bad"
done
[ -s ex.explain.err ] || fail_because "page.txt: --explain printed nothing"
finish

begin "--explain-to FILE: same lines in FILE, empty stderr"
"$W" --explain issue.txt > /dev/null 2> explain.expected
run --explain-to explain.txt issue.txt
expect_rc 0; expect_out_file issue.expected; expect_err_empty
expect_same_file explain.expected explain.txt "--explain-to FILE differs from --explain's stderr"
finish

begin "--explain-to /dev/stderr and a FIFO, with stderr a pipe: written in place"
"$W" --explain issue.txt > /dev/null 2> explain.expected
# /dev/stderr is a link to /proc/self/fd/2, whose target is "pipe:[N]":
# no name a temporary file can be made beside.
"$W" --explain-to /dev/stderr issue.txt 2>&1 > out | cat > explain.pipe
rc=${PIPESTATUS[0]}
expect_rc 0; expect_out_file issue.expected
expect_same_file explain.expected explain.pipe "--explain-to /dev/stderr through a pipe"
rm -f fifo; mkfifo fifo
cat fifo > explain.fifo &
reader=$!
"$W" --explain-to fifo issue.txt > out 2> err
rc=$?
wait "$reader"
expect_rc 0; expect_out_file issue.expected; expect_err_empty
expect_same_file explain.expected explain.fifo "--explain-to a FIFO"
[ -p fifo ] || fail_because "the FIFO was replaced by a file"
finish

begin "--explain-to FILE names stdin -"
run_stdin issue.txt --no-rules --explain-to explain-stdin.txt
expect_rc 0; expect_out_file issue.norules.expected; expect_err_empty
printf '%s\n' "-:5: restates line 1 (containment 1.00): Flood barriers failed in three towns overnight , according t..." > explain-stdin.expected
expect_same_file explain-stdin.expected explain-stdin.txt "explain file"
finish

begin "--explain-to FILE is truncated, not appended to"
printf 'old contents that must go away\n' > explain-old.txt
run --explain-to explain-old.txt share.txt
expect_rc 0; expect_out_file share.expected; expect_err_empty
printf 'share.txt:3: rule share: Share\n' > explain-old.expected
expect_same_file explain-old.expected explain-old.txt "explain file"
finish

begin "--explain never touches input files"
cp issue.txt in1.txt; cp share.txt in2.txt
cp issue.txt in1.orig; cp share.txt in2.orig
cat issue.expected share.expected > in12.expected
run --explain in1.txt in2.txt
expect_rc 0; expect_out_file in12.expected
expect_same_file in1.orig in1.txt "first file after --explain changed"
expect_same_file in2.orig in2.txt "second file after --explain changed"
run in1.txt --explain in2.txt
expect_rc 0; expect_out_file in12.expected
expect_same_file in1.orig in1.txt "file before --explain changed"
expect_same_file in2.orig in2.txt "file after a late --explain changed"
run --explain-to ex12.txt in1.txt in2.txt
expect_rc 0; expect_out_file in12.expected; expect_err_empty
expect_same_file in1.orig in1.txt "file after --explain-to FILE changed"
expect_same_file in2.orig in2.txt "file after --explain-to FILE changed"
finish

begin "--explain-to an input file is refused before anything is read"
cp issue.txt victim.txt
run --explain-to victim.txt victim.txt
expect_rc 2; expect_out_empty
expect_err "winnow: victim.txt: --explain-to would overwrite an input file"
expect_same_file issue.txt victim.txt "the input file was changed"
finish

begin "--stats: 'winnow: stats:' lines on stderr, stdout unchanged"
run --stats issue.txt
expect_rc 0; expect_out_file issue.expected
[ -s err ] || fail_because "stderr is empty"
bad=$(grep -v '^winnow: stats:' err)
[ -n "$bad" ] && fail_because "stderr lines not starting 'winnow: stats:':
$bad"
finish

# --- the issue's example ------------------------------------------------------------

begin "issue example with defaults: paragraphs 1, 2 and the quote"
run_stdin issue.txt
expect_rc 0; expect_out_file issue.expected; expect_err_empty
finish

begin "issue example with --no-rules: the restated lead is still gone"
run_stdin issue.txt --no-rules
expect_rc 0; expect_out_file issue.norules.expected; expect_err_empty
grep -q 'Pictured' out && fail_because "line 5 (the restated lead) was kept"
finish

begin "issue example with --no-rules --explain: restates line 1"
run_stdin issue.txt --no-rules --explain
expect_rc 0; expect_out_file issue.norules.expected
expect_err "-:5: restates line 1 (containment 1.00): Flood barriers failed in three towns overnight , according t..."
finish

# --- bytes ------------------------------------------------------------------------

begin "CRLF input keeps \\r\\n"
printf 'Skip to content\r\n\r\n%s\r\n\r\nShare\r\n\r\n%s\r\n' "$share_p1" "$share_p2" > crlf.txt
run crlf.txt
expect_rc 0; expect_out '%s\r\n\r\n%s\r\n' "$share_p1" "$share_p2"; expect_err_empty
finish

begin "invalid UTF-8 in a kept sentence comes out unchanged"
printf 'The mayor said the caf\xff\xfe reopens next week after the repairs.\n\nShare\n\n%s\n' "$share_p2" > bad-utf8.txt
run bad-utf8.txt
expect_rc 0
expect_out 'The mayor said the caf\xff\xfe reopens next week after the repairs.\n\n%s\n' "$share_p2"
expect_err_empty
finish

begin "NUL bytes inside a kept line pass through"
printf 'The report lists a NUL \0 byte inside this kept sentence.\n\nShare\n\n%s\n' "$share_p2" > nul.txt
run nul.txt
expect_rc 0
expect_out 'The report lists a NUL \0 byte inside this kept sentence.\n\n%s\n' "$share_p2"
expect_err_empty
finish

begin "a last line without a newline stays without one"
printf '%s\n\n%s' "$share_p1" "$share_p2" > nonl.txt
run nonl.txt
expect_rc 0; expect_out '%s\n\n%s' "$share_p1" "$share_p2"; expect_err_empty
finish

begin "empty input: empty output, exit 0"
: > empty.txt
run_stdin empty.txt
expect_rc 0; expect_out_empty; expect_err_empty
run empty.txt
expect_rc 0; expect_out_empty; expect_err_empty
finish

begin "only blank lines: empty output"
printf '\n\n\n' > blank.txt
run blank.txt
expect_rc 0; expect_out_empty; expect_err_empty
printf '  \r\n\t\n\r\n\n' > blank2.txt
run blank2.txt
expect_rc 0; expect_out_empty; expect_err_empty
finish

# --- pipes and failed writes ------------------------------------------------------

begin "--max-line-bytes: longer lines stay unanalysed; --max-paragraph-bytes: no dedup above it"
run --max-line-bytes 4 issue.txt
expect_rc 0
grep -qx 'Source link' out || fail_because "an 11-byte line over a 4-byte limit was judged"
grep -qx 'Share.' out || fail_because "a 6-byte line over a 4-byte limit was judged"
run --no-rules --max-paragraph-bytes 50 issue.txt
expect_rc 0
grep -q 'U.K.-based' out || fail_because "a paragraph over the limit was deduplicated"
run --no-rules --max-paragraph-bytes 1000 issue.txt
grep -q 'U.K.-based' out && fail_because "a paragraph under the limit was not deduplicated"
finish

begin "winnow | head -1 ends quietly (SIGPIPE or 0, empty stderr)"
# Distinct lines: nothing is a near-duplicate, so about 15 MB come out,
# far more than a pipe holds.
seq 1 300000 | sed 's/.*/Sentence & is a distinct line of body text here./' |
  timeout 180 "$W" 2> pipe.err | head -n 1 > pipe.out
status=("${PIPESTATUS[@]}")
case ${status[2]} in
  0|141) ;;
  124) fail_because "winnow did not finish within 180 s" ;;
  *) fail_because "winnow exited ${status[2]}, expected 141 (SIGPIPE) or 0" ;;
esac
[ -s pipe.err ] && fail_because "stderr should be empty; got: $(head -n 3 pipe.err)"
printf 'Sentence 1 is a distinct line of body text here.\n' > pipe.expected
expect_same_file pipe.expected pipe.out "head did not get the first line"
finish

begin "write to /dev/full: exit 1, 'write failed' message"
if [ -w /dev/full ]; then
  "$W" < issue.txt > /dev/full 2> err
  rc=$?
  expect_rc 1
  expect_err "winnow: standard output: write failed: No space left on device"
else
  echo "# /dev/full is not writable here; skipping its assertions"
fi
finish

begin "--explain-to /dev/full: exit 1, message names the file"
if [ -w /dev/full ]; then
  "$W" --explain-to /dev/full < issue.txt > out 2> err
  rc=$?
  expect_rc 1
  expect_err "winnow: /dev/full: write failed: No space left on device"
fi
finish

begin "--stats-json FILE and --stats that cannot be written: exit 1 and 'winnow: FILE: what', in every command that takes them"
# --stats-json: an ordinary run (text and a stream) and winnow apply; the
# output goes out first, the counts last. --stats (standard error): those
# and winnow sign and decide. A directory is refused before anything is
# read; a full device or disk fails the write at the end.
printf '{"text":"The harbour wall will be repaired over the winter, the port authority said."}\n{"text":"Share."}\n' > st.jsonl
"$W" sign --format jsonl --part 1/1 -o st.facts st.jsonl 2> err || fail_because "sign: $(cat err)"
"$W" decide --format jsonl -o st.dec st.facts 2> err || fail_because "decide: $(cat err)"
"$W" --format jsonl st.jsonl > st.expected 2> /dev/null
"$W" < issue.txt > issue.expected 2> /dev/null
mkdir -p stats.dir
run_cmd() {  # run_cmd KIND ARGS...: winnow KIND's command with ARGS, output to out, stderr to err
  local kind=$1
  shift
  case $kind in
    text) "$W" "$@" < issue.txt > out 2> err ;;
    jsonl) "$W" --format jsonl "$@" st.jsonl > out 2> err ;;
    apply) "$W" apply --format jsonl --decisions st.dec/part-00001-of-00001.decisions "$@" st.jsonl > out 2> err ;;
    sign) rm -f st2.facts; "$W" sign --format jsonl --part 1/1 -o st2.facts "$@" st.jsonl > out 2> err ;;
    decide) rm -rf st2.dec; "$W" decide --format jsonl -o st2.dec "$@" st.facts > out 2> err ;;
  esac
  rc=$?
}
want_out() {  # want_out KIND: what KIND writes on standard output
  case $1 in text) echo issue.expected ;; jsonl | apply) echo st.expected ;; *) echo /dev/null ;; esac
}
full_fs=0
mkdir -p full.fs
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=64k tmpfs full.fs 2> /dev/null; then
  full_fs=1
  dd if=/dev/zero of=full.fs/pad bs=4k 2> /dev/null  # until the disk is full
fi
for kind in text jsonl apply; do
  if [ -w /dev/full ]; then
    run_cmd $kind --stats-json /dev/full
    expect_rc 1; expect_err "winnow: /dev/full: write failed: No space left on device"
    expect_out_file "$(want_out $kind)"
  fi
  run_cmd $kind --stats-json stats.dir
  expect_rc 1; expect_err "winnow: stats.dir: Is a directory"; expect_out_empty
  if [ $full_fs = 1 ]; then
    run_cmd $kind --stats-json full.fs/stats.json
    expect_rc 1; expect_err "winnow: full.fs/stats.json: write failed: No space left on device"
    expect_out_file "$(want_out $kind)"
    [ "$(ls full.fs)" = pad ] || fail_because "$kind: full.fs holds $(ls full.fs | tr '\n' ' ')"
  fi
done
[ $full_fs = 1 ] && umount full.fs
[ $full_fs = 1 ] || echo "# not root or no tmpfs: the full disk check is skipped"
if [ -w /dev/full ]; then
  for kind in text jsonl apply sign decide; do
    run_cmd $kind --stats
    expect_rc 0; [ -s err ] || fail_because "$kind --stats: no counts on stderr"
    # Standard error itself full: the counts cannot get out, nor can a
    # message, so the exit status says it.
    case $kind in
      text) "$W" --stats < issue.txt > out 2> /dev/full ;;
      jsonl) "$W" --format jsonl --stats st.jsonl > out 2> /dev/full ;;
      apply) "$W" apply --format jsonl --decisions st.dec/part-00001-of-00001.decisions --stats st.jsonl > out 2> /dev/full ;;
      sign) "$W" sign --format jsonl --part 1/1 -o st2.facts --stats st.jsonl > out 2> /dev/full ;;
      decide) rm -rf st2.dec; "$W" decide --format jsonl -o st2.dec --stats st.facts > out 2> /dev/full ;;
    esac
    rc=$?
    [ "$rc" -eq 1 ] || fail_because "$kind --stats 2> /dev/full: exit $rc, expected 1"
    expect_out_file "$(want_out $kind)"
  done
fi
finish

# --- determinism and size ------------------------------------------------------------

begin "determinism: two runs give identical output"
{
  for i in $(seq 1 60); do
    cat page.txt
    printf '\nParagraph %d of the long report describes the harbour and the town in some detail.\n\n' "$((i % 7))"
    printf 'The town council met on day %d to discuss the harbour wall and the ferry timetable.\n\n' "$i"
  done
  cat issue.txt
} > det.txt
"$W" --explain det.txt > det1.out 2> det1.err; rc1=$?
"$W" --explain det.txt > det2.out 2> det2.err; rc2=$?
if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ]; then fail_because "exit status $rc1, $rc2"; fi
expect_same_file det1.out det2.out "stdout differs between runs"
expect_same_file det1.err det2.err "--explain differs between runs"
cmp -s det.txt det1.out && fail_because "nothing was dropped: the sample is vacuous"
finish

begin "a 20 MiB single line without newline passes through unchanged"
{
  seq 1 4000000 | sed 's/^/word/' | tr '\n' ' ' | head -c $((20 * 1024 * 1024 - 1))
  printf '.'
} > big.txt
size=$(wc -c < big.txt)
[ "$size" -eq $((20 * 1024 * 1024)) ] || fail_because "test input is $size bytes"
timeout 60 "$W" big.txt > big.out 2> big.err
rc=$?
[ $rc -eq 124 ] && fail_because "winnow did not finish within 60 s"
expect_rc 0
[ -s big.err ] && fail_because "stderr should be empty; got: $(head -c 300 big.err)"
expect_same_file big.txt big.out "output differs from the input"
finish

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
