#!/bin/sh
# receive.sh: real messages through `shortmail receive`, each asserting
# the store and the queued mail: the subscribe -> confirm -> add/del ->
# frequency -> unsubscribe cycle, encodings and charsets, loops and
# abuse, duplicates, limits, and the exit codes the MTA acts on.
. "$top_srcdir/tests/lib.sh"

SHORTMAIL_NOW=2026-11-23T10:00:00Z
export SHORTMAIL_NOW
list=lists.example.org
req=digest-request@$list
n=0

# deliver RCPT SENDER: pipes stdin to `shortmail receive`; rc in $rc.
deliver() {
  n=$((n + 1))
  cat > "$T/msg$n.eml"
  "$SHORTMAIL" receive --recipient "$1" --sender "$2" < "$T/msg$n.eml" \
    > "$T/out" 2> "$T/err"
  rc=$?
  [ "$rc" -ne 1 ] || never_one=1
}
never_one=0
outbox() { sql "SELECT count(*) FROM outbox WHERE recipient = '$1' AND kind = '$2'"; }
payload() { # payload RCPT KIND FIELD: a field of the newest such row
  sql "SELECT payload FROM outbox WHERE recipient = '$1' AND kind = '$2' ORDER BY id DESC LIMIT 1" |
    "$PYTHON3" -c 'import json,sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$3"
}
status() { sql "SELECT status || ' ' || frequency || ' ' || paused FROM subscribers WHERE address = '$1'"; }
keywords() { sql "SELECT group_concat(keyword, ',') FROM (SELECT keyword FROM interests i JOIN subscribers s ON s.id = i.subscriber_id WHERE s.address = '$1' ORDER BY i.created_at, keyword)"; }

# --- subscribe from an unknown address: pending, one confirmation only.
deliver "$req" alice@example.com <<'EOF'
From: Alice Liddell <alice@example.com>
To: digest-request@lists.example.org
Subject: subscribe
Message-ID: <a1@example.com>
Date: Mon, 23 Nov 2026 09:00:00 +0000

subscribe cs.LG "batch normalization"
EOF
is "$rc" 0 "subscribe: exit 0"
is "$(status alice@example.com)" "pending weekly 0" "an unknown address becomes pending"
is "$(outbox alice@example.com confirm)" 1 "one confirmation queued"
is "$(outbox alice@example.com reply)" 0 "no other mail to an unconfirmed address"
is "$(keywords alice@example.com)" '"batch normalization",cs.lg' "keywords given with subscribe are kept"
token_addr=$(payload alice@example.com confirm reply_to)
case "$token_addr" in digest+confirm-*@lists.example.org) ok 0 "confirmation's Reply-To is the confirm address" ;; *) ok 1 "confirmation's Reply-To is the confirm address ($token_addr)" ;; esac
payload alice@example.com confirm text > "$T/confirm.txt"
like "$T/confirm.txt" "https://www.shortscience.org/confirm/[a-z2-7]+" "confirmation shows the HTTPS confirm link"
is "$(payload alice@example.com confirm auto_submitted)" auto-replied "confirmation is Auto-Submitted: auto-replied"
is "$(payload alice@example.com confirm in_reply_to)" "<a1@example.com>" "confirmation answers the request (In-Reply-To)"

# Asking again within 24 h sends nothing more (no mail-bombing).
deliver "$req" alice@example.com <<'EOF'
From: alice@example.com
Subject: please
Message-ID: <a2@example.com>

subscribe
EOF
is "$(outbox alice@example.com confirm)" 1 "a second subscribe within 24 h queues no second confirmation"

# --- confirm by replying, with any body.
deliver "$token_addr" alice@example.com <<'EOF'
From: Alice <alice@example.com>
Subject: Re: Confirm your subscription
Message-ID: <a3@example.com>

yes please
EOF
is "$rc" 0 "confirm: exit 0"
is "$(status alice@example.com)" "confirmed weekly 0" "the reply confirms"
is "$(outbox alice@example.com reply)" 1 "a welcome reply is queued"
payload alice@example.com reply text > "$T/welcome.txt"
like "$T/welcome.txt" "cs.lg" "the welcome lists the keywords"

# The same confirmation again changes nothing.
deliver "$token_addr" alice@example.com <<'EOF'
From: Alice <alice@example.com>
Message-ID: <a4@example.com>

again
EOF
is "$(outbox alice@example.com reply)" 1 "a used token confirms nothing again"

