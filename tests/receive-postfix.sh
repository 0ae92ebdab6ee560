#!/bin/sh
# receive-postfix.sh: end to end through a real Postfix. Mail goes in
# over SMTP on loopback, Postfix's pipe transport runs `shortmail receive`
# as an unprivileged user (as tests/postfix-lib.sh sets it up, the way
# doc/mta.md tells operators to), and the effects show in the store: a
# subscription by mail, its confirmation by replying to the token
# address, commands, and exit 75 turning into a deferral that a retry
# completes.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/postfix-lib.sh"

# The store is created as root, as an installation script would, then
# handed to the pipe user by postfix_start (postfix_grant).
sm db migrate
is "$rc" 0 "shortmail db migrate creates the store"
postfix_start
st=$?
ok $st "a private Postfix pipes lists.example.org into shortmail receive"
[ $st = 0 ] || { done_testing; exit 1; }

n=0
# mail FILE SUBJECT BODY: a message from Ada with a fresh Message-ID.
mail() {
  n=$((n + 1))
  printf '%s\n' "From: Ada Lovelace <ada@example.com>" \
    "To: digest-request@lists.example.org" "Subject: $2" \
    "Date: $(date -R)" "Message-ID: <e2e-$n.$$@example.com>" \
    "MIME-Version: 1.0" "Content-Type: text/plain; charset=utf-8" "" \
    "$3" >"$1"
}
# deliver TO FILE NAME: submits, waits for the pipe's "sent".
deliver() {
  postfix_send ada@example.com "$1" "$2" >/dev/null &&
    postfix_wait_delivered 1
  ok $? "$3"
}
sub_status() { sql "select status from subscribers where address = 'ada@example.com'"; }

# 1. Subscribe: a pending subscriber and a confirmation in the outbox.
mail "$T/sub" "subscribe" "subscribe"
deliver digest-request@lists.example.org "$T/sub" \
  "subscribe: delivered through Postfix, receive exits 0"
is "$(sql "select kind, recipient from outbox")" "confirm|ada@example.com" \
  "one confirmation for ada@example.com is queued"
is "$(sub_status)" pending "the subscriber is pending"

# The same message again (an MTA retry after a lost exit status): one
# effect only.
deliver digest-request@lists.example.org "$T/sub" \
  "the same subscribe message delivered twice"
is "$(sql "select count(*) from outbox")" 1 "still one confirmation"

# 2. Confirm by mailing the token address from the confirmation.
sql "select payload from outbox where kind = 'confirm'" >"$T/payload.json"
confirm=$("$PYTHON3" -c '
import json, sys
print(json.load(open(sys.argv[1]))["reply_to"])' "$T/payload.json" 2>"$T/err")
like "$T/payload.json" '"reply_to": *"digest\+confirm-[A-Za-z0-9]+@lists\.example\.org"' \
  "the confirmation's reply_to is a digest+confirm-TOKEN address"
mail "$T/confirm" "Re: confirm your subscription" "yes please"
deliver "$confirm" "$T/confirm" "mail to $confirm is delivered"
is "$(sub_status)" confirmed "the subscriber is confirmed"

# 3. Commands.
mail "$T/add" "" "add cs.LG"
deliver digest-request@lists.example.org "$T/add" "add cs.LG: delivered"
is "$(sql "select i.keyword from interests i join subscribers s on s.id = i.subscriber_id where s.address = 'ada@example.com'")" \
  cs.lg "the interest cs.lg is stored"

mail "$T/daily" "" "daily"
deliver digest-request@lists.example.org "$T/daily" "daily: delivered"
is "$(sql "select frequency from subscribers where address = 'ada@example.com'")" \
  daily "the frequency is daily"
mail "$T/weekly" "" "weekly"
deliver digest-request@lists.example.org "$T/weekly" "weekly: delivered"
is "$(sql "select frequency from subscribers where address = 'ada@example.com'")" \
  weekly "the frequency is weekly again"

# 4. A transient failure: with the configuration unreadable receive must
# exit 75, Postfix keeps the message, and a retry applies it once.
chmod 0000 "$T/shortmail.conf"
mail "$T/add2" "" 'add "batch normalization"'
postfix_send ada@example.com digest-request@lists.example.org "$T/add2" >/dev/null
postfix_wait_deferred 1
ok $? "configuration unreadable: receive exits 75, Postfix defers"
is "$(postfix_queue_count)" 1 "the message waits in the queue"
is "$(sql "select count(*) from interests where keyword like '%batch normalization%'")" 0 \
  "no effect yet"
chmod 0644 "$T/shortmail.conf"
postfix_flush
postfix_wait_delivered 1
ok $? "after the fix, a flush delivers it"
# A phrase is stored in its canonical form, quotes included (match.h).
is "$(sql "select keyword from interests where keyword like '%batch normalization%'")" \
  '"batch normalization"' "the phrase interest is stored once"
is "$(postfix_queue_count)" 0 "the queue is empty"

# 5. Unsubscribe.
mail "$T/unsub" "" "unsubscribe"
deliver digest-request@lists.example.org "$T/unsub" "unsubscribe: delivered"
is "$(sub_status)" unsubscribed "the subscriber is unsubscribed"

unlike "$PF_LOG" 'status=(bounced|expired)' "Postfix bounced nothing"
postfix_stop
done_testing
