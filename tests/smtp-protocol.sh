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

done_testing