# --- commands from a confirmed reader: add, del, frequency, pause.
deliver "$req" alice@example.com <<'EOF'
From: alice@example.com
Subject: keywords
Message-ID: <a5@example.com>

add author:hinton gan
del cs.LG
add "unbalanced
daily
pause
keywords
EOF
is "$(keywords alice@example.com)" '"batch normalization",author:hinton,gan' "add and del change the keywords"
is "$(status alice@example.com)" "confirmed daily 1" "daily and pause"
is "$(outbox alice@example.com reply)" 2 "one reply for the message"
payload alice@example.com reply text > "$T/reply.txt"
like "$T/reply.txt" "added author:hinton, gan" "the reply says what add did"
like "$T/reply.txt" "removed cs.lg" "the reply says what del did"
like "$T/reply.txt" "not understood: .*quote" "a bad keyword gets its own error"
like "$T/reply.txt" "paused" "the reply shows the pause"
is "$(payload alice@example.com reply subject)" "Re: keywords" "the reply's subject"
is "$(payload alice@example.com reply references)" "<a5@example.com>" "References names the request"

# --- a reply that quotes our help text runs none of it.
deliver "$req" alice@example.com <<'EOF'
From: alice@example.com
Subject: Re: Your request
Message-ID: <a6@example.com>

Thanks!

On Mon, 23 Nov 2026, ShortScience digest wrote:
> unsubscribe               leave; takes effect at once
EOF
is "$(status alice@example.com)" "confirmed daily 1" "quoted help runs nothing"
payload alice@example.com reply text > "$T/reply.txt"
like "$T/reply.txt" "no command in your message" "and the reply says no command was found"

# --- encodings: quoted-printable, base64, ISO-8859-1, Windows-1252,
# RFC 2047 subjects, HTML-only.
sql "UPDATE subscribers SET status = 'confirmed' WHERE address = 'alice@example.com'"
deliver "$req" alice@example.com <<'EOF'
From: alice@example.com
Subject: =?UTF-8?Q?resume?=
Message-ID: <a7@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

add r=E9seau
EOF
is "$(keywords alice@example.com)" '"batch normalization",author:hinton,gan,réseau' "ISO-8859-1 quoted-printable body decoded"
is "$(status alice@example.com)" "confirmed daily 0" "a command in an RFC 2047 Subject runs"

printf 'add na\357ve\n' | base64 > "$T/b64"
deliver "$req" alice@example.com <<EOF
From: alice@example.com
Message-ID: <a8@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=windows-1252
Content-Transfer-Encoding: base64

$(cat "$T/b64")
EOF
is "$(keywords alice@example.com | tr ',' '\n' | grep -c 'naïve')" 1 "Windows-1252 base64 body decoded"

deliver "$req" alice@example.com <<'EOF'
From: alice@example.com
Message-ID: <a9@example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/html; charset=utf-8

<html><body><div>add&nbsp;<b>stat.ML</b></div><div>weekly</div><blockquote>unsubscribe</blockquote></body></html>
--b1--
EOF
is "$(keywords alice@example.com | tr ',' '\n' | grep -c '^stat.ml$')" 1 "HTML-only message: command read from the HTML"
is "$(status alice@example.com)" "confirmed weekly 0" "later HTML lines run too, quoted ones do not"

# --- loops and abuse: never answer automatic mail.
replies=$(outbox alice@example.com reply)
deliver "$req" alice@example.com <<'EOF'
From: alice@example.com
Subject: Out of office: keywords
Auto-Submitted: auto-replied
Message-ID: <v1@example.com>

unsubscribe
EOF
is "$rc" 0 "vacation auto-reply: exit 0"
is "$(status alice@example.com)" "confirmed weekly 0" "an auto-reply's commands are not run"
is "$(outbox alice@example.com reply)" "$replies" "and it is not answered"
is "$(sql "SELECT outcome FROM received WHERE message_key LIKE 'v1@example.com%'")" quarantined "it is quarantined"

# Every marker of automatic mail, each alone on a request to subscribe:
# none of them is answered with a confirmation request.
k=0
for marker in "Auto-Submitted: no
Auto-Submitted: auto-replied" "Auto-Submitted: notify" "X-Autoreply: yes" \
  "X-Autorespond: Out of office" "X-Auto-Response-Suppress: All" \
  "Feedback-ID: 1234:campaign:mailer:esp.example"; do
  k=$((k + 1))
  deliver "$req" "auto$k@example.com" <<EOF
