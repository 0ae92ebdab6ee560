#!/bin/sh
# comment-e2e.sh: issue 6 end to end, with real programs only. A digest
# goes out through `shortmail send` to Postfix's smtp-sink; a real mail
# client (mutt, driven by keystrokes on a pseudo-terminal) replies to the
# summary's comment address given in it; its mail goes through mutt's
# sendmail into a private Postfix on loopback, whose pipe transport runs
# `shortmail receive`. The comment is stored, `shortmail post` posts it
# to the site's API (tests/siteapi.py), and it goes on to the reader who
# follows the summary (he said "follow" by mail), through smtp-sink. That
# reader answers with mutt (a plain reply: Reply-To is his own comment
# address), and the answer reaches the first commenter, threaded under
# the first comment.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/smtp-lib.sh"
. "$top_srcdir/tests/postfix-lib.sh"

: "${MINT_TOKEN:=$top_builddir/tests/mint-token}"
: "${MUTT:=mutt}"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
NO_PROXY='*'
export NO_PROXY

[ "$(id -u)" = 0 ] || skip_all "needs root for the private Postfix"
command -v "$MUTT" >/dev/null 2>&1 || skip_all "mutt is not installed"
command -v script >/dev/null 2>&1 || skip_all "script(1) is not installed"

SINK_DUMP=$T/sink
SINK_OUT=$T/sink.out
at_exit sink_stop
TITLE='Gaussian Error Linear Units (GELUs)'

# The site's API.
api_port=$(free_port)
printf 'site-token-e2e\n' >"$T/token"
chmod 600 "$T/token"
api_pid=
stop_api() {
  [ -n "$api_pid" ] || return 0
  kill "$api_pid" 2>/dev/null
  wait "$api_pid" 2>/dev/null
  api_pid=
}
at_exit stop_api
"$PYTHON3" "$top_srcdir/tests/siteapi.py" "$api_port" "$T/api.log" \
  --token site-token-e2e &
api_pid=$!
wait_port "$api_port"
ok $? "the site's API listens (tests/siteapi.py)"

sink_start
ok $? "smtp-sink listens"
cat >>"$T/shortmail.conf" <<EOF
[smtp]
host = 127.0.0.1
port = $SINK_PORT
starttls = no
[site]
api_url = http://127.0.0.1:$api_port/api/comments
api_token_file = $T/token
api_timeout = 5
EOF

# The sample feed at the time its digests are due; ada follows the
# authors of the GELU paper.
SHORTMAIL_NOW=2026-11-23T10:00:00Z "$SHORTMAIL" ingest \
  "file://$top_srcdir/data/sample-feed.xml" >"$T/out" 2>"$T/err"
