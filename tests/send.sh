#!/bin/sh
# send.sh: `shortmail send` into Postfix's smtp-sink on loopback: every
# message arrives byte-identical to `shortmail preview`; 4xx is retried
# and delivered later, 5xx failed and never retried, disconnects and 421
# put back and delivered without duplicates beyond the one in flight; an
# unsubscribe stops a queued digest; two senders at once never send a
# message twice; killed with SIGKILL 50 times during a 2,000-message run,
# the sender loses nothing and duplicates at most one message per kill.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/smtp-lib.sh"

SINK_DUMP=$T/sink
SINK_OUT=$T/sink.out
at_exit sink_stop
export SHORTMAIL_NOW=2026-11-23T10:00:00Z

# conf PORT [EXTRA]: the test configuration, sending to smtp-sink.
conf() {
  cp "$T/shortmail.conf" "$T/send.conf"
  printf '[smtp]\nhost = 127.0.0.1\nport = %s\nstarttls = no\n[send]\nlease = 1\nbatch = 20\nretry_base = 60\n%s' \
    "$1" "${2-}" >> "$T/send.conf"
}
sms() { "$SHORTMAIL" -c "$T/send.conf" "$@" > "$T/out" 2> "$T/err"; rc=$?; }
state() { sql "SELECT state FROM outbox WHERE recipient = '$1' ORDER BY id DESC LIMIT 1"; }
# dumped ADDRESS: how many messages the sink took for an address.
dumped() { grep -l "^X-Rcpt-Args: <$1>" "$SINK_DUMP"/* 2>/dev/null | wc -l | tr -d ' '; }

sm ingest "file://$top_srcdir/data/sample-feed.xml"
is "$rc" 0 "sample feed ingested"
for r in ada bob cyd; do
  sql "INSERT INTO subscribers (address, status, created_at, changed_at) VALUES ('$r@example.org', 'confirmed', 0, 0)"
done
sql "INSERT INTO interests VALUES (1, 'cs.lg', 0), (2, 'author:hinton', 0), (3, 'attention', 0), (3, '\"batch normalization\"', 0)"

# --- byte for byte what preview shows.
for r in ada bob cyd; do
  sm preview --eml "$T/$r.eml" "$r@example.org"
done
sm digest
like "$T/out" "3 digests queued" "three digests queued"
sink_start
conf "$SINK_PORT"
sms send
is "$rc" 0 "send exits 0"
like "$T/out" "^send: 3 sent, 0 deferred, 0 failed" "the summary line counts them"
is "$(sink_dumps)" 3 "the sink took three messages"
for r in ada bob cyd; do
  "$PYTHON3" - "$SINK_DUMP" "$r@example.org" "$T/$r.eml" > "$T/cmp" <<'PY'
import os, re, sys
dump, rcpt, want = sys.argv[1:4]
for name in os.listdir(dump):
    d = open(os.path.join(dump, name), "rb").read()
    if not re.search(rb"^X-Rcpt-Args: <%s>$" % rcpt.encode(), d, re.M):
        continue
    env = re.search(rb"^X-Mail-Args: <([^>]*)>", d, re.M).group(1).decode()
    i = d.index(b"\nReceived: ") + 1
    lines = d[i:].split(b"\n")
    k = 1
    while lines[k].startswith(b"\t"):
        k += 1
    got = b"\n".join(lines[k:])
    w = open(want, "rb").read().replace(b"\r\n", b"\n") + b"\n"
    print("identical" if got == w else "differs")
    print("verp" if re.fullmatch(r"digest\+bounce-[a-z2-7]+@lists\.example\.org", env) else "envelope " + env)
PY
  like "$T/cmp" "^identical$" "$r: the message sent is byte-identical to preview"
  like "$T/cmp" "^verp$" "$r: the envelope sender is the reader's VERP address"
  is "$(state "$r@example.org")" sent "$r: recorded as sent"
done
is "$(sql "SELECT count(*) FROM deliveries WHERE outcome = 'sent' AND reply LIKE '250%'")" 3 "each transaction's reply is recorded"
sms send
like "$T/out" "^send: 0 sent" "a second run has nothing to send"
is "$(sink_dumps)" 3 "and sends nothing"

# --- replies and confirmations go the same way.
printf 'From: dee@example.org\nMessage-ID: <d1@example.org>\n\nsubscribe\n' |
  "$SHORTMAIL" receive --recipient digest-request@lists.example.org --sender dee@example.org
sms send
is "$(dumped dee@example.org)" 1 "a confirmation request is delivered"
f=$(grep -l "^X-Rcpt-Args: <dee@example.org>" "$SINK_DUMP"/*)
like "$f" "^Reply-To: digest\+confirm-[a-z2-7]+@lists.example.org" "with the confirm address as Reply-To"
like "$f" "^Auto-Submitted: auto-replied" "and Auto-Submitted: auto-replied"
unlike "$f" "^List-Unsubscribe-Post:" "and no List-Unsubscribe-Post"

# Queue more: new weekly readers each get this Monday's digest (the
# digest always runs at 10:00 on 2026-11-23; sends happen later).
queue3() {
  for r in "$@"; do
    sql "INSERT INTO subscribers (address, status, created_at, changed_at) VALUES ('$r@example.org', 'confirmed', 0, 0)"
    sql "INSERT INTO interests SELECT id, 'cs.lg', 0 FROM subscribers WHERE address = '$r@example.org'"
  done
  SHORTMAIL_NOW=2026-11-23T10:00:00Z sm digest
}

# --- 4xx: deferred, delivered later.
queue3 eve
sink_start -r rcpt
conf "$SINK_PORT"
sms send
like "$T/out" "^send: 0 sent, 1 deferred" "a 4xx at RCPT defers"
is "$(state eve@example.org)" deferred "eve: deferred"
is "$rc" 75 "mail was due and the relay took none: send exits 75"
like "$T/err" "the relay 127\.0\.0\.1:$SINK_PORT took none of the 1 due messages" \
  "and says so in one line"
next=$(sql "SELECT next_attempt_at - $(date -d "$SHORTMAIL_NOW" +%s) FROM outbox WHERE recipient = 'eve@example.org'")
ok "$([ "$next" -ge 60 ] && [ "$next" -le 72 ] && echo 0 || echo 1)" "the retry waits retry_base plus jitter (${next}s)"
sink_start
conf "$SINK_PORT"
sms send
is "$(dumped eve@example.org)" 0 "not retried before its time"
SHORTMAIL_NOW=2026-11-23T10:05:00Z sms send
is "$(dumped eve@example.org)" 1 "retried after its time, and delivered"
is "$(state eve@example.org)" sent "eve: sent"

# --- 5xx: failed at once, never retried.
queue3 fay
sink_start -f rcpt
conf "$SINK_PORT"
sms send
like "$T/out" "1 failed" "a 5xx at RCPT fails"
is "$(state fay@example.org)" failed "fay: failed"
sink_start
conf "$SINK_PORT"
SHORTMAIL_NOW=2026-11-24T10:00:00Z sms send
is "$(dumped fay@example.org)" 0 "a failed message is never retried"
is "$(sql "SELECT reply FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE o.recipient = 'fay@example.org'" | cut -c1)" 5 "its 5xx reply is recorded"

# --- the relay unreachable: nothing delivered, exit 75, the cause in queue.
queue3 jon
conf "$(free_port)"
SHORTMAIL_NOW=2026-11-23T11:00:00Z sms send
is "$rc" 75 "an unreachable relay: send exits 75, not 0 over 0 sent"
like "$T/err" "took none of the [0-9]+ due messages" "and names what waits"
is "$(state jon@example.org)" deferred "jon: deferred, not failed"
sms queue --state deferred
like "$T/out" "jon@example\.org .*(onnect|refused)" "queue shows why: the connection failed"
sink_start
conf "$SINK_PORT"
SHORTMAIL_NOW=2026-11-23T12:00:00Z sms send
is "$rc" 0 "once the relay is back, send exits 0"
is "$(dumped jon@example.org)" 1 "and jon's message goes"

# --- a disconnect at DATA and a 421: put back, delivered once.
export SHORTMAIL_NOW=2026-11-24T10:00:00Z
queue3 gus hal ivy
sink_start -q data
conf "$SINK_PORT"
sms send
like "$T/out" "3 deferred" "a disconnect at DATA defers the rest of the session"
sink_start -Q rcpt
conf "$SINK_PORT"
SHORTMAIL_NOW=2026-11-24T12:00:00Z sms send
like "$T/out" "3 deferred" "a 421 puts the session back"
sink_start
conf "$SINK_PORT"
SHORTMAIL_NOW=2026-11-24T18:00:00Z sms send
for r in gus hal ivy; do
  is "$(dumped $r@example.org)" 1 "$r: delivered exactly once after the faults"
done

# --- digest --send delivers straight after queueing.
sql "INSERT INTO subscribers (address, status, created_at, changed_at) VALUES ('kit@example.org', 'confirmed', 0, 0)"
sql "INSERT INTO interests SELECT id, 'cs.lg', 0 FROM subscribers WHERE address = 'kit@example.org'"
SHORTMAIL_NOW=2026-11-23T10:00:00Z sms digest --send
like "$T/out" "^digest .*1 digests queued" "digest --send queues"
like "$T/out" "^send: 1 sent" "and sends"
is "$(dumped kit@example.org)" 1 "kit's digest reached the sink"

# --- an unsubscribe after the digest was queued stops it.
export SHORTMAIL_NOW=2026-11-25T10:00:00Z
queue3 jo
sql "UPDATE subscribers SET status = 'unsubscribed' WHERE address = 'jo@example.org'"
sms send
is "$(dumped jo@example.org)" 0 "an unsubscribed reader's queued digest is not sent"
is "$(sql "SELECT last_error FROM outbox WHERE recipient = 'jo@example.org'")" "not sent: the reader left or paused" "and the queue says why"

# --- the brake: when most recent attempts fail, stop rather than burn
# the list; queue retry and drop.
export SHORTMAIL_NOW=2026-11-25T12:00:00Z
brk=""
for i in $(seq 1 30); do brk="$brk brake$i"; done
# shellcheck disable=SC2086
queue3 $brk
sink_start -r rcpt
conf "$SINK_PORT"
sms send
is "$rc" 75 "the failure-rate brake stops send with 75"
like "$T/err" "stopping: 50% or more of the last 20 attempts failed" "and says why"
is "$(sql "SELECT count(*) FROM outbox WHERE recipient LIKE 'brake%' AND state = 'queued'")" 10 "the rest stays queued"
id=$(sql "SELECT id FROM outbox WHERE recipient = 'brake1@example.org'")
sms queue --state deferred
like "$T/out" "brake1@example.org" "queue lists the deferred"
like "$T/out" "^queued [0-9]+, being sent 0, sent [0-9]+, deferred 20" "with counts by state"
sms queue retry "$id"
like "$T/out" "will be sent at the next run" "queue retry"
is "$(sql "SELECT next_attempt_at FROM outbox WHERE id = $id")" "$(date -d "$SHORTMAIL_NOW" +%s)" "makes it due now"
sms queue drop "$id"
is "$(sql "SELECT count(*) FROM outbox WHERE id = $id")" 0 "queue drop deletes it"
sms queue drop "$id"
is "$rc" 66 "dropping it again: no such message (66)"
sms queue --json
"$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all("state" in r and "recipient" in r for r in d); print(len(d))' "$T/out" > "$T/n"
ok $? "queue --json is a JSON array of rows"
sql "DELETE FROM outbox WHERE recipient LIKE 'brake%'"
sms queue
like "$T/out" "^send is paused since .*: 50% or more" "the brake outlives the run: queue shows the pause"
sms queue resume
like "$T/out" "^send resumed" "queue resume lifts it"
is "$(sql "SELECT count(*) FROM send_pause")" 0 "and the store forgets it"
sms queue resume
like "$T/out" "^send was not paused" "queue resume when not paused says so"

# --- a relay that refuses every RCPT ("relay access denied"): the brake
# acts within the first batch, puts the burst back as deferred, scores no
# bounce, and later runs refuse to send until a probe is accepted.
export SHORTMAIL_NOW=2026-11-25T14:00:00Z
rl=""
for i in $(seq 1 12); do rl="$rl relay$i"; done
# shellcheck disable=SC2086
queue3 $rl
relay_state() { sql "SELECT count(*) FROM outbox WHERE recipient LIKE 'relay%' AND state = '$1'"; }
relay_bounces() { sql "SELECT count(*) FROM bounces b JOIN subscribers s ON s.id = b.subscriber_id WHERE s.address LIKE 'relay%'"; }
sink_start -f rcpt
conf "$SINK_PORT"
sms send
is "$rc" 75 "every RCPT refused: send stops with 75"
like "$T/err" "^.*stopping: 5 refusals in a row and none accepted" "the brake names the streak"
is "$(relay_state failed)" 0 "no message failed"
is "$(relay_state deferred)" 5 "the burst is put back as deferred"
is "$(relay_state queued)" 7 "the rest of the batch stays queued"
is "$(relay_bounces)" 0 "no bounce is scored"
SHORTMAIL_NOW=2026-11-25T16:00:00Z sms send
is "$rc" 75 "the next run refuses to send (75)"
is "$(wc -l < "$T/err" | tr -d ' ')" 1 "with one line"
like "$T/err" "send is paused since 2026-11-25.*probe was not accepted.*queue resume" "saying since when, and what to do"
is "$(relay_state failed)" 0 "still no message failed"
is "$(relay_bounces)" 0 "still no bounce"
is "$(sql "SELECT sum(attempts) FROM outbox WHERE recipient LIKE 'relay%'")" 6 "one probe message was tried"
sink_start
conf "$SINK_PORT"
SHORTMAIL_NOW=2026-11-25T20:00:00Z sms send
is "$rc" 0 "the relay fixed: the probe is accepted and send resumes"
is "$(relay_state sent)" 12 "all twelve are sent"
is "$(sql "SELECT count(*) FROM send_pause")" 0 "and send is no longer paused"

# --- one refusal among acceptances is the reader's: failed, and a bounce.
export SHORTMAIL_NOW=2026-11-25T21:00:00Z
queue3 mixa mixb mixc
at_exit script_stop
script_start ok rcpt550 ok
conf "$SCRIPT_PORT"
sms send
is "$rc" 0 "one 5xx among successes: send exits 0"
is "$(state mixb@example.org)" failed "the refused reader's message failed"
is "$(state mixa@example.org) $(state mixc@example.org)" "sent sent" "the others are sent"
is "$(sql "SELECT count(*) FROM bounces b JOIN subscribers s ON s.id = b.subscriber_id WHERE s.address = 'mixb@example.org' AND b.source = 'smtp'")" 1 "and a bounce is scored"
is "$(sql "SELECT count(*) FROM send_pause")" 0 "send is not paused"
script_stop

# --- many readers: two senders at once, then a sender killed 50 times.
export SHORTMAIL_NOW=2026-11-26T10:00:00Z
many() { # many PREFIX N: N readers of cs.lg, and their digests
  sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
       INSERT INTO subscribers (address, status, created_at, changed_at)
       SELECT '$1' || i || '@example.org', 'confirmed', 0, 0 FROM n"
  sql "INSERT INTO interests SELECT id, 'cs.lg', 0 FROM subscribers WHERE address LIKE '$1%'"
  SHORTMAIL_NOW=2026-11-23T10:00:00Z sm digest
}
many two 300
sink_start
conf "$SINK_PORT"
"$SHORTMAIL" -c "$T/send.conf" send > "$T/s1" 2>&1 &
p1=$!
"$SHORTMAIL" -c "$T/send.conf" send > "$T/s2" 2>&1 &
p2=$!
wait $p1 $p2
is "$(sink_dumps)" 300 "two senders at once: 300 messages"
is "$(grep -h '^X-Rcpt-Args' "$SINK_DUMP"/* | sort | uniq -d | wc -l | tr -d ' ')" 0 "no message sent twice"
is "$(sql "SELECT count(*) FROM outbox WHERE recipient LIKE 'two%' AND state = 'sent'")" 300 "all recorded as sent"

# --- a message that cannot be composed (its payload is broken) fails,
# nothing of it goes out, and the rest of its batch is still sent in the
# same run (the worker composes while the session runs: the session
# stops at it, and the rows after it are claimed again).
export SHORTMAIL_NOW=2026-11-26T12:00:00Z
many broken 5
sql "UPDATE outbox SET payload = '{\"items\": [' WHERE recipient = 'broken3@example.org'"
sink_start
conf "$SINK_PORT"
sms send
is "$rc" 0 "a broken row: send exits 0"
like "$T/out" "^send: 4 sent, 0 deferred, 1 failed" "the summary counts it failed"
is "$(state broken3@example.org)" failed "the broken row is recorded as failed"
is "$(sql "SELECT count(*) FROM outbox WHERE recipient LIKE 'broken%' AND state = 'sent'")" 4 "the four others are sent"
is "$(grep -h '^X-Rcpt-Args: <broken' "$SINK_DUMP"/* | sort -u | tr '\n' ' ')" "X-Rcpt-Args: <broken1@example.org> X-Rcpt-Args: <broken2@example.org> X-Rcpt-Args: <broken4@example.org> X-Rcpt-Args: <broken5@example.org> " "the sink took the four, not the broken one"
is "$(sql "SELECT attempts FROM outbox WHERE recipient IN ('broken4@example.org', 'broken5@example.org') AND state = 'sent'" | tr '\n' ' ')" "1 1 " "the rows after it were sent on their first attempt"
sql "SELECT last_error FROM outbox WHERE recipient = 'broken3@example.org'" > "$T/why"
like "$T/why" "^<[^>]*>: bad payload: " "the failure names the message and says why"

export SHORTMAIL_NOW=2026-11-27T10:00:00Z
many crash 2000
sink_start
conf "$SINK_PORT"
kills=0
while [ $kills -lt 50 ]; do
  "$SHORTMAIL" -c "$T/send.conf" send > /dev/null 2>&1 &
  pid=$!
  # Since outcomes go to a journal a run sends 2,000 in well under a
  # second: short lives, so that it dies mid-run many times.
  sleep "0.0$(shuf -i 10-49 -n 1)"
  kill -9 $pid 2>/dev/null && kills=$((kills + 1))
  wait $pid 2>/dev/null
  [ "$(sql "SELECT count(*) FROM outbox WHERE recipient LIKE 'crash%' AND state != 'sent'")" -gt 0 ] || break
done
# The last claims' leases (1 s) run out: SHORTMAIL_NOW is the clock.
SHORTMAIL_NOW=2026-11-27T10:00:05Z sms send
is "$rc" 0 "after $kills kills, a last run finishes"
is "$(sql "SELECT count(*) FROM outbox WHERE recipient LIKE 'crash%' AND state = 'sent'")" 2000 "every message recorded as sent"
got=$(grep -h '^X-Rcpt-Args: <crash' "$SINK_DUMP"/* | sort -u | wc -l | tr -d ' ')
is "$got" 2000 "0 lost: the sink took every one of the 2,000"
dups=$(grep -h '^X-Rcpt-Args: <crash' "$SINK_DUMP"/* | sort | uniq -c | awk '$1 > 1 { d += $1 - 1 } END { print d + 0 }')
diag "kills: $kills, duplicates: $dups"
ok "$([ "$dups" -le "$kills" ] && echo 0 || echo 1)" "duplicates ($dups) at most one per kill ($kills)"
ok "$([ "$kills" -ge 20 ] && echo 0 || echo 1)" "the sender was killed mid-run many times ($kills)"
# (A sender killed between creating its journal and writing its header
# leaves an empty one, removed by a later sender once a minute old.)
journals() { find "$T" -maxdepth 1 -name 'store.db-outcomes.*' -size +0 | wc -l | tr -d ' '; }
is "$(journals)" 0 "no sender's journal with anything in it is left behind"

# --- a sender killed right after the relay took its 5th message, whose
# outcome is in its journal only (the test hook kills it there, before
# the session's outcomes reach the store): the next sender writes the
# five to the store from the journal, and sends none of them again.
export SHORTMAIL_NOW=2026-11-28T10:00:00Z
many journal 12
sink_start
conf "$SINK_PORT"
SHORTMAIL_SEND_KILL_AFTER=5 "$SHORTMAIL" -c "$T/send.conf" send > "$T/j1" 2>&1
is "$?" 137 "the hook killed the sender (SIGKILL)"
is "$(grep -h '^X-Rcpt-Args: <journal' "$SINK_DUMP"/* | wc -l | tr -d ' ')" 5 "the relay took five messages"
is "$(sql "SELECT count(*) FROM outbox WHERE recipient LIKE 'journal%' AND state = 'sent'")" 0 "none of them is in the store yet"
j=$(find "$T" -maxdepth 1 -name 'store.db-outcomes.*' -size +0 | head -1)
is "$(sed 1d "$j" | grep -c ' s 250 ')" 5 "the dead sender's journal (${j##*/}) holds their five outcomes"
sms send
is "$rc" 0 "the next sender exits 0"
like "$T/err" "recorded 5 outcomes that a sender which died had kept only in its journal" "and says what it recovered"
is "$(sql "SELECT count(*) FROM outbox WHERE recipient LIKE 'journal%' AND state = 'sent'")" 12 "all twelve are recorded as sent (the dead sender's other claims were given back at once)"
is "$(grep -h '^X-Rcpt-Args: <journal' "$SINK_DUMP"/* | sort | uniq -d | wc -l | tr -d ' ')" 0 "none of the five was sent again"
is "$(grep -h '^X-Rcpt-Args: <journal' "$SINK_DUMP"/* | wc -l | tr -d ' ')" 12 "and the other seven went once"
is "$(sql "SELECT count(*) FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE o.recipient LIKE 'journal%'")" 12 "one delivery line each"
is "$(sql "SELECT attempts FROM outbox WHERE recipient = 'journal1@example.org'")" 1 "a recovered row counts one attempt"
is "$(journals)" 0 "and the journal is gone"

