#!/bin/sh
# smtp-protocol.sh: a message counts as sent only when the server took
# its bytes and answered the final dot with 250. Reply sequences that
# smtp-sink cannot produce (250 or 220 to DATA, 221 or 220 to the final
# dot) come from tests/smtp-script.py; each such message must come back
# deferred, and no message may be reported sent that the server did not
# take.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/smtp-lib.sh"

at_exit script_stop

M=$T/msgs
smtp_messages "$M" 3

for mode in data250 data220 dot221 dot220; do
  script_start ok "$mode" ok
  send -n 3 127.0.0.1 "$SCRIPT_PORT" "$M/m1.eml" "$M/m2.eml" "$M/m3.eml"
  like "$T/out" '^1 sent 250 ' "$mode: the message before it is sent"
  like "$T/out" '^2 deferred ' "$mode: the message is deferred, not sent"
  like "$T/out" '^2 deferred .*protocol error' "$mode: as a protocol error"
  # Every message reported sent was taken by the server, by its own log.
  bad=0
  for n in $(sed -n 's/^\([0-9]*\) sent .*/\1/p' "$T/out"); do
    grep -q "^$n [a-z0-9]* taken$" "$T/script.log" || bad=$((bad + 1))
  done
  is "$bad" 0 "$mode: nothing reported sent that the server did not take"
  grep -q '^2 ' "$T/out" || sed 's/^/#   /' "$T/out" "$T/err"
done

# AUTH through a scripted server: "235 2.7.0 ..." authenticates. A bare
# "235" (RFC 5321 4.2 allows the code alone) is a syntax error to
# libesmtp 1.1, which ends the session: the message must come back
# deferred with that reason, never sent or failed (smtp.h, known gaps).
printf 'secret\n' > "$T/pw"
SCRIPT_AUTH_REPLY="235 2.7.0 Authentication successful"
export SCRIPT_AUTH_REPLY
script_start ok
send -u user -p "$T/pw" 127.0.0.1 "$SCRIPT_PORT" "$M/m1.eml"
is "$rc" 0 "AUTH answered 235 with text: the session ends normally"
like "$T/out" '^1 sent 250 ' "AUTH answered 235 with text: the message is sent"
like "$T/err" 'auth=PLAIN' "AUTH answered 235 with text: authenticated with PLAIN"
SCRIPT_AUTH_REPLY=235
script_start ok
send -u user -p "$T/pw" 127.0.0.1 "$SCRIPT_PORT" "$M/m1.eml"
like "$T/out" '^1 deferred .*Invalid SMTP syntax in server response \(last reply: 235\)$' \
  "AUTH answered a bare 235: libesmtp refuses it; the message is deferred, with why"
is "$(grep -c '^1 sent' "$T/out")" 0 "AUTH answered a bare 235: nothing reported sent"
is "$(grep -c ' taken$' "$T/script.log")" 0 "and the server took nothing"
unset SCRIPT_AUTH_REPLY

done_testing
