#!/bin/sh
# fetch-faults.sh: `shortmail fetch` against a private Dovecot when
# things go wrong, each case asserting that nothing is lost and nothing
# applied twice: the server closing in the middle of a FETCH (a relay
# that cuts the connection, tests/imap-cut.py), a message that cannot
# leave the mailbox after its effect (as after a crash), a UIDVALIDITY
# change, a 20 MB message (rejected unread), and a mailbox of malformed
# messages.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/dovecot-lib.sh"

dovecot_test_start
request() { # request ADDRESS: a subscribe request from ADDRESS
  dovecot_mail <<EOF
From: $1
To: digest-request@lists.example.org
Subject: subscribe
Message-ID: <req-$1>

subscribe
EOF
}
status() { sql "SELECT status FROM subscribers WHERE address = '$1'"; }
nreceived() { sql "SELECT count(*) FROM received"; }
nconfirm() { sql "SELECT count(*) FROM outbox WHERE kind = 'confirm'"; }
with_conf() { # with_conf FILE: fetch with another configuration
  SHORTMAIL_CONFIG=$1 sm fetch
}

# ---- the server closes in the middle of a FETCH ------------------------
CUT_PORT=$(free_port)
"$PYTHON3" "$top_srcdir/tests/imap-cut.py" "$CUT_PORT" "$DC_PORT" "$T/cut.ready" &
cut_pid=$!
cut_stop() { kill "$cut_pid" 2>/dev/null; return 0; }
at_exit cut_stop
wait_port "$CUT_PORT"
ok $? "the cutting relay listens"
sed "s|^url = imap://.*|url = imap://127.0.0.1:$CUT_PORT|" "$T/shortmail.conf" >"$T/cut.conf"
request g1@example.org
request g2@example.org
with_conf "$T/cut.conf"
is "$rc" 75 "the connection cut mid-FETCH: exit 75 (try again)"
like "$T/err" "fetching UID" "the error says what was being done"
is "$(nreceived)" 0 "nothing is applied from a message read in part"
is "$(dovecot_count)" 2 "both messages wait in INBOX"
with_conf "$T/cut.conf"
is "$rc" 0 "the next run, through the same relay: exit 0"
is "$(status g1@example.org)/$(status g2@example.org)" pending/pending \
  "both are applied"
is "$(nconfirm)" 2 "one confirmation each"
is "$(dovecot_count)/$(dovecot_count shortmail-done)" 0/2 \
  "INBOX is empty, both in done"

# ---- applied, then unable to leave the mailbox -------------------------
# Dovecot refuses '/' in a Maildir++ folder name: the move fails after
# the effect is committed, as when fetch dies between the two.
sed "s|^user = |done = done/now\\nuser = |" "$T/shortmail.conf" >"$T/stuck.conf"
request h1@example.org
with_conf "$T/stuck.conf"
is "$rc" 76 "the move is refused: exit 76"
like "$T/err" "Name must not have|CANNOT" "the error quotes the server"
is "$(status h1@example.org)" pending "the effect was committed before the move"
is "$(dovecot_count)" 1 "the message is still in INBOX"
received=$(nreceived)
confirms=$(nconfirm)
with_conf "$T/stuck.conf"
is "$rc" 76 "again: the move is refused"
like "$log" "taken on an earlier pass" "the second run knows the message by its UID"
is "$(nreceived)/$(nconfirm)" "$received/$confirms" "nothing is applied twice"

# ---- UIDVALIDITY changes while the message waits -----------------------
doveadm -c "$DC_CONF" mailbox update -u "$DC_USER" --uid-validity 12345 INBOX
ok $? "doveadm gives INBOX a new UIDVALIDITY"
: >"$log"
sm fetch
is "$rc" 0 "after the UIDVALIDITY change: exit 0"
like "$log" "duplicate: already received: <?req-h1@example.org" \
  "the old UID means nothing now: the Message-ID check catches the message"
is "$(nreceived)/$(nconfirm)" "$received/$confirms" "nothing is applied twice"
is "$(dovecot_count)" 0 "the message leaves INBOX"
is "$(dovecot_grep '^From: h1@example.org' shortmail-done)" 1 "... for the done folder"
is "$(sql "SELECT count(*) FROM imap_taken WHERE uidvalidity = 12345")" 1 \
  "it is recorded under the new UIDVALIDITY"

