#!/bin/sh
# fetch.sh: a reader subscribes, confirms, comments and bounces through
# an IMAP mailbox alone: each message is delivered into the Maildir of a
# private Dovecot (tests/dovecot-lib.sh), `shortmail fetch` drains it,
# and each case asserts the store's effect and where the message went
# (INBOX empty, the done or rejected folder). Also: the envelope
# recipient taken from the headers in [imap] recipient_header order,
# automatic mail never answered, STARTTLS required unless allowed, a
# wrong password (exit 77), --loop.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/dovecot-lib.sh"

: "${MINT_TOKEN:=$top_builddir/tests/mint-token}"
list=lists.example.org
dovecot_test_start
fetch() { sm fetch "$@"; }
status() { sql "SELECT status FROM subscribers WHERE address = '$1'"; }
outbox() { sql "SELECT count(*) FROM outbox WHERE recipient = '$1' AND kind = '$2'"; }
payload() { # payload RCPT KIND FIELD: a field of the newest such row
  sql "SELECT payload FROM outbox WHERE recipient = '$1' AND kind = '$2' ORDER BY id DESC LIMIT 1" |
    "$PYTHON3" -c 'import json,sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$3"
}
outcome() { sql "SELECT outcome FROM received ORDER BY id DESC LIMIT 1"; }

sm ingest "file://$top_srcdir/data/sample-feed.xml"
is "$rc" 0 "the sample feed is ingested"

# ---- an empty mailbox --------------------------------------------------
fetch
is "$rc" 0 "an empty mailbox: exit 0"
is "$(sql "SELECT count(*) FROM received")" 0 "an empty mailbox: nothing received"

# ---- subscribe: the hosted mailbox's own address is in Delivered-To,
# ours only in To, as a provider's alias delivers it.
dovecot_mail <<'EOF'
Return-Path: <alice@example.com>
Delivered-To: shortmail-inbox@mail.example.net
From: Alice Liddell <alice@example.com>
To: digest-request@lists.example.org
Subject: subscribe
Message-ID: <imap-a1@example.com>
Date: Mon, 23 Nov 2026 09:00:00 +0000

subscribe cs.LG "batch normalization"
EOF
is "$(dovecot_count)" 1 "the request is in INBOX"
fetch
is "$rc" 0 "fetch: exit 0"
is "$(status alice@example.com)" pending "the reader is pending"
is "$(outbox alice@example.com confirm)" 1 "one confirmation is queued"
is "$(sql "SELECT recipient || ' ' || route FROM received WHERE message_key LIKE '<imap-a1@%' OR message_key LIKE 'imap-a1@%'")" \
  "digest-request@lists.example.org request" \
  "routed by To (Delivered-To names the mailbox, not one of ours)"
is "$(dovecot_count)" 0 "INBOX is empty afterwards"
is "$(dovecot_count shortmail-done)" 1 "the request is in the done folder"
is "$(dovecot_grep '^Subject: subscribe' shortmail-done)" 1 "... the same message"
d=$(dc_folder_dir shortmail-done)
ls "$d/cur" | grep -q ':2,.*S' 
ok $? "... flagged \\Seen"
is "$(sql "SELECT count(*) || ' ' || min(folder) FROM imap_taken")" "1 done" \
  "its UID is recorded as taken"

# ---- confirm by replying to the confirmation's Reply-To -----------------
token_addr=$(payload alice@example.com confirm reply_to)
case "$token_addr" in digest+confirm-*@$list) ok 0 "the confirm address" ;;
*) ok 1 "the confirm address ($token_addr)" ;; esac
dovecot_mail <<EOF
Return-Path: <alice@example.com>
Delivered-To: shortmail-inbox@mail.example.net
From: Alice <alice@example.com>
To: $token_addr
Subject: Re: Confirm your subscription
Message-ID: <imap-a2@example.com>

yes
EOF
fetch
is "$rc" 0 "confirm: exit 0"
is "$(status alice@example.com)" confirmed "the reply through the mailbox confirms"
is "$(outbox alice@example.com reply)" 1 "a welcome is queued"
is "$(dovecot_count shortmail-done)" 2 "the confirmation is in the done folder"

# ---- a command from the confirmed reader --------------------------------
dovecot_mail <<'EOF'
Return-Path: <alice@example.com>
Delivered-To: shortmail-inbox@mail.example.net
From: Alice <alice@example.com>
To: digest-request@lists.example.org
Subject: keywords
Message-ID: <imap-a3@example.com>

add author:arjovsky
EOF
fetch
is "$rc" 0 "a command: exit 0"
is "$(sql "SELECT count(*) FROM interests i JOIN subscribers s ON s.id = i.subscriber_id WHERE s.address = 'alice@example.com' AND keyword = 'author:arjovsky'")" 1 \
  "add author:arjovsky is applied"
