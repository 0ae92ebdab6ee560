#!/bin/sh
# thread.sh: the discussion list of a summary (issue 6). Readers follow
# and leave a thread (thread_follow); a comment (a row as the comment
# handler stores it) is fanned out by thread_comment_added to every
# confirmed follower but its author, who follows from then on, once: a
# second call queues nothing. The messages, as the sender composes them
# (tests/outbox-compose), thread like a mailing list's: one Message-ID
# per comment for every follower, In-Reply-To and References to the
# comment before and the thread's root, "Re: <title>", a List-Id per
# summary, Reply-To the follower's own LIST+c-TOKEN@ (a token that
# verifies for that reader and summary), how to unfollow (no raw mailto: URL), the list
# headers of DESIGN.md; text/plain only, the comment's "<script>" as
# text; the author's address nowhere. `shortmail send` into smtp-sink
# delivers them, but nothing to a reader who unsubscribed meanwhile. A
# held comment is skipped by the next one's In-Reply-To. Last, the same
# through `shortmail receive`: a comment by mail is fanned out, and a
# reader who replied "unfollow" gets no more.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/smtp-lib.sh"

: "${THREAD_FANOUT:=$top_builddir/tests/thread-fanout}"
: "${OUTBOX_COMPOSE:=$top_builddir/tests/outbox-compose}"
SHORTMAIL_NOW=2026-11-23T10:00:00Z
export SHORTMAIL_NOW
now=$("$PYTHON3" -c 'import calendar, time; print(calendar.timegm(time.strptime("2026-11-23T10:00:00Z", "%Y-%m-%dT%H:%M:%SZ")))')
SINK_DUMP=$T/sink
SINK_OUT=$T/sink.out
at_exit sink_stop

# fan ARGS: runs thread-fanout; output in $T/fan, status in $frc.
fan() {
  "$THREAD_FANOUT" "$SHORTMAIL_CONFIG" "$@" >"$T/fan" 2>"$T/fan.err"
  frc=$?
  [ "$frc" -eq 0 ] || sed 's/^/#   /' "$T/fan.err"
}