From: auto$k@example.com
To: $req
Subject: subscribe
$marker
Message-ID: <auto$k@example.com>

subscribe cs.LG
EOF
  what=$(echo "$marker" | tail -1)
  is "$(outbox "auto$k@example.com" confirm)" 0 "automatic mail ($what) is not answered"
  is "$(sql "SELECT outcome FROM received WHERE message_key LIKE 'auto$k@example.com%'")" quarantined "and is quarantined ($what)"
done

deliver "$req" "" <<'EOF'
From: MAILER-DAEMON@mx.example.com (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
Message-ID: <b1@mx.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="r"

--r
Content-Type: text/plain

unsubscribe
--r
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com
Final-Recipient: rfc822; alice@example.com
Action: failed
Status: 5.1.1
--r--
EOF
is "$rc" 0 "a bounce to the request address: exit 0"
is "$(sql "SELECT detail FROM received WHERE message_key LIKE 'b1@mx.example.com%'")" "automatic mail (null envelope sender): not acted on" "a bounce is quarantined, not acted on"

for h in "Precedence: bulk" "List-Id: <other.example.net>"; do
  deliver "$req" carol@example.com <<EOF
From: carol@example.com
$h
Message-ID: <p$n@example.com>

subscribe
EOF
  is "$(outbox carol@example.com confirm)" 0 "no confirmation for mail with $h"
done
deliver "$req" digest@lists.example.org <<'EOF'
From: digest@lists.example.org
Message-ID: <own@lists.example.org>

subscribe
EOF
is "$(sql "SELECT count(*) FROM subscribers WHERE address LIKE 'digest%'")" 0 "mail from our own address is not acted on"

# --- forged and expired tokens.
forged=$(printf '%s' "$token_addr" | sed 's/confirm-\(.\)/confirm-\1z/')
deliver "$forged" alice@example.com <<'EOF'
From: alice@example.com
Message-ID: <f1@example.com>

yes
EOF
is "$rc" 0 "a forged token: exit 0"
is "$(sql "SELECT outcome FROM received WHERE message_key LIKE 'f1@example.com%'")" quarantined "a forged token is quarantined"

deliver "$req" dave@example.com <<'EOF'
From: dave@example.com
Message-ID: <d1@example.com>

subscribe
EOF
dave_token=$(payload dave@example.com confirm reply_to)
SHORTMAIL_NOW=2026-11-27T10:00:00Z deliver "$dave_token" dave@example.com <<'EOF'
From: dave@example.com
Message-ID: <d2@example.com>

yes
EOF
is "$(status dave@example.com)" "pending weekly 0" "an expired token confirms nothing"
is "$(outbox dave@example.com confirm)" 2 "the reader is sent a fresh request instead"

# --- duplicates: the same message twice has one effect.
for i in 1 2; do
  deliver "$req" alice@example.com <<'EOF'
From: alice@example.com
Message-ID: <dup@example.com>

add duplicated
EOF
done
is "$(sql "SELECT count(*) FROM received WHERE message_key LIKE 'dup@example.com%'")" 1 "a redelivered message is logged once"
is "$(outbox alice@example.com reply)" "$((replies + 1))" "and answered once"
for i in 1 2; do
  printf 'From: eve@example.com\n\nsubscribe\n' | "$SHORTMAIL" receive --recipient "$req" --sender eve@example.com
done
is "$(outbox eve@example.com confirm)" 1 "a message without Message-ID is recognised by its hash"

# --- limits: 101 command lines, a 20 MB message.
{
  printf 'From: alice@example.com\nMessage-ID: <many@example.com>\n\n'
  i=0
  while [ $i -lt 101 ]; do printf 'add w%d\n' $i; i=$((i + 1)); done
} > "$T/many.eml"
sql "DELETE FROM interests"
"$SHORTMAIL" receive --recipient "$req" --sender alice@example.com < "$T/many.eml"
is "$(sql "SELECT count(*) FROM interests")" 50 "at most 50 keywords per reader"
payload alice@example.com reply text > "$T/reply.txt"
like "$T/reply.txt" "w60: not added, you have 50 keywords already" "the reply says why"
like "$T/reply.txt" "Only the first 100 command lines" "and that the 101st line was not run"
unlike "$T/reply.txt" "w100" "the 101st command did not run"

"$PYTHON3" -c '
import sys
sys.stdout.write("From: alice@example.com\nMessage-ID: <huge@example.com>\n\nsubscribe\n")
sys.stdout.write(("x" * 76 + "\n") * (20 * 1024 * 1024 // 77))' > "$T/huge.eml"
"$SHORTMAIL" receive --recipient "$req" --sender alice@example.com < "$T/huge.eml" 2> "$T/err"
is "$?" 0 "a 20 MB message: exit 0"
is "$(sql "SELECT outcome || ': ' || detail FROM received WHERE message_key LIKE 'sha256:%' ORDER BY id DESC LIMIT 1")" "quarantined: message larger than [receive] max_size (10485760 bytes)" "it is quarantined unread"

# --- garbage, and mail to an address that is not ours.
printf '\000\001\002 not mail at all' | "$SHORTMAIL" receive --recipient "$req" --sender x@example.com
is "$?" 0 "binary garbage: exit 0"
deliver "someone@$list" alice@example.com <<'EOF'
From: alice@example.com
Message-ID: <other@example.com>

subscribe
EOF
is "$(sql "SELECT outcome FROM received WHERE message_key LIKE 'other@example.com%'")" quarantined "mail to an address that is not the list's is quarantined"

# --- dry run: shows, changes nothing.
before=$(sql "SELECT count(*) FROM outbox")
"$SHORTMAIL" receive --dry-run --recipient "$req" --sender frank@example.com > "$T/out" 2>&1 <<'EOF'
From: frank@example.com
Message-ID: <dry@example.com>

subscribe gan
EOF
like "$T/out" "^subscribe gan: if this address was not yet" "--dry-run shows the command's result"
like "$T/out" "would queue confirm to frank@example.com" "and the mail it would queue"
is "$(sql "SELECT count(*) FROM outbox")" "$before" "--dry-run queues nothing"
is "$(sql "SELECT count(*) FROM subscribers WHERE address = 'frank@example.com'")" 0 "--dry-run stores nothing"

# --- at most [list] replies_per_day replies to one address a day.
cp "$T/shortmail.conf" "$T/limit.conf"
sed -i 's/^\[list\]$/[list]\nreplies_per_day = 2/' "$T/limit.conf"
sql "INSERT INTO subscribers (address, status, created_at, changed_at) VALUES ('kim@example.com', 'confirmed', 0, 0)"
for i in 1 2 3; do
  printf 'From: kim@example.com\nMessage-ID: <kim%d@example.com>\n\nkeywords\n' "$i" |
    "$SHORTMAIL" -c "$T/limit.conf" receive --recipient "$req" --sender kim@example.com 2> "$T/err"
done
is "$(outbox kim@example.com reply)" 2 "replies_per_day = 2: the third message gets no reply"
like "$T/err" "replies_per_day allows: not answering" "and the log says why"

# --- unsubscribe takes effect at once.
deliver "$req" alice@example.com <<'EOF'
From: alice@example.com
Message-ID: <bye@example.com>

unsubscribe
EOF
is "$(status alice@example.com)" "unsubscribed weekly 0" "unsubscribe takes effect at once"
payload alice@example.com reply text > "$T/reply.txt"
like "$T/reply.txt" "unsubscribed: no more digests" "and is acknowledged"

# --- exit codes: a locked store is a temporary failure (75).
"$PYTHON3" - "$T/store.db" > "$T/locker.out" 2>&1 <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(4)
PY
locker=$!
while ! grep -q locked "$T/locker.out" 2>/dev/null; do sleep 0.05; done
printf '[store]\npath = %s\nbusy_timeout = 200\n[secret]\nfile = %s\n[templates]\ndir = %s\n' \
  "$T/store.db" "$T/secret" "$top_srcdir/templates" > "$T/busy.conf"
printf 'From: gina@example.com\nMessage-ID: <busy@example.com>\n\nsubscribe\n' |
  "$SHORTMAIL" -c "$T/busy.conf" receive --recipient "$req" --sender gina@example.com 2> "$T/err"
is "$?" 75 "the store locked past busy_timeout: exit 75"
like "$T/err" "temporary failure" "with a message"
wait "$locker"
printf 'From: gina@example.com\nMessage-ID: <busy@example.com>\n\nsubscribe\n' |
  "$SHORTMAIL" -c "$T/busy.conf" receive --recipient "$req" --sender gina@example.com
is "$?" 0 "the same message once the lock is gone: exit 0"
is "$(outbox gina@example.com confirm)" 1 "and it took effect"

# A full filesystem is a temporary failure too.
mkdir -p "$T/full"
if mount -t tmpfs -o size=256k tmpfs "$T/full" 2> "$T/mount.err"; then
  unmount_full() { umount "$T/full" 2>/dev/null || true; }
  at_exit unmount_full
  printf '[store]\npath = %s\n[secret]\nfile = %s\n[templates]\ndir = %s\n' \
    "$T/full/store.db" "$T/secret" "$top_srcdir/templates" > "$T/full.conf"
  printf 'From: h@example.com\nMessage-ID: <h0@example.com>\n\nsubscribe\n' |
    "$SHORTMAIL" -c "$T/full.conf" receive --recipient "$req" --sender h@example.com
  # Fill the disk, then a message with a large command line.
  dd if=/dev/zero of="$T/full/filler" bs=4k 2>/dev/null || true
  {
    printf 'From: h@example.com\nMessage-ID: <h1@example.com>\n\n'
    "$PYTHON3" -c 'print("subscribe " + " ".join("k%d" % i for i in range(40)))'
  } | "$SHORTMAIL" -c "$T/full.conf" receive --recipient "$req" --sender h2@example.com 2> "$T/err"
  is "$?" 75 "a full filesystem: exit 75"
  like "$T/err" "full|disk|I/O|temporary" "with a message"
else
  ok 1 "mount a small tmpfs for the disk-full case: $(cat "$T/mount.err")"
fi

# An internationalised address (RFC 6531) cannot be mailed without
# SMTPUTF8: nothing is created and no confirmation is queued.
deliver "$req" "jürgen@example.de" <<'EOF'
From: =?UTF-8?Q?J=C3=BCrgen?= <jürgen@example.de>
To: digest-request@lists.example.org
Subject: subscribe
Message-ID: <utf8-addr@example.de>
Date: Mon, 23 Nov 2026 09:00:00 +0000

subscribe
EOF
is "$rc" 0 "a non-ASCII address: exit 0"
is "$(sql "SELECT count(*) FROM subscribers WHERE address LIKE 'j%rgen@example.de'")" 0 \
  "a non-ASCII address is not made a reader"
is "$(sql "SELECT count(*) FROM outbox WHERE recipient LIKE 'j%rgen@example.de'")" 0 \
  "nothing is queued to a non-ASCII address"
detail=$(sql "SELECT detail FROM received WHERE message_key LIKE '%utf8-addr@example.de%'")
case "$detail" in
*"1 command from jürgen@example.de"*) ok 0 "the message is logged as a command (Subject and body: once)" ;;
*) ok 1 "the message is logged as a command ($detail)" ;;
esac

# The once-a-day confirmation limit counts mailboxes, not address
# strings: sub-addresses and another case of the same mailbox share it.
for a in victim+a@example.com victim+b@example.com Victim@EXAMPLE.com; do
  printf 'From: %s\nMessage-ID: <%s@example.com>\n\nsubscribe\n' "$a" "mb-$a" |
    "$SHORTMAIL" receive --recipient "$req" --sender "$a" 2> /dev/null
done
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'confirm' AND recipient LIKE 'victim%@example.com'")" 1 \
  "one confirmation a day per mailbox, whatever its sub-address or case"

# Unreadable configuration: 75, so the MTA keeps the mail.
printf 'From: i@example.com\n\nsubscribe\n' |
  "$SHORTMAIL" -c "$T/no-such.conf" receive --recipient "$req" --sender i@example.com 2> /dev/null
is "$?" 75 "an unreadable configuration file: exit 75"
printf 'From: i@example.com\n\nsubscribe\n' |
  "$SHORTMAIL" receive --bogus 2> /dev/null
is "$?" 75 "a bad option (a mistake in master.cf): exit 75"
# A mistake among the global options, before or after the command name,
# is the same mistake in master.cf: 75, never 64 (Postfix bounces 64).
for argv in "--confg x receive" "-x receive" "--db receive" \
  "receive --confg x" "-q receive --recipient" "--verbose=1 receive"; do
  # shellcheck disable=SC2086
  printf 'From: i@example.com\n\nsubscribe\n' | "$SHORTMAIL" $argv 2> "$T/err"
  is "$?" 75 "a bad global option ($argv): exit 75"
  like "$T/err" "." "with a message ($argv)"
done

is "$never_one" 0 "receive never exited 1"
done_testing