is "$(outbox alice@example.com reply)" 2 "a reply lists what was done"

# ---- a comment: a reply to a summary's address --------------------------
alice=$(sql "SELECT id FROM subscribers WHERE address = 'alice@example.com'")
tok=$("$MINT_TOKEN" "$T/secret" c "$alice" 41 1801000000)
dovecot_mail <<EOF
Return-Path: <alice@example.com>
Delivered-To: shortmail-inbox@mail.example.net
From: Alice <alice@example.com>
To: ShortScience digest <digest+c-$tok@$list>
Subject: Re: Wasserstein GAN
Message-ID: <imap-a4@example.com>
Content-Type: text/plain; charset=utf-8

The Lipschitz constraint by weight clipping is the weak point; the
gradient penalty of the follow-up paper fixes it.

On Mon, 23 Nov 2026, ShortScience digest wrote:
> Wasserstein GAN
EOF
fetch
is "$rc" 0 "a comment: exit 0"
is "$(sql "SELECT summary_id || ' ' || subscriber_id FROM comments WHERE message_id = 'imap-a4@example.com'")" "41 $alice" \
  "the comment is stored for summary 41 and the reader"
sql "SELECT body FROM comments WHERE message_id = 'imap-a4@example.com'" >"$T/body"
like "$T/body" "gradient penalty of the follow-up" "the comment's text is taken"
unlike "$T/body" "^>" "without the quoted digest"

# ---- a bounce about the reader at LIST-bounces@ --------------------------
# Bounces count only for mail we sent: the welcome went out, as `shortmail
# send` leaves a delivered row.
sql "UPDATE outbox SET state = 'sent', sent_at = 1795000000, attempts = 1 WHERE recipient = 'alice@example.com'"
dovecot_mail <<'EOF'
Return-Path: <>
Delivered-To: shortmail-inbox@mail.example.net
From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: digest-bounces@lists.example.org
Subject: Undelivered Mail Returned to Sender
Message-ID: <imap-b1@mx.example.com>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered to <alice@example.com>.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; alice@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <alice@example.com>: Recipient address rejected: User unknown

--B--
EOF
fetch
is "$rc" 0 "a bounce: exit 0"
is "$(sql "SELECT count(*) FROM bounces WHERE address = 'alice@example.com' AND status = '5.1.1'")" 1 \
  "the bounce is recorded against the reader"
is "$(dovecot_count shortmail-done)" 5 "the comment and the bounce are in the done folder"

# ---- automatic mail: quarantined, never answered, to rejected -----------
before=$(sql "SELECT count(*) FROM outbox")
dovecot_mail <<'EOF'
Return-Path: <bob@example.org>
From: Bob <bob@example.org>
To: digest-request@lists.example.org
Subject: Out of office
Message-ID: <imap-ooo@example.org>
Auto-Submitted: auto-replied

I am away until Monday.
EOF
fetch
is "$rc" 0 "automatic mail: exit 0"
is "$(outcome)" quarantined "automatic mail is quarantined"
is "$(sql "SELECT count(*) FROM outbox")" "$before" "nothing is queued for it"
is "$(dovecot_count shortmail-rejected)" 1 "it is in the rejected folder"
is "$(dovecot_grep '^Subject: Out of office' shortmail-rejected)" 1 "... the same message"

# ---- mail to none of our addresses --------------------------------------
dovecot_mail <<'EOF'
From: Carol <carol@example.com>
To: someone@elsewhere.example
Subject: hello
Message-ID: <imap-c1@example.com>

hello
EOF
fetch
is "$(sql "SELECT outcome || ' ' || detail FROM received ORDER BY id DESC LIMIT 1")" \
  "quarantined someone@elsewhere.example is not one of the list's addresses" \
  "mail to none of our addresses is quarantined, naming the address"
is "$(dovecot_count shortmail-rejected)" 2 "... and moved to rejected"

# ---- a mailbox that is the list's own address ---------------------------
# Its Delivered-To names LIST@ on every message, aliases included: a more
# specific address of ours in a later header wins.
dovecot_mail <<'EOF'
Delivered-To: digest@lists.example.org
From: Gina <gina@example.com>
To: digest-request@lists.example.org
Subject: subscribe
Message-ID: <imap-g1@example.com>

subscribe
EOF
fetch
is "$(sql "SELECT recipient FROM received WHERE message_key LIKE '%imap-g1@%'")" \
  digest-request@lists.example.org "LIST@ in Delivered-To yields to LIST-request@ in To"
is "$(status gina@example.com)" pending "... and the request is applied"

# ---- recipient_header: the operator's order -----------------------------
# The same message twice in one header order and another: X-Envelope-To
# first routes it to the request address, To first to a token address.
cat >>"$T/shortmail.conf" <<'EOF'
recipient_header = X-Envelope-To, To
EOF
dovecot_mail <<'EOF'
From: Dave <dave@example.com>
X-Envelope-To: digest-request@lists.example.org
To: "Digest" <digest@lists.example.org>
Subject: subscribe
Message-ID: <imap-d1@example.com>