sm ingest "file://$top_srcdir/data/sample-feed.xml"
is "$rc" 0 "sample feed ingested"
S=$(sql "SELECT s.id FROM summaries s JOIN papers p ON p.id = s.paper_id
         WHERE p.title = 'Gaussian Error Linear Units (GELUs)' LIMIT 1")
TITLE='Gaussian Error Linear Units (GELUs)'
[ -n "$S" ]
ok $? "the summary of \"$TITLE\" is $S"

# ada (1) comments first, bob (2) answers; cyd (3) follows; dee (4) has
# not confirmed; eve (5) follows and leaves; fay (6) follows and
# unsubscribes before the sender runs; gus (7) follows another summary.
sql "INSERT INTO subscribers (id, address, status, created_at, changed_at) VALUES
       (1, 'ada@example.org', 'confirmed', 0, 0),
       (2, 'bob@example.org', 'confirmed', 0, 0),
       (3, 'cyd@example.org', 'confirmed', 0, 0),
       (4, 'dee@example.org', 'pending', 0, 0),
       (5, 'eve@example.org', 'confirmed', 0, 0),
       (6, 'fay@example.org', 'confirmed', 0, 0),
       (7, 'gus@example.org', 'confirmed', 0, 0)"

for r in 3 4 5 6; do
  fan follow "$r" "$S" 1
  is "$(cat "$T/fan")" "changed 1" "reader $r follows the thread"
done
fan follow 3 "$S" 1
is "$(cat "$T/fan")" "changed 0" "following again is no news"
fan follow 5 "$S" 0
is "$(cat "$T/fan")" "changed 1" "eve leaves the thread"
fan follow 5 "$S" 0
is "$(cat "$T/fan")" "changed 0" "leaving again is no news"
other=$(sql "SELECT id FROM summaries WHERE id != $S LIMIT 1")
fan follow 7 "$other" 1
is "$(cat "$T/fan")" "changed 1" "gus follows another summary"
is "$(sql "SELECT group_concat(subscriber_id) FROM (SELECT subscriber_id
           FROM followers WHERE summary_id = $S ORDER BY 1)")" "3,4,6" \
  "the thread's followers are stored"

# The comments as the comment handler stores them: the text taken out of
# the reply, and the whole mail (for the author's display name).
printf 'From: "Ada  Lovelace" <ada@example.org>\r\nTo: digest+c-x@lists.example.org\r\nSubject: Re: GELU\r\nMessage-ID: <c1@example.org>\r\n\r\nGELU <script>alert(1)</script> & ReLU.\r\n' >"$T/c1.eml"
printf 'From: bob@example.org\r\nTo: digest+c-y@lists.example.org\r\nSubject: Re: GELU\r\nMessage-ID: <c2@example.org>\r\n\r\nI agree.\r\n' >"$T/c2.eml"
sql "INSERT INTO comments (id, summary_id, subscriber_id, message_id, body, created_at, raw) VALUES
       (10, $S, 1, 'c1@example.org', 'GELU <script>alert(1)</script> & ReLU.
A second line.', $now, readfile('$T/c1.eml'))"
fan added 10
is "$frc" 0 "thread_comment_added runs"
is "$(cat "$T/fan")" "queued 2" "two messages queued (cyd, fay): not the author, dee (pending), eve (left)"
is "$(sql "SELECT count(*) FROM followers WHERE summary_id = $S AND subscriber_id = 1")" 1 \
  "the author follows the thread from their comment on"
is "$(sql "SELECT group_concat(recipient, ' ') FROM (SELECT recipient FROM outbox
           WHERE kind = 'comment' ORDER BY recipient)")" \
  "cyd@example.org fay@example.org" "the rows go to cyd and fay"
fan added 10
is "$(cat "$T/fan")" "queued 0" "a second call queues nothing"
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'comment'")" 2 "still two rows"
is "$(sql "SELECT count(DISTINCT message_id) FROM outbox WHERE kind = 'comment'")" 2 \
  "each row has its own outbox key"
# bob follows after ada's comment: he is not owed it, even on a retry.
SHORTMAIL_NOW=2026-11-23T11:00:00Z "$THREAD_FANOUT" "$SHORTMAIL_CONFIG" follow 2 "$S" 1 >"$T/fan"
is "$(cat "$T/fan")" "changed 1" "bob follows an hour after ada's comment"
fan added 10
is "$(cat "$T/fan")" "queued 0" "a reader who follows later does not get an earlier comment"

sql "INSERT INTO comments (id, summary_id, subscriber_id, message_id, body, created_at, raw) VALUES
       (11, $S, 2, 'c2@example.org', 'I agree.', $((now + 7200)), readfile('$T/c2.eml'))"
fan added 11
is "$(cat "$T/fan")" "queued 3" "bob's answer queued for ada, cyd, fay"
fan added 99
[ "$frc" -ne 0 ]
ok $? "an unknown comment is an error"

# --- what the sender composes.
mkdir -p "$T/mail"
"$OUTBOX_COMPOSE" "$SHORTMAIL_CONFIG" "$T/mail" >"$T/rows" 2>"$T/rows.err"
ok $? "outbox-compose composes every row"
sed 's/^/#   /' "$T/rows.err"
is "$(wc -l <"$T/rows" | tr -d ' ')" 5 "five messages"

# facts FILE: one "FIELD VALUE" line per fact of a message, read with
# Python's email package (policy.strict: a defect raises).
facts() {
  "$PYTHON3" - "$1" <<'PY'
import email, email.policy, re, sys
raw = open(sys.argv[1], "rb").read()
assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF"
assert all(len(l) <= 998 for l in raw.split(b"\r\n")), "long line"
m = email.message_from_bytes(raw, policy=email.policy.strict)
for h in ("From", "To", "Subject", "Message-ID", "In-Reply-To", "References",
          "Reply-To", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
          "List-Help", "List-Post", "Precedence", "Auto-Submitted", "Date"):
    v = m.get(h)
    print(h.lower(), re.sub(r"\s+", " ", str(v)) if v is not None else "-")
print("content-type", m.get_content_type())
print("parts", len(list(m.walk())))
print("charset", m.get_content_charset())
body = m.get_content().replace("\r\n", "\n")
open(sys.argv[1] + ".txt", "w").write(body)
tok = re.search(r"digest\+c-([a-z2-7]+)@", str(m["Reply-To"]))
print("ctoken", tok.group(1) if tok else "-")
u = re.search(r"/u/([a-z2-7]+)>", str(m["List-Unsubscribe"]))
print("utoken", u.group(1) if u else "-")
PY
}
fact() { sed -n "s/^$2 //p" "$1.facts"; }

while read -r id kind rcpt key; do
  f=$T/mail/$id.eml
  facts "$f" >"$f.facts" 2>"$f.err"
  ok $? "$rcpt ($key): parses under policy.strict"
  sed 's/^/#   /' "$f.err"
  is "$kind" comment "$rcpt: a comment row"
  case $key in
  "comment.$S.10@lists.example.org/"*) c=10 ;;
  "comment.$S.11@lists.example.org/"*) c=11 ;;
  *) c=none ;;
  esac
  sub=$(sql "SELECT id FROM subscribers WHERE address = '$rcpt'")
  is "$key" "comment.$S.$c@lists.example.org/$sub" "$rcpt: the row's key is the comment's id and the reader's"
  is "$(fact "$f" message-id)" "<comment.$S.$c@lists.example.org>" \
    "$rcpt: Message-ID is the comment's, the same for every follower"
  is "$(fact "$f" subject)" "Re: $TITLE" "$rcpt: Subject is Re: the title"
  is "$(fact "$f" to)" "$rcpt" "$rcpt: To is the follower"
  if [ "$c" = 10 ]; then
    is "$(fact "$f" in-reply-to)" "<thread.$S.0@lists.example.org>" \
      "$rcpt: the first comment answers the thread's root"
    is "$(fact "$f" references)" "<thread.$S.0@lists.example.org>" \
      "$rcpt: References: the root"
    is "$(fact "$f" from)" "Ada Lovelace via ShortScience digest <digest@lists.example.org>" \
      "$rcpt: From is the list, named after the author's display name"
    like "$f.txt" '^GELU <script>alert\(1\)</script> & ReLU\.$' \
      "$rcpt: the comment's <script> is literal text"
    like "$f.txt" '^Ada Lovelace commented on the summary of "Gaussian Error Linear Units \(GELUs\)"$' \
      "$rcpt: the body names the author and the paper"
  else
    is "$(fact "$f" in-reply-to)" "<comment.$S.10@lists.example.org>" \
      "$rcpt: the answer replies to the comment before"
    is "$(fact "$f" references)" "<thread.$S.0@lists.example.org> <comment.$S.10@lists.example.org>" \
      "$rcpt: References: the root, then the comment before"
    is "$(fact "$f" from)" "A reader via ShortScience digest <digest@lists.example.org>" \
      "$rcpt: an author without a display name is \"A reader\""
    like "$f.txt" '^I agree\.$' "$rcpt: the answer's text"
  fi
  is "$(fact "$f" list-id)" "\"$TITLE\" <s$S.digest.lists.example.org>" "$rcpt: a List-Id per thread"
  tok=$(fact "$f" ctoken)
  is "$(fact "$f" reply-to)" "digest+c-$tok@lists.example.org" "$rcpt: Reply-To is the follower's own reply address"
  fan verify c "$tok"
  read -r tsub tobj texp <"$T/fan"
  is "$tsub $tobj" "$sub $S" "$rcpt: its token verifies for that reader and summary"
  d=$((texp - now - 90 * 86400))
  [ "$d" -ge 0 ] && [ "$d" -le 3600 ]
  ok $? "$rcpt: and expires 90 days after the message (off by $d s)"
  is "$(fact "$f" list-post)" "<mailto:digest+c-$tok@lists.example.org>" "$rcpt: List-Post is that address"
  unlike "$f.txt" "mailto:" "$rcpt: no raw mailto: URL shown as text"
  like "$f.txt" "reply with the word unfollow" "$rcpt: the text says how to leave"
  like "$f.txt" "^You get this because" "$rcpt: the footer starts with the marker the extractor strips"
  like "$f.txt" "^https://www.shortscience.org/" "$rcpt: the summary's link"
  u=$(fact "$f" utoken)
  is "$(fact "$f" list-unsubscribe)" "<https://www.shortscience.org/u/$u>, <mailto:digest+unsub-$u@lists.example.org?subject=unsubscribe>" \
    "$rcpt: List-Unsubscribe, HTTPS and mailto"
  fan verify unsub "$u"
  like "$T/fan" "^$sub 0 " "$rcpt: with the reader's unsubscribe token"
  is "$(fact "$f" list-unsubscribe-post)" "List-Unsubscribe=One-Click" "$rcpt: List-Unsubscribe-Post"
  is "$(fact "$f" list-help)" "<mailto:digest-request@lists.example.org?subject=help>" "$rcpt: List-Help"
  is "$(fact "$f" precedence)" list "$rcpt: Precedence: list"
  is "$(fact "$f" auto-submitted)" auto-generated "$rcpt: Auto-Submitted: auto-generated"
  is "$(fact "$f" content-type) $(fact "$f" parts) $(fact "$f" charset)" "text/plain 1 utf-8" \
    "$rcpt: one text/plain part in UTF-8, no HTML"
  unlike "$f" "text/html|<html|&lt;script" "$rcpt: no HTML anywhere"
  if [ "$c" = 10 ]; then
    unlike "$f" "ada@example" "$rcpt: the author's address is nowhere in the message"
  else
    unlike "$f" "bob@example" "$rcpt: the author's address is nowhere in the message"
  fi
  printf '%s %s %s\n' "$c" "$rcpt" "$(fact "$f" message-id)" >>"$T/mids"