# ---- a 20 MB message: rejected unread ----------------------------------
"$PYTHON3" - "$T/big.eml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("From: big@example.org\nTo: digest-request@lists.example.org\n"
            "Subject: subscribe\nMessage-ID: <big@example.org>\n\nsubscribe\n")
    line = "x" * 76 + "\n"
    for _ in range(20 * 1024 * 1024 // len(line) + 1):
        f.write(line)
PY
dovecot_deliver "$T/big.eml"
request after-big@example.org
: >"$log"
sm fetch
is "$rc" 0 "a 20 MB message: exit 0"
is "$(status big@example.org)" "" "it is not acted on"
is "$(status after-big@example.org)" pending "the message after it is taken"
is "$(dovecot_count shortmail-rejected)" 1 "the large one is in the rejected folder"
is "$(dovecot_grep '^Message-ID: <big@example.org>' shortmail-rejected)" 1 "... the same message"
like "$log" "bytes is over \\[imap\\] max_size .*moved to shortmail-rejected unread" \
  "a log line says why"
is "$(sql "SELECT outcome FROM received WHERE message_key LIKE 'imap:%'")" quarantined \
  "it is in the quarantine, without its bytes"
# Dovecot counts what it sent at logout: the session never carried the
# 20 MB body.
out=$(grep 'Logged out' "$DC_LOG" | tail -1 | sed -n 's/.* out=\([0-9]*\).*/\1/p')
[ -n "$out" ] && [ "$out" -lt 1000000 ]
ok $? "the server sent fewer than 1 MB in that session ($out bytes)"

# ---- a mailbox of malformed messages -----------------------------------
mkdir -p "$T/bad"
printf '' >"$T/bad/01-empty"
printf 'no header at all, just words\nand more words\n' >"$T/bad/02-no-header"
head -c 4096 /dev/urandom >"$T/bad/03-binary"
printf 'From: nul@example.org\nTo: digest-request@lists.example.org\nSubject: a\000b\n\nsubscribe\000\n' >"$T/bad/04-nul"
printf 'From: cr@example.org\rTo: digest-request@lists.example.org\rSubject: subscribe\r\rsubscribe\r' >"$T/bad/05-bare-cr"
"$PYTHON3" -c 'import sys; sys.stdout.write("X-Long: " + "y" * 200000 + "\nFrom: long@example.org\nTo: digest-request@lists.example.org\n\nsubscribe\n")' >"$T/bad/06-long-header"
printf 'From: mime@example.org\nTo: digest-request@lists.example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="never"\nMessage-ID: <mime-unclosed@example.org>\nAuto-Submitted: auto-generated\n\n--never\nContent-Type: text/plain; charset=x-unknown-charset\nContent-Transfer-Encoding: base64\n\n!!!not base64!!!\n' >"$T/bad/07-broken-mime"
printf 'From: <>\nTo: digest-request@lists.example.org\nSubject: subscribe\nMessage-ID: <no-from@example.org>\n\nsubscribe\n' >"$T/bad/08-empty-from"
printf 'From: =?utf-8?B?////?= <@@@>\nTo: "unterminated <digest-request@lists.example.org\nSubject: =?bogus?Q?x?=\nMessage-ID: <bad-addr@example.org>\n\nsubscribe\n' >"$T/bad/09-bad-addresses"
printf 'Subject: headers only, no body, no blank line' >"$T/bad/10-headers-only"
nbad=$(ls "$T/bad" | wc -l | tr -d ' ')
dovecot_deliver "$T"/bad/*
last=$(sql "SELECT max(id) FROM received")
last_out=$(sql "SELECT max(id) FROM outbox")
rejected_before=$(dovecot_count shortmail-rejected)
done_before=$(dovecot_count shortmail-done)
sm fetch
is "$rc" 0 "a mailbox of $nbad malformed messages: exit 0"
is "$(dovecot_count)" 0 "none is left in INBOX"
# In delivery order (UID order): what receive made of each. Only the
# NUL-laden request (no command left in it) and the one with a 200 KB
# header line (a valid request) are read as requests.
ours=digest-request@lists.example.org
is "$(sql "SELECT group_concat(outcome || ':' || coalesce(recipient, '-'), ' ') FROM (SELECT outcome, recipient FROM received WHERE id > $last ORDER BY id)")" \
  "quarantined:- quarantined:- quarantined:- command:$ours quarantined:- command:$ours quarantined:$ours quarantined:$ours quarantined:$ours quarantined:-" \
  "each is received once, with the outcome receive gives it"
is "$(sql "SELECT group_concat(detail, '|') FROM (SELECT detail FROM received WHERE id > $last AND outcome = 'quarantined' ORDER BY id)")" \
  "unparseable: not a mail message (no header found)|unparseable: not a mail message (no header found)|unparseable: not a mail message (no header found)|(no recipient) is not one of the list's addresses|automatic mail (Auto-Submitted): not acted on|no From address|no From address|(no recipient) is not one of the list's addresses" \
  "the quarantine says why for each"
is "$(sql "SELECT group_concat(recipient || ':' || kind, ' ') FROM outbox WHERE id > $last_out")" \
  "long@example.org:confirm" "only the readable request is answered"
is "$(($(dovecot_count shortmail-rejected) - rejected_before))/$(($(dovecot_count shortmail-done) - done_before))" \
  "8/2" "the quarantined ones are in rejected, the two requests in done"

done_testing