subscribe
EOF
fetch
is "$(sql "SELECT recipient FROM received WHERE message_key LIKE '%imap-d1@%'")" \
  digest-request@lists.example.org "recipient_header names the header that is read first"
is "$(status dave@example.com)" pending "... and the request is applied"

# ---- more messages than max_messages: oldest first, the rest waits -----
cat >>"$T/shortmail.conf" <<'EOF'
max_messages = 2
EOF
for i in 1 2 3; do
  dovecot_mail <<EOF
From: reader$i@example.net
To: digest-request@lists.example.org
Subject: subscribe
Message-ID: <imap-m$i@example.net>

subscribe
EOF
done
fetch
is "$rc" 0 "max_messages 2: exit 0"
is "$(dovecot_count)" 1 "two of three are taken"
is "$(status reader1@example.net)/$(status reader2@example.net)/$(status reader3@example.net)" \
  "pending/pending/" "the oldest two, in UID order"
fetch
is "$(status reader3@example.net)" pending "the next run takes the rest"
is "$(dovecot_count)" 0 "INBOX is empty"

# ---- --loop: a long-running poller takes what arrives -------------------
"$SHORTMAIL" fetch --loop 1 >"$T/loop.out" 2>"$T/loop.err" &
loop_pid=$!
dovecot_mail <<'EOF'
From: erin@example.org
To: digest-request@lists.example.org
Subject: subscribe
Message-ID: <imap-e1@example.org>

subscribe
EOF
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  [ "$(status erin@example.org)" = pending ] && break
  sleep 0.25
done
is "$(status erin@example.org)" pending "--loop takes a message that arrives while it runs"
kill -0 "$loop_pid" 2>/dev/null
ok $? "--loop keeps running"
kill "$loop_pid"
wait "$loop_pid" 2>/dev/null

# ---- done = -: processed mail is deleted --------------------------------
cp "$T/shortmail.conf" "$T/keep.conf"
printf 'done = -\n' >>"$T/shortmail.conf"
done_before=$(dovecot_count shortmail-done)
dovecot_mail <<'EOF'
From: hank@example.org
To: digest-request@lists.example.org
Subject: subscribe
Message-ID: <imap-h1@example.org>

subscribe
EOF
fetch
is "$rc" 0 "done = -: exit 0"
is "$(status hank@example.org)" pending "the message is applied"
is "$(dovecot_count)/$(dovecot_count shortmail-done)" "0/$done_before" \
  "and deleted: not in INBOX, not in done"
cp "$T/keep.conf" "$T/shortmail.conf"

# ---- STARTTLS is required unless allowed ---------------------------------
sed 's/^allow_plaintext = yes$/allow_plaintext = no/' "$T/shortmail.conf" >"$T/tls.conf"
dovecot_mail <<'EOF'
From: frank@example.org
To: digest-request@lists.example.org
Subject: subscribe
Message-ID: <imap-f1@example.org>

subscribe
EOF
SHORTMAIL_CONFIG=$T/tls.conf sm fetch
is "$rc" 78 "a server without STARTTLS: exit 78 (configuration)"
like "$T/err" "offers no STARTTLS" "the error says why"
like "$T/err" "allow_plaintext" "... and names the key"
is "$(status frank@example.org)" "" "nothing is taken"
is "$(dovecot_count)" 1 "the message waits in INBOX"

# ---- a wrong password: 77, a clear message, nothing touched -------------
printf 'not-the-password\n' >"$T/wrong-password"
sed "s|^password_file = .*|password_file = $T/wrong-password|" "$T/shortmail.conf" >"$T/wrong.conf"
SHORTMAIL_CONFIG=$T/wrong.conf sm fetch
is "$rc" 77 "a wrong password: exit 77"
like "$T/err" "refused the user name or password" "the error says the password was refused"
like "$T/err" "AUTHENTICATIONFAILED|Authentication failed" "... quoting the server"
unlike "$T/err" "not-the-password" "the password is never logged"
is "$(dovecot_count)" 1 "the message waits in INBOX"
fetch
is "$rc" 0 "with the right password: exit 0"
is "$(status frank@example.org)" pending "the message is taken"

# ---- configuration errors ----------------------------------------------
printf '[list]\naddress = digest@lists.example.org\n[store]\npath = %s/store.db\n' "$T" >"$T/none.conf"
SHORTMAIL_CONFIG=$T/none.conf sm fetch
is "$rc" 78 "no [imap] url: exit 78"
like "$T/err" "\\[imap\\] url is not set" "the error names the key"
sm fetch --loop 0
is "$rc" 64 "--loop 0 is a usage error"

done_testing
