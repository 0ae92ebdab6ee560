#!/bin/sh
# send-unsub.sh: an unsubscribe that arrives while `shortmail send` is
# sending a claimed batch stops the rest of that reader's mail at once.
# smtp-sink waits a second before answering each DATA, so the batch (one
# SMTP session) takes seconds; when the sink has taken the reader's first
# message, the reader unsubscribes by mail (LIST+unsub-TOKEN@ through
# `shortmail receive`). The sink must get nothing more for them, and
# everything for the others.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/smtp-lib.sh"

SINK_DUMP=$T/sink
at_exit sink_stop
printf '[log]\nfile = %s/shortmail.log\n' "$T" >>"$T/shortmail.conf"
dumped() { grep -l "^X-Rcpt-Args: <$1>" "$SINK_DUMP"/* 2>/dev/null | wc -l | tr -d ' '; }

sm ingest "file://$top_srcdir/data/sample-feed.xml"
is "$rc" 0 "sample feed ingested"
for r in r1 r2 r3 r4 vic; do
  sql "INSERT INTO subscribers (address, status, created_at, changed_at) VALUES ('$r@example.org', 'confirmed', 0, 0);
       INSERT INTO interests SELECT id, 'cs.lg', 0 FROM subscribers WHERE address = '$r@example.org'"
done
# The reader's unsubscribe address, as their digest carries it.
sm preview --eml "$T/vic.eml" vic@example.org
unsub=$(grep -o 'mailto:digest+unsub-[a-z2-7]*@lists\.example\.org' "$T/vic.eml" | head -1 | sed 's/^mailto://')
case $unsub in digest+unsub-*) ok 0 "vic's digest carries a List-Unsubscribe mailto" ;;
*) ok 1 "vic's digest carries a List-Unsubscribe mailto" ;; esac

# One batch, in this order: r1, vic, r2, vic, r3, vic, r4 (notices go
# only to confirmed readers, like digests).
now=$(date +%s)
i=0
for r in r1 vic r2 vic r3 vic r4; do
  i=$((i + 1))
  sql "INSERT INTO outbox (kind, subscriber_id, recipient, message_id, payload, created_at)
       SELECT 'notice', id, address, 'n$i@lists.example.org',
       json_object('from', 'digest-request@lists.example.org', 'to', address,
                   'subject', 'notice $i', 'text', 'Notice $i.'), $now
       FROM subscribers WHERE address = '$r@example.org'"
done
is "$(sql "SELECT count(*) FROM outbox")" 7 "seven messages queued"

sink_start -w 1
cp "$T/shortmail.conf" "$T/send.conf"
printf '[smtp]\nhost = 127.0.0.1\nport = %s\nstarttls = no\n[send]\nbatch = 20\n' "$SINK_PORT" >>"$T/send.conf"
"$SHORTMAIL" -c "$T/send.conf" send >"$T/send.out" 2>"$T/send.err" &
send_pid=$!
# Until the sink has begun r2's message (smtp-sink opens its dump file
# when the message begins): vic's first one is then complete, and vic's
# second is next (at most 20 s).
k=0
while [ "$(dumped r2@example.org)" -lt 1 ] && [ $k -lt 400 ]; do
  sleep 0.05
  k=$((k + 1))
done
is "$(dumped vic@example.org)" 1 "vic's first message is delivered before the unsubscribe"
printf 'From: vic@example.org\nSubject: unsubscribe\nMessage-ID: <unsub@example.org>\n\nstop\n' |
  "$SHORTMAIL" receive --recipient "$unsub" --sender vic@example.org
is "$?" 0 "the unsubscribe is received while send runs"
is "$(sql "SELECT status FROM subscribers WHERE address = 'vic@example.org'")" unsubscribed "vic is unsubscribed"
at_unsub=$(sink_dumps)
ok "$([ "$at_unsub" -lt 5 ] && echo 0 || echo 1)" "the batch was still being sent ($at_unsub messages begun)"
wait $send_pid
is "$?" 0 "send exits 0"

is "$(dumped vic@example.org)" 1 "the sink got nothing more for vic after the unsubscribe"
for r in r1 r2 r3 r4; do
  is "$(dumped $r@example.org)" 1 "$r: delivered once"
done
is "$(sink_dumps)" 5 "five messages in all"
is "$(sql "SELECT group_concat(state || ':' || coalesce(last_error, ''), ',') FROM (SELECT * FROM outbox WHERE recipient = 'vic@example.org' ORDER BY id)")" \
  "sent:,failed:not sent: the reader left or paused,failed:not sent: the reader left or paused" \
  "vic's later messages are dropped as \"reader gone\""
is "$(sql "SELECT count(*) FROM outbox WHERE state != 'sent' AND recipient != 'vic@example.org'")" 0 \
  "every other message is recorded sent"
is "$(grep -c 'vic@example.org <n4@lists.example.org>: not sent: the reader left or paused during the run' "$T/shortmail.log")" 1 \
  "the message after the unsubscribe was stopped in the session, right before its data"
like "$T/send.out" "^send: 5 sent, 0 deferred, 0 failed" "send counts five sent"

done_testing