done <"$T/rows"
is "$(grep -c "^10 " "$T/mids") $(grep -c "^11 " "$T/mids")" "2 3" \
  "two copies of the first comment, three of the answer"
is "$(grep "^10 " "$T/mids" | cut -d' ' -f3 | sort -u | wc -l | tr -d ' ')" 1 \
  "the copies of a comment share one Message-ID"
unlike "$T/mids" "eve@|dee@|gus@" "no copy to the reader who left, the pending one or another thread's"
grep -q "^1[01] ada@" "$T/mids"
ok $? "ada gets bob's answer to her comment"
grep -q "^10 ada@" "$T/mids"
ok $(( ! $? )) "ada does not get her own comment"

# --- send: fay unsubscribes by mail before the sender runs.
printf 'From: fay@example.org\nMessage-ID: <f1@example.org>\n\nunsubscribe\n' |
  "$SHORTMAIL" receive --recipient digest-request@lists.example.org --sender fay@example.org
is "$(sql "SELECT status FROM subscribers WHERE id = 6")" unsubscribed "fay unsubscribed"
sink_start
ok $? "smtp-sink listens"
cp "$T/shortmail.conf" "$T/send.conf"
printf '[smtp]\nhost = 127.0.0.1\nport = %s\nstarttls = no\n' "$SINK_PORT" >>"$T/send.conf"
"$SHORTMAIL" -c "$T/send.conf" send >"$T/out" 2>"$T/err"
is "$?" 0 "shortmail send exits 0"
sed 's/^/#   /' "$T/err"
dumped() { grep -l "^X-Rcpt-Args: <$1>" "$SINK_DUMP"/* 2>/dev/null | wc -l | tr -d ' '; }
is "$(dumped cyd@example.org) $(dumped ada@example.org)" "2 1" "cyd gets both comments, ada the answer"
is "$(grep -l "^Message-ID: <comment\." "$SINK_DUMP"/* 2>/dev/null | xargs grep -l "^X-Rcpt-Args: <fay@example.org>" 2>/dev/null | wc -l | tr -d ' ')" 0 \
  "fay, unsubscribed, gets no comment"
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'comment' AND recipient = 'fay@example.org' AND state = 'failed' AND last_error LIKE 'not sent%'")" 2 \
  "her rows are recorded as not sent"
f=$(grep -l "^X-Rcpt-Args: <ada@example.org>" "$SINK_DUMP"/* | head -1)
like "$f" "^X-Mail-Args: <digest\+bounce-[a-z2-7]+@lists\.example\.org>" \
  "the envelope sender is the VERP address, as for digests"
like "$f" "^Message-ID: <comment\.$S\.11@lists\.example\.org>" "the message on the wire has the comment's Message-ID"

# A held comment (DMARC failed) was never sent: the next one answers the
# one before it.
sql "INSERT INTO comments (id, summary_id, subscriber_id, message_id, body, created_at, post_state) VALUES
       (12, $S, 2, 'c3@example.org', 'held', $((now + 7300)), 'held'),
       (13, $S, 3, 'c4@example.org', 'After the held one.', $((now + 7400)), 'pending')"
fan added 13
is "$(cat "$T/fan")" "queued 2" "cyd's comment queued for ada and bob, not for fay (unsubscribed)"
is "$(sql "SELECT DISTINCT json_extract(payload, '$.in_reply_to') || ' ' || json_extract(payload, '$.references') FROM outbox WHERE message_id LIKE 'comment.$S.13@%'")" \
  "<comment.$S.11@lists.example.org> <thread.$S.0@lists.example.org> <comment.$S.11@lists.example.org>" \
  "In-Reply-To and References skip the held comment"
is "$(sql "SELECT DISTINCT json_extract(payload, '$.author') FROM outbox WHERE message_id LIKE 'comment.$S.13@%'")" \
  "A reader" "a comment kept without its mail is by \"A reader\""

# The operator releases the held comment (shortmail comments release):
# it is posted at the next run and, never sent before, goes to the
# thread's followers now: ada and cyd, not bob who wrote it.
sm comments release 12
is "$rc" 0 "comments release: exit 0"
like "$T/out" "comment 12 is pending: .* and 2 followers will get it" "it says who gets it"
is "$(sql "SELECT post_state FROM comments WHERE id = 12")" pending "the released comment is pending"
is "$(sql "SELECT group_concat(recipient, ' ') FROM (SELECT recipient FROM outbox WHERE message_id LIKE 'comment.$S.12@%' ORDER BY recipient)")" \
  "ada@example.org cyd@example.org" "the released comment is queued for ada and cyd"
sm comments release 12
is "$rc" 66 "releasing it again: no held comment 12 (exit 66)"
is "$(sql "SELECT count(*) FROM outbox WHERE message_id LIKE 'comment.$S.12@%'")" 2 "and nothing more is queued"

# Through `shortmail receive`, as readers do it: cyd comments by replying
# to his comment address, then ada leaves with "unfollow".
: "${MINT_TOKEN:=$top_builddir/tests/mint-token}"
# receive_as READER-ID ADDRESS TIME BODY: a reply to READER's comment
# address for the summary, received at TIME.
receive_as() {
  tok=$("$MINT_TOKEN" "$T/secret" c "$1" "$S" $((now + 86400)))
  printf '%s\n' "From: $2" "To: digest+c-$tok@lists.example.org" \
    "Subject: Re: $TITLE" "Message-ID: <r$1-$3@example.org>" "" "$4" |
    SHORTMAIL_NOW=$3 "$SHORTMAIL" receive --recipient "digest+c-$tok@lists.example.org" \
      --sender "$2" >"$T/out" 2>"$T/err"
  rrc=$?
  [ "$rrc" -eq 0 ] || sed 's/^/#   /' "$T/err"
}
receive_as 3 cyd@example.org 2026-11-23T13:00:00Z "A comment by mail."
is "$rrc" 0 "receive takes cyd's comment"
c=$(sql "SELECT id FROM comments WHERE body LIKE 'A comment by mail.%'")
is "$(sql "SELECT group_concat(recipient, ' ') FROM (SELECT recipient FROM outbox
           WHERE message_id LIKE 'comment.$S.$c@%' ORDER BY recipient)")" \
  "ada@example.org bob@example.org" "it is queued for ada and bob by receive's call of the fan-out"
is "$(sql "SELECT DISTINCT json_extract(payload, '$.in_reply_to') FROM outbox WHERE message_id LIKE 'comment.$S.$c@%'")" \
  "<comment.$S.13@lists.example.org>" "answering the comment before it"
receive_as 1 ada@example.org 2026-11-23T13:10:00Z "unfollow"
is "$rrc" 0 "receive takes ada's unfollow"
is "$(sql "SELECT count(*) FROM followers WHERE summary_id = $S AND subscriber_id = 1")" 0 \
  "ada no longer follows"
receive_as 2 bob@example.org 2026-11-23T13:20:00Z "Another comment."
c=$(sql "SELECT id FROM comments WHERE body LIKE 'Another comment.%'")
is "$(sql "SELECT group_concat(recipient, ' ') FROM (SELECT recipient FROM outbox
           WHERE message_id LIKE 'comment.$S.$c@%' ORDER BY recipient)")" \
  "cyd@example.org" "the next comment goes to cyd only, not to ada who left"

# The author's name in From: an address given as the name is not shown,
# encoded words are decoded, a long name is cut on a character boundary.
# author_of ID FROM: the author a comment whose mail had this From gets.
author_of() {
  printf 'From: %s\r\nSubject: x\r\nMessage-ID: <n%s@example.org>\r\n\r\nx\r\n' "$2" "$1" >"$T/n.eml"
  sql "INSERT INTO comments (id, summary_id, subscriber_id, message_id, body, created_at, raw) VALUES
         ($1, $S, 2, 'n$1@example.org', 'x', $((now + 86400)), readfile('$T/n.eml'))"
  fan added "$1"
  sql "SELECT DISTINCT json_extract(payload, '$.author') FROM outbox WHERE message_id LIKE 'comment.$S.$1@%'"
}
is "$(author_of 101 '"ada@example.org" <ada@example.org>')" "A reader" "a name holding an @ is not shown"
is "$(author_of 102 '=?UTF-8?Q?Zo=C3=AB_=C3=85ngstr=C3=B6m?= <zoe@example.org>')" "Zoë Ångström" \
  "an encoded name is decoded"
long=$("$PYTHON3" -c 'print("é" * 40)')
is "$(author_of 103 "\"$long\" <e@example.org>")" "$("$PYTHON3" -c 'print("é" * 32)')" \
  "a long name is cut to 64 bytes between characters"

done_testing