# --- two live senders, short leases, a relay that takes 1 s per message:
# the first renews its lease as its batch goes on and checks its claim
# before each message, so the second never takes over a live batch.
many live 16
sink_start -w 1
conf "$SINK_PORT" "lease = 2
batch = 8
"
(unset SHORTMAIL_NOW; exec "$SHORTMAIL" -c "$T/send.conf" send > "$T/l1" 2>&1) &
p1=$!
sleep 3
(unset SHORTMAIL_NOW; exec "$SHORTMAIL" -c "$T/send.conf" send > "$T/l2" 2>&1) &
p2=$!
wait $p1 $p2
got=$(grep -h '^X-Rcpt-Args: <live' "$SINK_DUMP"/* | sort -u | wc -l | tr -d ' ')
is "$got" 16 "two live senders with 2 s leases: all 16 delivered"
dups=$(grep -h '^X-Rcpt-Args: <live' "$SINK_DUMP"/* | sort | uniq -d | wc -l | tr -d ' ')
is "$dups" 0 "and none twice, with no sender killed"
is "$(sql "SELECT count(*) FROM outbox WHERE recipient LIKE 'live%' AND state = 'sent'")" 16 "all recorded as sent"

# --- send --connections N: N sender processes share the queue (and
# --max between them), the summary adds their counts, and no message
# goes out twice.
export SHORTMAIL_NOW=2026-11-27T12:00:00Z
many conn 60
sink_start
conf "$SINK_PORT"
sms send --connections 3 --max 30
is "$rc" 0 "send --connections 3 --max 30 exits 0"
like "$T/out" "^send: 30 sent, 0 deferred, 0 failed" "the three senders' counts add up to --max"
is "$(grep -l '^X-Rcpt-Args: <conn' "$SINK_DUMP"/* | wc -l | tr -d ' ')" 30 "the sink took 30"
is "$(sql "SELECT count(*) FROM outbox WHERE recipient LIKE 'conn%' AND state = 'queued'")" 30 "the other 30 wait"
sms send --connections 3
is "$rc" 0 "send --connections 3 exits 0"
like "$T/out" "^send: 30 sent" "and sends the rest"
is "$(grep -h '^X-Rcpt-Args: <conn' "$SINK_DUMP"/* | sort -u | wc -l | tr -d ' ')" 60 "all 60 arrived"
is "$(grep -h '^X-Rcpt-Args: <conn' "$SINK_DUMP"/* | sort | uniq -d | wc -l | tr -d ' ')" 0 "none twice"
is "$(sql "SELECT count(*) FROM outbox WHERE recipient LIKE 'conn%' AND state = 'sent'")" 60 "all recorded as sent"
sms send --connections 65
is "$rc" 64 "more than 64 connections is a usage error"

# --- the disk fills up during a run: send stops at the first outcome it
# cannot record (75), so nothing more goes out that a later run resends.
export SHORTMAIL_NOW=2026-11-28T10:00:00Z
many full 30
mkdir -p "$T/fs"
sql "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
kb=$(( $(stat -c %s "$T/store.db") / 1024 + 1024 ))
if mount -t tmpfs -o "size=${kb}k" tmpfs "$T/fs" 2> "$T/mount.err"; then
  unmount_fs() { umount "$T/fs" 2>/dev/null || true; }
  at_exit unmount_fs
  cp "$T/store.db" "$T/fs/store.db"
  sink_start
  conf "$SINK_PORT" "[store]
path = $T/fs/store.db
"
  # Leave room for the claim and the sender's journal, not for the
  # first session's outcomes in the store: its fold fails, and its
  # outcomes wait in the journal.
  free=$(df -k --output=avail "$T/fs" | tail -1 | tr -d ' ')
  dd if=/dev/zero of="$T/fs/filler" bs=1k count=$((free - ${FULL_FREE_KB:-80})) 2>/dev/null
  sms send
  is "$rc" 75 "the disk full mid-run: send exits 75"
  like "$T/err" "full|disk" "naming the cause"
  fsql() { "${SQLITE3_CLI:-sqlite3}" "$T/fs/store.db" "$1"; }
  rm -f "$T/fs/filler"
  # Recorded: in the store, or in the journal the sender left beside it
  # (the next sender writes those to the store before it claims).
  instore=$(fsql "SELECT count(*) FROM outbox WHERE recipient LIKE 'full%' AND state = 'sent'")
  injournal=$(cat "$T/fs"/store.db-outcomes.* 2>/dev/null | grep -c ' s 250 ')
  diag "recorded in the store: $instore, in a journal: $injournal"
  recorded=$((instore + injournal))
  took=$(grep -h '^X-Rcpt-Args: <full' "$SINK_DUMP"/* 2>/dev/null | sort -u | wc -l | tr -d ' ')
  diag "recorded as sent: $recorded, taken by the relay: $took"
  ok "$([ "$recorded" -lt 30 ] && [ "$took" -gt 0 ] && echo 0 || echo 1)" "the disk filled up in the middle of the run"
  ok "$([ $((took - recorded)) -le 1 ] && echo 0 || echo 1)" "at most the one message whose outcome was lost went out unrecorded ($took taken, $recorded recorded)"
  SHORTMAIL_NOW=2026-11-28T10:00:05Z sms send
  is "$rc" 0 "with room again, the next run finishes"
  is "$(fsql "SELECT count(*) FROM outbox WHERE recipient LIKE 'full%' AND state = 'sent'")" 30 "all 30 recorded as sent"
  dups=$(grep -h '^X-Rcpt-Args: <full' "$SINK_DUMP"/* | sort | uniq -d | wc -l | tr -d ' ')
  ok "$([ "$dups" -le 1 ] && echo 0 || echo 1)" "at most one sent twice ($dups)"
else
  ok 1 "mount a small tmpfs for the disk-full case: $(cat "$T/mount.err")"
fi

done_testing