ok $? "sample feed ingested"
S=$(sql "SELECT s.id FROM summaries s JOIN papers p ON p.id = s.paper_id
         WHERE p.title = '$TITLE' LIMIT 1")
sql "INSERT INTO subscribers (id, address, status, created_at, changed_at) VALUES
       (1, 'ada@example.org', 'confirmed', 0, 0),
       (2, 'bob@example.org', 'confirmed', 0, 0);
     INSERT INTO interests VALUES (1, 'author:hendrycks', 0)"

# The private Postfix; the store now belongs to its pipe user.
postfix_start
pf=$?
ok $pf "a private Postfix pipes lists.example.org into shortmail receive"
[ $pf = 0 ] || { done_testing; exit 1; }

# bob follows the summary's discussion by mail: "follow" to his comment
# address for it (as a digest of his would give it).
tok=$("$MINT_TOKEN" "$T/secret" c 2 "$S" $(($(date +%s) + 86400)))
printf '%s\n' "From: bob@example.org" "To: digest+c-$tok@lists.example.org" \
  "Subject: Re: $TITLE" "Message-ID: <follow-$$@example.org>" "" "follow" \
  >"$T/follow.eml"
postfix_send bob@example.org "digest+c-$tok@lists.example.org" "$T/follow.eml" \
  >/dev/null && postfix_wait_delivered 1 30
ok $? "bob's \"follow\" goes through Postfix into shortmail receive"
is "$(sql "SELECT subscriber_id FROM followers WHERE summary_id = $S")" 2 \
  "bob follows the discussion of \"$TITLE\""

SHORTMAIL_NOW=2026-11-23T10:00:00Z "$SHORTMAIL" digest >"$T/out" 2>"$T/err"
ok $? "shortmail digest"
"$SHORTMAIL" send >"$T/out" 2>"$T/err"
like "$T/out" "^send: 2 sent" "the digest (and bob's confirmation) sent to smtp-sink"

# sink_mbox ADDRESS MBOX [REGEX]: the messages smtp-sink took for ADDRESS
# (those matching REGEX), as the reader's mailbox (mbox, oldest first).
sink_mbox() {
  "$PYTHON3" - "$SINK_DUMP" "$1" "$2" "${3:-}" <<'PY'
import mailbox, os, re, sys
dump, rcpt, out, want = sys.argv[1:5]
box = mailbox.mbox(out)
for name in sorted(os.listdir(dump), key=lambda n: os.path.getmtime(os.path.join(dump, n))):
    d = open(os.path.join(dump, name), "rb").read()
    if not re.search(rb"^X-Rcpt-Args: <%s>$" % re.escape(rcpt.encode()), d, re.M):
        continue
    if want and not re.search(want.encode(), d, re.M):
        continue
    # smtp-sink's own header lines end with its Received field.
    i = d.index(b"\nReceived: ") + 1
    lines = d[i:].split(b"\n")
    k = 1
    while lines[k].startswith(b"\t"):
        k += 1
    msg = mailbox.mboxMessage(b"\n".join(lines[k:]))
    msg.set_from("MAILER-DAEMON", True)
    box.add(msg)
box.flush()
print(len(box))
PY
}
is "$(sink_mbox ada@example.org "$T/ada.mbox")" 1 "ada's mailbox holds her digest"
grep -q "^$TITLE\$" "$T/ada.mbox"
ok $? "the digest has \"$TITLE\""

# The mail client. Its editor (what the reader types) is a script:
# E2E_TO=item addresses the reply to the comment address printed under
# the item titled $E2E_TITLE in the quoted digest, as the digest tells
# readers to; E2E_TO=keep leaves the recipient mutt chose. The comment
# goes on top of the quote, or with E2E_TO=inline (recipient kept) into
# the quote, under the heading of the item titled $E2E_TITLE.
cat >"$T/edit.py" <<'PY'
import os, re, sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
head, _, body = text.partition("\n\n")
if os.environ["E2E_TO"] == "item":
    lines = body.split("\n")
    start = next(i for i, l in enumerate(lines) if l.strip("> ").strip() == os.environ["E2E_TITLE"])
    addr = next(re.search(r"(digest\+c-[a-z2-7]+@lists\.example\.org)", l).group(1)
                for l in lines[start:] if "Comment by replying to:" in l)
    head = re.sub(r"(?m)^To:.*$", "To: " + addr, head)
if os.environ["E2E_TO"] == "inline":
    # Under the quoted heading of the item: its title and byline.
    lines = body.split("\n")
    start = next(i for i, l in enumerate(lines) if l.strip("> ").strip() == os.environ["E2E_TITLE"])
    lines[start + 3:start + 3] = ["", os.environ["E2E_COMMENT"], ""]
    open(path, "w", encoding="utf-8").write(head + "\n\n" + "\n".join(lines))
    sys.exit(0)
open(path, "w", encoding="utf-8").write(head + "\n\n" + os.environ["E2E_COMMENT"] + "\n\n" + body)
PY

# mutt_reply NAME ADDRESS MBOX: NAME <ADDRESS> replies to the first
# new message of MBOX with mutt on a pseudo-terminal; mutt hands the reply to
# the private Postfix's sendmail.
mutt_reply() {
  cat >"$T/muttrc" <<EOF
set realname="$1"
set from="$2"
set use_envelope_from=yes
set sendmail="/usr/sbin/sendmail -C $PF_ETC -oi"
set editor="$PYTHON3 $T/edit.py"
set edit_headers=yes
set fast_reply=yes
set include=yes
set reply_to=yes
set record=""
set copy=no
set postpone=no
set move=no
set quit=yes
set wait_key=no
set hostname="example.org"
set charset="utf-8"
set send_charset="utf-8"
set header_cache=""
set mbox_type=mbox
set folder="$T"
set spoolfile="$3"
set mbox="$T/mbox"
set confirmcreate=no
set sleep_time=0
alternative_order text/plain
# Keys pushed on the command line are flushed when mutt beeps (or runs
# the editor); a hook pushes its keys when the compose menu is up.
send2-hook . 'push "<send-message><quit>"'
EOF
  HOME=$T TERM=vt100 timeout 60 script -qec \
    "$MUTT -n -F $T/muttrc -f $3 -e 'push \"<reply>\"'" \
    /dev/null </dev/null >"$T/mutt.out" 2>&1
}

E2E_TO=item E2E_TITLE=$TITLE \
  E2E_COMMENT='GELU weighs the input by its percentile: <script>alert(1)</script> stays text.' \
  mutt_reply "Ada Lovelace" ada@example.org "$T/ada.mbox"
ok $? "ada replies with mutt to the summary's comment address"
postfix_wait_delivered 1 30
ok $? "Postfix delivers the reply through its pipe into shortmail receive"
is "$(sql "SELECT outcome FROM received ORDER BY id DESC LIMIT 1")" comment \
  "receive took it as a comment"
is "$(sql "SELECT summary_id || ' ' || subscriber_id FROM comments")" "$S 1" \
  "the comment is stored on the summary, by ada"
sql "SELECT body FROM comments" >"$T/c1.txt"
like "$T/c1.txt" '^GELU weighs the input by its percentile: <script>alert\(1\)</script> stays text\.$' \
  "the stored comment is ada's words"
unlike "$T/c1.txt" '^>|You get this because' "without the quoted digest or its footer"
is "$(sql "SELECT count(*) FROM followers WHERE summary_id = $S AND subscriber_id = 1")" 1 \
  "ada follows the discussion from her comment on"

# The site is down when `post` first runs: the comment is kept, pending,
# and posted once the site is back, once.
stop_api
"$SHORTMAIL" post --once >"$T/out" 2>"$T/err"
is "$?" 75 "shortmail post with the site down: exit 75"
is "$(sql "SELECT post_state || ' ' || post_attempts FROM comments")" "pending 1" \
  "the comment is kept, pending, one attempt counted"
"$PYTHON3" "$top_srcdir/tests/siteapi.py" "$api_port" "$T/api.log" \
  --token site-token-e2e &
api_pid=$!
wait_port "$api_port"
ok $? "the site's API is back"
sql "UPDATE comments SET next_post_at = 0" # as if the backoff had passed

# The site gets the comment.
"$SHORTMAIL" post >"$T/out" 2>"$T/err"
ok $? "shortmail post posts it to the site's API"
is "$(sql "SELECT post_state FROM comments")" posted "the comment is marked posted"
grep -F -q 'percentile: <script>alert(1)</script>' "$T/api.log" 2>/dev/null ||
  grep -F -q 'percentile: \u003cscript' "$T/api.log"
ok $? "the site received the comment's text"

# The discussion: bob gets it.
"$SHORTMAIL" send >"$T/out" 2>"$T/err"
like "$T/out" "^send: 1 sent" "shortmail send sends the comment on to bob"
is "$(sink_mbox bob@example.org "$T/bob.mbox" '^Message-ID: <comment\.')" 1 "bob's mailbox holds it"
"$PYTHON3" - "$T/bob.mbox" >"$T/bob.facts" <<'PY'
import email.policy, mailbox, sys
m = list(mailbox.mbox(sys.argv[1], factory=None))[-1]
m = email.message_from_bytes(m.as_bytes(), policy=email.policy.strict)
for h in ("From", "Subject", "Message-ID", "In-Reply-To", "Reply-To", "List-Id"):
    print(h, m[h])
print("Body", m.get_content().replace("\r\n", "\n").replace("\n", " | "))
PY
like "$T/bob.facts" "^From Ada Lovelace via ShortScience digest <digest@lists.example.org>$" \
  "From: the list, named after ada"
like "$T/bob.facts" "^Subject Re: Gaussian Error Linear Units \(GELUs\)$" "Subject: Re: the title"
like "$T/bob.facts" "^Message-ID <comment\.$S\.1@lists\.example\.org>$" "the comment's Message-ID"
like "$T/bob.facts" "^Reply-To digest\+c-[a-z2-7]+@lists\.example\.org$" "Reply-To: bob's own comment address"
like "$T/bob.facts" "^Body .*percentile: <script>alert\(1\)</script> stays text\." "the comment as text"
unlike "$T/bob.mbox" "ada@example" "ada's address is nowhere in it"

# bob answers with a plain reply.
E2E_TO=keep E2E_COMMENT='Is the tanh approximation close enough?' \
  mutt_reply "" bob@example.org "$T/bob.mbox"
ok $? "bob answers with mutt (reply)"
postfix_wait_delivered 1 30
ok $? "Postfix delivers bob's answer into shortmail receive"
is "$(sql "SELECT count(*) FROM comments WHERE subscriber_id = 2 AND summary_id = $S")" 1 \
  "bob's answer is a comment on the same summary"
"$SHORTMAIL" send >"$T/out" 2>"$T/err"
like "$T/out" "^send: 1 sent" "the answer goes to ada (not back to bob)"
is "$(sink_mbox ada@example.org "$T/ada2.mbox")" 2 "ada has her digest and bob's answer"
"$PYTHON3" - "$T/ada2.mbox" >"$T/ada.facts" <<'PY'
import email.policy, mailbox, sys
m = list(mailbox.mbox(sys.argv[1], factory=None))[-1]
m = email.message_from_bytes(m.as_bytes(), policy=email.policy.strict)
for h in ("From", "In-Reply-To", "References"):
    print(h, m[h])
print("Body", m.get_content().replace("\r\n", "\n").replace("\n", " | "))
PY
like "$T/ada.facts" "^In-Reply-To <comment\.$S\.1@lists\.example\.org>$" \
  "threaded under ada's comment (In-Reply-To)"
like "$T/ada.facts" "^References <thread\.$S\.0@lists\.example\.org> <comment\.$S\.1@lists\.example\.org>$" \
  "References: the thread's root, then her comment"
like "$T/ada.facts" "^From A reader via ShortScience digest <digest@lists.example.org>$" \
  "bob gave no name: \"A reader\""
like "$T/ada.facts" "^Body .*Is the tanh approximation close enough\?" "bob's words"
unlike "$T/ada.facts" "^Body .*percentile: <script>" "without the quoted comment"

# A reply to the whole digest (mutt's plain reply goes to the list's
# address) with ada's answer written inline, under the quoted heading of
# the GELU item: a comment on that item, sent on to bob.
E2E_TO=inline E2E_TITLE=$TITLE E2E_COMMENT='And the erf form is exact.' \
  mutt_reply "Ada Lovelace" ada@example.org "$T/ada.mbox"
ok $? "ada replies with mutt to her whole digest, inline under one item"
postfix_wait_delivered 1 30
ok $? "Postfix delivers it into shortmail receive"
is "$(sql "SELECT recipient || ' ' || outcome FROM received ORDER BY id DESC LIMIT 1")" \
  "digest@lists.example.org comment" "the reply to the list's address is taken as a comment"
is "$(sql "SELECT count(*) FROM comments WHERE subscriber_id = 1 AND summary_id = $S")" 2 \
  "on the item she answered under"
is "$(sql "SELECT body FROM comments WHERE subscriber_id = 1 ORDER BY id DESC LIMIT 1")" \
  "And the erf form is exact." "her inline words, without the quoted digest"
"$SHORTMAIL" send >"$T/out" 2>"$T/err"
like "$T/out" "^send: 1 sent" "it goes on to bob"
is "$(sink_mbox bob@example.org "$T/bob2.mbox" '^Message-ID: <comment\.')" 2 \
  "bob has both of ada's comments"

done_testing
