#!/bin/sh
# bounce-receive.sh: bounces and unsubscribes through `shortmail receive`,
# after real digests went out through `shortmail send` into smtp-sink
# (their VERP return paths and List-Unsubscribe addresses are the ones
# used here): a report in each common format at LIST-bounces@, VERP
# bounces, forged ones that change nothing, the score (threshold, one a
# day, soft bounces never disable, decay), the notice to a disabled
# reader, unsubscribing by mail, `shortmail bounces --json`, and `sub
# forget`.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/smtp-lib.sh"

SINK_DUMP=$T/sink
at_exit sink_stop
list=lists.example.org
export SHORTMAIL_NOW=2026-11-23T10:00:00Z
printf '[bounce]\nthreshold = 3\nstale_days = 7\n[log]\nfile = %s/shortmail.log\n' "$T" >>"$T/shortmail.conf"
log=$T/shortmail.log

n=0
# deliver RCPT [NOW [SENDER]]: pipes stdin to `shortmail receive` (by
# default with the null sender, as bounces come); rc in $rc, its log in
# $T/err.
deliver() {
  n=$((n + 1))
  cat >"$T/msg$n.eml"
  SHORTMAIL_NOW=${2:-$SHORTMAIL_NOW} "$SHORTMAIL" receive --recipient "$1" \
    --sender "${3-}" <"$T/msg$n.eml" >"$T/out" 2>"$T/err"
  rc=$?
}
outcome() { sql "SELECT outcome FROM received ORDER BY id DESC LIMIT 1"; }
detail() { sql "SELECT detail FROM received ORDER BY id DESC LIMIT 1"; }
events() { # events ADDRESS: "kind status counted score source" per bounce
  sql "SELECT kind || ' ' || coalesce(status, '-') || ' ' || counted || ' ' || score || ' ' || source FROM bounces WHERE address = '$1' COLLATE NOCASE ORDER BY id"
}
nevents() { sql "SELECT count(*) FROM bounces"; }
status() { sql "SELECT status FROM subscribers WHERE address = '$1' COLLATE NOCASE"; }
# The envelope sender (VERP) and the List-Unsubscribe mailto of the
# digest the sink took for ADDRESS.
verp() {
  f=$(grep -il "^X-Rcpt-Args: <$1>" "$SINK_DUMP"/* | head -1)
  sed -n 's/^X-Mail-Args: <\([^>]*\)>.*/\1/p' "$f" | head -1
}
unsub_addr() {
  f=$(grep -il "^X-Rcpt-Args: <$1>" "$SINK_DUMP"/* | head -1)
  grep -o 'mailto:digest+unsub-[a-z2-7]*@lists\.example\.org' "$f" | head -1 |
    sed 's/^mailto://'
}

# A bounce in RFC 3464 form about ADDRESS with STATUS, to TO, Message-ID
# ID, Action ACTION (failed when not given).
dsn() {
  action=${5:-failed}
  cat <<EOF
From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: $3
Subject: Undelivered Mail Returned to Sender
Message-ID: <$4@mx.example.net>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered to <$1>.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; $1
Action: $action
Status: $2
Diagnostic-Code: smtp; 550 $2 <$1>: user unknown

--B--
EOF
}

# --- readers: every address of the parser's samples, and a few more;
# all but never@ get a digest (never@ has no keywords, so no mail).
sm ingest "file://$top_srcdir/data/sample-feed.xml"
is "$rc" 0 "sample feed ingested"
samples="exchange exim gmail mailbox-full plain-user-unknown postfix qmail rfc3464-delayed rfc3464-multi-recipient rfc3464-permanent sendmail yahoo"
readers="ada@example.org bob@example.org cyd@example.org dan@example.org eve@example.org fay@example.org"
for s in $samples; do
  readers="$readers $(cut -d' ' -f1 "$top_srcdir/tests/bounces/$s.expect" | tr '\n' ' ')"
done
for r in $readers; do
  sql "INSERT INTO subscribers (address, status, created_at, changed_at) VALUES ('$r', 'confirmed', 0, 0);
       INSERT INTO interests SELECT id, 'cs.lg', 0 FROM subscribers WHERE address = '$r'"
done
sql "INSERT INTO subscribers (address, status, created_at, changed_at) VALUES ('never@example.org', 'confirmed', 0, 0)"
nreaders=$(echo $readers | wc -w)
sm digest
like "$T/out" "$nreaders digests queued" "a digest queued for each of the $nreaders readers"
sink_start
cp "$T/shortmail.conf" "$T/send.conf"
printf '[smtp]\nhost = 127.0.0.1\nport = %s\nstarttls = no\n' "$SINK_PORT" >>"$T/send.conf"
"$SHORTMAIL" -c "$T/send.conf" send >"$T/out" 2>"$T/err"
like "$T/out" "^send: $nreaders sent" "all sent into smtp-sink"
ada_verp=$(verp ada@example.org)
case $ada_verp in digest+bounce-*@$list) ok 0 "ada's digest went out with a VERP return path" ;;
*) ok 1 "ada's digest went out with a VERP return path ($ada_verp)" ;; esac

# --- LIST-bounces@: each format, the events stored as the parser read
# them (address, kind, status), one per failed reader.
for s in $samples; do
  deliver digest-bounces@$list <"$top_srcdir/tests/bounces/$s.eml"
  is "$rc" 0 "$s: exit 0"
  while read -r addr kind st; do
    case $kind in
    permanent) counted="1.0 1.0" score="1/3$" ;;
    temporary) counted="0.5 0.5" score="0\.5/3$" ;;
    *) counted="0.0 0.0" score="0/3; not counted: a delay warning" ;;
    esac
    is "$(events "$addr")" "$kind $st $counted parsed" \
      "$s: $addr: one $kind bounce ($st) stored, counted $counted"
    like "$log" "bounce: $addr: $kind $st \(parsed, outbox [0-9]+\): score $score" \
      "$s: $addr: logged with the score"
  done <"$top_srcdir/tests/bounces/$s.expect"
done
is "$(outcome)" bounce "the last report's outcome is \"bounce\""
before=$(nevents)
for s in not-out-of-office not-reply not-vacation; do
  deliver digest-bounces@$list <"$top_srcdir/tests/bounces/$s.eml"
  is "$rc:$(outcome)" "0:quarantined" "$s: not a bounce: quarantined"
done
is "$(nevents)" "$before" "the non-bounces stored no event"

# --- forged reports: an unknown address, a reader never mailed.
dsn stranger@example.org 5.1.1 digest-bounces@$list f1 | deliver digest-bounces@$list
is "$(outcome)" quarantined "a report about an unknown address is quarantined"
like "$T/err" "stranger@example.org \(no reader\)" "saying it names no reader"
dsn never@example.org 5.1.1 digest-bounces@$list f2 | deliver digest-bounces@$list
is "$(outcome)" quarantined "a report about a reader we never mailed is quarantined"
like "$T/err" "never@example.org \(never mailed\)" "saying we never mailed them"
is "$(nevents)" "$before" "neither stored an event"
is "$(status never@example.org)" confirmed "never@ is still confirmed"

# --- VERP: the token names the reader, whatever address the report has.
dsn ada-forwarded@elsewhere.example 5.2.1 "$ada_verp" v1 | deliver "$ada_verp"
is "$rc:$(outcome)" "0:bounce" "a VERP bounce is taken"
is "$(events ada@example.org)" "permanent 5.2.1 1.0 1.0 verp" "stored for ada, with the report's status"
is "$(sql "SELECT o.recipient FROM bounces b JOIN outbox o ON o.id = b.outbox_id WHERE b.address = 'ada@example.org'")" \
  ada@example.org "with the outbox row the token named"
deliver "$ada_verp" 2026-11-24T10:00:00Z <<EOF
From: MAILER-DAEMON@mx.example.net
Subject: failure notice
Message-ID: <v2@mx.example.net>

Something went wrong, in words no parser knows.
EOF
is "$(outcome)" bounce "a VERP failure notice with nothing to parse counts"
is "$(events ada@example.org | tail -1)" "permanent - 1.0 2.0 verp" "as permanent, without a status"
deliver "$ada_verp" 2026-11-25T10:00:00Z <<EOF
From: ada@example.org
Subject: Out of office: Your weekly digest
Message-ID: <v3@example.org>
Auto-Submitted: auto-replied

I am away until Monday.
EOF
is "$(outcome)" ignored "an auto-reply to a VERP address counts nothing"
is "$(events ada@example.org | wc -l)" 2 "and stores nothing"
# One character of the MAC changed.
tampered=$("$PYTHON3" -c 'import sys; a = sys.argv[1]; i = a.index("@") - 6; print(a[:i] + ("b" if a[i] == "a" else "a") + a[i + 1:])' "$ada_verp")
dsn ada@example.org 5.1.1 "$tampered" v4 | deliver "$tampered"
is "$(outcome)" quarantined "a forged VERP token is quarantined"
like "$T/err" "bounce token .*nothing changed" "saying the token is bad"
dsn ada@example.org 5.1.1 "$ada_verp" v5 | deliver "$ada_verp" 2027-03-01T10:00:00Z
is "$(outcome)" quarantined "an expired VERP token is quarantined"
like "$T/err" "bounce token .*expired" "saying it expired"
is "$(events ada@example.org | wc -l)" 2 "neither changed ada's bounces"
# An authentic token for a message that was never sent: the sent digest
# is made queued again, as if it had not gone yet.
sql "UPDATE outbox SET state = 'queued' WHERE recipient = 'fay@example.org'"
fay_verp=$(verp fay@example.org)
dsn fay@example.org 5.1.1 "$fay_verp" v6 | deliver "$fay_verp"
is "$(outcome)" quarantined "a VERP bounce for a message not sent is quarantined"
like "$T/err" "no such message was sent" "saying so"
is "$(events fay@example.org | wc -l)" 0 "and stores nothing"
sql "UPDATE outbox SET state = 'sent' WHERE recipient = 'fay@example.org'"

# --- at LIST-bounces@, the returned copy's Message-ID names the reader,
# whatever address the report has (a forward); a delay warning is kept
# and counts nothing.
fay_mid=$(sql "SELECT message_id FROM outbox WHERE recipient = 'fay@example.org' AND kind = 'digest'")
deliver digest-bounces@$list 2026-11-26T10:00:00Z <<EOF
From: MAILER-DAEMON@mx.example.net
To: digest-bounces@$list
Subject: Undelivered Mail Returned to Sender
Message-ID: <m1@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

This is the mail system at host mx.example.net.

<fay.new@elsewhere.example>: host mx.elsewhere.example[192.0.2.9] said:
    550 5.1.1 User unknown (in reply to RCPT TO command)

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; fay.new@elsewhere.example
Action: failed
Status: 5.1.1

--B
Content-Type: text/rfc822-headers

From: ShortScience digest <digest@$list>
To: fay@example.org
Subject: Your weekly ShortScience digest
Message-ID: <$fay_mid>

--B--
EOF
is "$rc:$(outcome)" "0:bounce" "a report about a forward is taken by the returned copy's Message-ID"
is "$(events fay@example.org)" "permanent 5.1.1 1.0 1.0 message-id" "stored for fay, from the Message-ID"
deliver digest-bounces@$list 2026-11-27T10:00:00Z <<EOF
From: MAILER-DAEMON@mx.example.net
To: digest-bounces@$list
Subject: Delayed Mail (still being retried)
Message-ID: <m2@mx.example.net>

This is the mail system at host mx.example.net.

# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #

<fay@example.org>: connect to mx.example.org[192.0.2.9]:25: Connection
    timed out

--- Below this line is a copy of the message.

Return-Path: <digest-bounces@$list>
From: ShortScience digest <digest@$list>
To: fay@example.org
Message-ID: <$fay_mid>

Hello.
EOF
is "$rc:$(outcome)" "0:bounce" "a delay warning with a copy of our message is taken"
is "$(events fay@example.org | tail -1)" "delayed - 0.0 1.0 message-id" "stored as delayed, counting nothing"
like "$log" "bounce: fay@example.org: delayed - \(message-id, outbox [0-9]+\): score 1/3; not counted: a delay warning" \
  "logged as not counted"

# --- the threshold (3 here): one bounce a day; the third day disables,
# once, with one notice.
bob_verp=$(verp bob@example.org)
for d in 23 23 24 25 26; do
  n=$((n + 1))
  dsn bob@example.org 5.1.1 "$bob_verp" "bob$n" | deliver "$bob_verp" 2026-11-${d}T12:00:00Z
done
is "$(events bob@example.org | cut -d' ' -f3 | tr '\n' ,)" "1.0,0.0,1.0,1.0,0.0," "bob: what each bounce counted"
is "$(events bob@example.org | cut -d' ' -f4 | tr '\n' ,)" "1.0,1.0,2.0,3.0,3.0," "bob: the score after each"
is "$(status bob@example.org)" disabled "bob is disabled at the threshold"
like "$log" "bounce: bob@example.org: disabled: score 3 reached \[bounce\] threshold 3; a notice was queued" \
  "the disabling is logged"
is "$(sql "SELECT count(*) FROM outbox WHERE recipient = 'bob@example.org' AND kind = 'notice'")" 1 \
  "bob is told once, though a bounce came after"
dsn bob@example.org 5.1.1 "$bob_verp" bob-log | deliver "$bob_verp" 2026-11-27T12:00:00Z
like "$log" "bounce: bob@example.org: permanent 5.1.1 .*not counted: the reader is disabled already" \
  "a bounce after that is logged as not counted"
"$SHORTMAIL" -c "$T/send.conf" send >"$T/out" 2>"$T/err"
f=$(grep -l "^X-Rcpt-Args: <bob@example.org>" "$SINK_DUMP"/* | xargs grep -l "^Subject: .*digests to this address stopped")
[ -n "$f" ]
ok $? "the notice went out to the disabled reader"
like "$f" "^Auto-Submitted: auto-generated" "as auto-generated mail"
like "$f" "no more digests will be sent to it" "saying what happened"
like "$f" 'send "subscribe"' "and how to come back"
is "$(sql "SELECT state FROM outbox WHERE recipient = 'bob@example.org' AND kind = 'notice'")" sent "the notice is recorded sent"

# --- soft bounces alone never disable: ten days of a full mailbox.
cyd_verp=$(verp cyd@example.org)
for d in 23 24 25 26 27 28 29 30; do
  n=$((n + 1))
  dsn cyd@example.org 4.2.2 "$cyd_verp" "cyd$n" | deliver "$cyd_verp" 2026-11-${d}T12:00:00Z
done
for d in 01 02; do
  n=$((n + 1))
  dsn cyd@example.org 4.2.2 "$cyd_verp" "cyd$n" | deliver "$cyd_verp" 2026-12-${d}T12:00:00Z
done
is "$(events cyd@example.org | wc -l)" 10 "cyd: ten temporary bounces stored"
is "$(events cyd@example.org | tail -1)" "temporary 4.2.2 0.0 2.5 verp" "cyd: the score stops at threshold - 0.5"
is "$(status cyd@example.org)" confirmed "cyd is still confirmed"
# ... and a permanent one then reaches the threshold.
dsn cyd@example.org 5.1.1 "$cyd_verp" cyd-hard | deliver "$cyd_verp" 2026-12-03T12:00:00Z
is "$(events cyd@example.org | tail -1)" "permanent 5.1.1 1.0 3.5 verp" "a permanent bounce after them counts 1"
is "$(status cyd@example.org)" disabled "and disables cyd"

# --- decay: a score starts again once the last bounce is stale_days old.
dan_verp=$(verp dan@example.org)
for d in 2026-11-23 2026-11-24 2026-12-03; do
  n=$((n + 1))
  dsn dan@example.org 5.1.1 "$dan_verp" "dan$n" | deliver "$dan_verp" ${d}T12:00:00Z
done
is "$(events dan@example.org | cut -d' ' -f4 | tr '\n' ,)" "1.0,2.0,1.0," "dan: after 9 quiet days the score starts from 0"
is "$(status dan@example.org)" confirmed "dan is still confirmed"

# --- unsubscribe by mail: any body, no reply.
eve_unsub=$(unsub_addr eve@example.org)
case $eve_unsub in digest+unsub-*@$list) ok 0 "eve's digest has a List-Unsubscribe mailto" ;;
*) ok 1 "eve's digest has a List-Unsubscribe mailto ($eve_unsub)" ;; esac
replies=$(sql "SELECT count(*) FROM outbox WHERE kind != 'digest'")
deliver "$(echo "$eve_unsub" | sed 's/unsub-\(.\)/unsub-\1x/')" <<EOF
From: eve@example.org
Subject: unsubscribe
Message-ID: <u0@example.org>

EOF
is "$(outcome)" quarantined "a forged unsubscribe token is quarantined"
is "$(status eve@example.org)" confirmed "and eve stays subscribed"
deliver "$eve_unsub" <<EOF
From: Someone Else <other@example.com>
Subject: hello
Message-ID: <u1@example.org>

Whatever the body says: please keep sending.
EOF
is "$rc:$(outcome)" "0:unsubscribed" "an unsubscribe by mail is taken, whatever the body"
is "$(status eve@example.org)" unsubscribed "eve is unsubscribed"
is "$(sql "SELECT count(*) FROM outbox WHERE kind != 'digest'")" "$replies" "no mail is queued in answer"
like "$log" "eve@example.org: unsubscribed \(List-Unsubscribe mailto\)" "it is logged"
deliver "$eve_unsub" <<EOF
From: eve@example.org
Message-ID: <u2@example.org>

EOF
is "$(outcome)" unchanged "a second unsubscribe changes nothing"

# --- the relay's 5xx to RCPT TO while sending is a bounce too.
sql "INSERT INTO subscribers (address, status, created_at, changed_at) VALUES ('gil@example.org', 'confirmed', 0, 0);
     INSERT INTO interests SELECT id, 'cs.lg', 0 FROM subscribers WHERE address = 'gil@example.org'"
sm digest
like "$T/out" "1 digests? queued" "a digest for gil"
sink_start -f rcpt
cp "$T/shortmail.conf" "$T/send.conf"
printf '[smtp]\nhost = 127.0.0.1\nport = %s\nstarttls = no\n' "$SINK_PORT" >>"$T/send.conf"
"$SHORTMAIL" -c "$T/send.conf" send >"$T/out" 2>"$T/err"
like "$T/out" "0 sent, 0 deferred, 2 failed" "the relay refuses gil's digest (and cyd's notice) at RCPT TO"
is "$(sql "SELECT state FROM outbox WHERE recipient = 'gil@example.org'")" failed "gil's digest failed"
is "$(events gil@example.org | sed 's/^\(permanent\) [45][0-9.]* /\1 CODE /')" "permanent CODE 1.0 1.0 smtp" \
  "gil: a permanent bounce from the SMTP session, with its code"
is "$(sql "SELECT b.outbox_id = o.id FROM bounces b, outbox o WHERE b.address = 'gil@example.org' AND o.recipient = 'gil@example.org'")" 1 \
  "tied to the message refused"

# --- shortmail bounces.
sm bounces --json bob@example.org
is "$rc" 0 "bounces --json ADDRESS: exit 0"
"$PYTHON3" - "$T/out" >"$T/j" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))
print(len(ev))
print(" ".join(sorted({e["address"] for e in ev})))
print(" ".join("%s:%s:%g" % (e["kind"], e["status"], e["counted"]) for e in ev))
print(ev[-1]["reader_status"], ev[-1]["score"], ev[-1]["source"])
print(all(isinstance(e["score"], (int, float)) and e["received_at"].startswith("2026-11-") for e in ev))
PY
is "$(sed -n 1p "$T/j")" 6 "bob's six bounces"
is "$(sed -n 2p "$T/j")" bob@example.org "only bob's"
is "$(sed -n 3p "$T/j")" "permanent:5.1.1:1 permanent:5.1.1:0 permanent:5.1.1:1 permanent:5.1.1:1 permanent:5.1.1:0 permanent:5.1.1:0" \
  "kind, status and what each counted"
is "$(sed -n 4p "$T/j")" "disabled 3 verp" "the reader's status and score, and the source"
is "$(sed -n 5p "$T/j")" True "numbers are numbers, times are dates"
sm bounces
like "$T/out" "^2026-.* permanent +5\.1\.1 .* parsed +confirmed +hana\.sato@example\.jp$" "the table lists a parsed bounce"
like "$T/out" "disabled +bob@example.org" "and bob, disabled"
SHORTMAIL_NOW=2027-01-20T00:00:00Z sm bounces --json dan@example.org
"$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))[-1]["score"])' "$T/out" >"$T/j"
is "$(cat "$T/j")" 0 "a stale score shows as 0"
sm bounces --help
like "$T/out" "usage: shortmail bounces \[--json\] \[ADDRESS\]" "bounces --help"

# --- sub forget: nothing left but a hash.
like_count() { sql .dump | grep -ci "$1"; }
[ "$(like_count ada@example.org)" -gt 3 ]
ok $? "before: ada is in the store (reader, digest, bounces, received mail)"
sm sub forget ADA@example.org
is "$rc" 0 "sub forget: exit 0"
like "$T/out" "^ADA@example.org: forgotten: the reader, 1 outgoing message, 2 bounces, 5 received messages erased" "it says what it erased"
is "$(like_count ada@example.org)" 0 "after: the address is nowhere in the store's dump"
is "$(sql "SELECT count(*) FROM forgotten")" 1 "one hash is kept"
is "$(sql "SELECT address_hash FROM forgotten")" "$(printf ada@example.org | sha256sum | cut -d' ' -f1)" \
  "the SHA-256 of the lower-cased address"
cat "$T/store.db" "$T/store.db-wal" 2>/dev/null | grep -a -c -i 'ada@example\.org' >"$T/c"
is "$(cat "$T/c")" 0 "nor in the bytes of the database and its WAL (freed pages zeroed)"
printf 'address,status\nada@example.org,confirmed\nnew@example.org,confirmed\n' >"$T/import.csv"
sm sub import "$T/import.csv"
is "$rc" 0 "an import with a forgotten address: exit 0"
like "$T/err" "import.csv:2: ada@example.org: skipped: forgotten" "the forgotten address is skipped with a message"
like "$T/out" "1 reader imported \(1 new, 0 known; 1 forgotten, skipped\)" "and counted as skipped"
is "$(status ada@example.org)" "" "and not brought back"
is "$(status new@example.org)" pending "the rest is imported"
sm sub add --confirmed ada@example.org
is "$rc" 65 "sub add of a forgotten address: exit 65"
like "$T/err" "forgotten at the reader's request" "saying why"
is "$(status ada@example.org)" "" "still not there"
deliver digest-request@$list "$SHORTMAIL_NOW" ada@example.org <<EOF
From: ada@example.org
Subject: subscribe
Message-ID: <ada-again@example.org>

subscribe
EOF
is "$(status ada@example.org)" pending "the reader's own subscribe by mail still works"
is "$(sql "SELECT count(*) FROM forgotten")" 1 \
  "a request, which anyone can forge in their name, keeps the hash"
confirm_to=$(sql "SELECT json_extract(payload, '$.reply_to') FROM outbox WHERE kind = 'confirm' AND recipient = 'ada@example.org' ORDER BY id DESC LIMIT 1")
case "$confirm_to" in
digest+confirm-*@$list) ok 0 "a confirmation request went to ada" ;;
*) ok 1 "a confirmation request went to ada ($confirm_to)" ;;
esac
deliver "$confirm_to" "$SHORTMAIL_NOW" ada@example.org <<EOF
From: ada@example.org
Subject: Re: confirm
Message-ID: <ada-confirm@example.org>

yes
EOF
is "$(status ada@example.org)" confirmed "ada confirms"
is "$(sql "SELECT count(*) FROM forgotten")" 0 "her confirmation removes the hash"

done_testing
