#!/bin/sh
# postfix-smoke.sh: the Postfix harness itself (tests/postfix-lib.sh),
# without shortmail: a real Postfix on loopback pipes the list domain's
# mail into a recording script, and we check what a receive command would
# get (argv, stdin, user) and how Postfix treats its exit codes.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/postfix-lib.sh"

# The recording "receive": argv is QUEUE_ID --recipient R --sender S. It
# keeps argv, stdin and its user per queue ID and recipient, and exits
# with the code in $T/pipe/exit.
rec=$T/pipe
mkdir "$rec" && chown "$PF_USER" "$rec"
cat >"$T/record.sh" <<'EOF'
#!/bin/sh
dir=${0%/*}/pipe
key=$1.$3
shift
printf '%s\n' "$@" >"$dir/$key.argv"
cat >"$dir/$key.msg"
id -un >"$dir/$key.user"
code=$(cat "$dir/exit" 2>/dev/null) || code=0
echo "$key $code" >>"$dir/attempts"
[ "$code" = 0 ] || echo "recorder: exiting $code as told"
exit "$code"
EOF
chmod 0755 "$T/record.sh"
echo 0 >"$rec/exit"

# The ${...} are Postfix macros, expanded by pipe(8), not by the shell.
# shellcheck disable=SC2016
postfix_start "$T/record.sh" '${queue_id}' \
  --recipient '${recipient}' --sender '${sender}'
st=$?
ok $st "a private Postfix starts on 127.0.0.1:$PF_PORT"
[ $st = 0 ] || { done_testing; exit 1; }

msg() { # msg FILE MARKER: a small message whose body carries MARKER
  printf 'From: Reader <reader@example.com>\nTo: list\nSubject: %s\n\n%s\nadd cs.LG\n' \
    "$2" "$2" >"$1"
}
lines() { tr '\n' ' ' <"$1" | sed 's/ $//'; }

# 1. The request address: argv, body, headers, the unprivileged user.
msg "$T/m1" smoke-marker-one
qid=$(postfix_send reader@example.com digest-request@lists.example.org "$T/m1")
ok $? "SMTP accepts mail for digest-request@ (queued as $qid)"
postfix_wait_delivered 1
ok $? "Postfix reports status=sent via the shortmail transport"
k=$rec/$qid.digest-request@lists.example.org
is "$(lines "$k.argv")" \
  "--recipient digest-request@lists.example.org --sender reader@example.com" \
  "argv carries the envelope recipient and sender"
like "$k.msg" '^smoke-marker-one$' "the body arrives on stdin"
like "$k.msg" '^Return-Path: <reader@example.com>$' \
  "flags=R: a Return-Path header with the envelope sender"
unlike "$k.msg" '^Delivered-To:' "no Delivered-To header (no D flag)"
is "$(cat "$k.user" 2>/dev/null)" "$PF_USER" "the command runs as $PF_USER"

# 2. A sub-address: the +extension reaches the command.
msg "$T/m2" smoke-marker-two
qid=$(postfix_send reader@example.com digest+confirm-abc@lists.example.org "$T/m2")
postfix_wait_delivered 1
ok $? "mail for digest+confirm-abc@ is delivered"
k=$rec/$qid.digest+confirm-abc@lists.example.org
is "$(sed -n 2p "$k.argv" 2>/dev/null)" "digest+confirm-abc@lists.example.org" \
  "the recipient keeps its +extension"
like "$k.msg" '^smoke-marker-two$' "its body arrives"

# 3. Two recipients in one transaction: two deliveries, one recipient each
# (shortmail_destination_recipient_limit = 1).
msg "$T/m3" smoke-marker-three
qid=$(postfix_send reader@example.com \
  digest+c-tok1@lists.example.org,digest+unsub-tok2@lists.example.org "$T/m3")
postfix_wait_delivered 2
ok $? "a message to two list addresses is delivered twice"
is "$(lines "$rec/$qid.digest+c-tok1@lists.example.org.argv")" \
  "--recipient digest+c-tok1@lists.example.org --sender reader@example.com" \
  "the first delivery names only its recipient"
is "$(lines "$rec/$qid.digest+unsub-tok2@lists.example.org.argv")" \
  "--recipient digest+unsub-tok2@lists.example.org --sender reader@example.com" \
  "the second delivery names only its recipient"

# 4. The null sender (bounces): an empty argument, not MAILER-DAEMON.
msg "$T/m4" smoke-marker-four
qid=$(postfix_send "" digest+bounce-tok3@lists.example.org "$T/m4")
postfix_wait_delivered 1
ok $? "mail from the null sender is delivered"
k=$rec/$qid.digest+bounce-tok3@lists.example.org
is "$(wc -l <"$k.argv" 2>/dev/null)" 4 "argv still has four words"
is "$(sed -n 3,4p "$k.argv" 2>/dev/null | tr '\n' '|')" "--sender||" \
  "null_sender=: the sender is an empty argument"
like "$k.msg" '^Return-Path: <>$' "and Return-Path is <>"

# 5. Exit 75 (EX_TEMPFAIL): deferred, kept, retried; then delivered.
echo 75 >"$rec/exit"
msg "$T/m5" smoke-marker-five
qid=$(postfix_send reader@example.com digest-request@lists.example.org "$T/m5")
postfix_wait_deferred 1
ok $? "exit 75: Postfix defers the message"
like "$PF_LOG" "$qid: to=<digest-request@lists.example.org>, relay=shortmail,.* status=deferred \\(temporary failure. Command output: recorder: exiting 75 as told" \
  "the maillog says deferred, with the command's output"
is "$(postfix_queue_count)" 1 "the message stays in the queue"
postqueue -c "$PF_ETC" -j >"$T/queue.json"
like "$T/queue.json" "\"queue_name\": \"deferred\", \"queue_id\": \"$qid\"" \
  "in the deferred queue"
echo 0 >"$rec/exit"
postfix_flush
postfix_wait_delivered 1
ok $? "after a flush, the same message is delivered"
is "$(grep -c "^$qid\\." "$rec/attempts")" 2 "two attempts for $qid"
like "$rec/attempts" "^$qid\\.digest-request@lists.example.org 0$" \
  "the second attempt exited 0"
is "$(postfix_queue_count)" 0 "the queue is empty again"

# 6. Exit 1 (what receive must never do): the message bounces.
echo 1 >"$rec/exit"
msg "$T/m6" smoke-marker-six
qid=$(postfix_send reader@example.com digest-request@lists.example.org "$T/m6")
postfix_wait_bounced 1
ok $? "exit 1: Postfix bounces the message (no retry)"
like "$PF_LOG" "$qid: to=<digest-request@lists.example.org>, relay=shortmail,.* status=bounced" \
  "the maillog says bounced"

postfix_stop
ok $? "postfix stops"
done_testing
