#!/bin/sh
# smtp-sink.sh: the smtp module against Postfix's smtp-sink, a real SMTP
# server on loopback that dumps what it receives and injects errors:
# byte-identical delivery of a batch in one session, per-message outcomes
# for 4xx, 5xx, 421 and dropped connections, timeouts, refused and hanging
# connections, messages refused before SMTP.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/smtp-lib.sh"

command -v smtp-sink >/dev/null 2>&1 ||
  skip_all "smtp-sink not installed (postfix, scripts/install-deps)"
at_exit sink_stop

M=$T/msgs
smtp_messages "$M" 50
files() { # files FIRST LAST: the message files in order
  i=$1
  while [ "$i" -le "$2" ]; do
    printf '%s ' "$M/m$i.eml"
    i=$((i + 1))
  done
}
count() { grep -c -E "$1" "$T/out"; }

# 1. A batch of 50 in one session: every message arrives byte for byte.
sink_start
# shellcheck disable=SC2046
send -n 50 127.0.0.1 "$SINK_PORT" $(files 1 50)
is "$rc" 0 "50 messages: the session ends normally"
is "$(count '^[0-9]+ sent 250 2\.0\.0 dot Ok$')" 50 "50 lines 'N sent 250 2.0.0'"
is "$(sink_dumps)" 50 "smtp-sink received 50 messages"
sink_compare "$M" >"$T/cmp"
is "$(grep -c '^ok ' "$T/cmp")" 50 "all 50 arrive byte-identical, from bounce+N to rcpt+N"
grep -v '^ok ' "$T/cmp" | head -5 | sed 's/^/#   /'
# (wait_port's probe is a session too, without QUIT and mail.)
is "$(sink_counters | cut -d' ' -f2-)" "quit=1 mesg=50" "in one session, ended by QUIT"
like "$T/err" '^smtp-send: session 1: tls=none auth=none$' "no TLS, no AUTH"

# 2. Sessions of at most 20: three sessions for 50 messages.
sink_start
# shellcheck disable=SC2046
send -n 20 127.0.0.1 "$SINK_PORT" $(files 1 50)
is "$(count ' sent 250 ')" 50 "sessions of 20: all 50 sent"
is "$(sink_counters | cut -d' ' -f2-)" "quit=3 mesg=50" "in three sessions"

# 3. 4xx to RCPT: deferred, with the server's code, enhanced code, text.
sink_start -r rcpt
# shellcheck disable=SC2046
send 127.0.0.1 "$SINK_PORT" $(files 1 5)
is "$rc" 0 "4xx to RCPT: the session itself is fine"
is "$(count '^[1-5] deferred 450 4\.3\.0 rcpt Error: command failed$')" 5 \
  "every message deferred 450 4.3.0 at RCPT"
is "$(sink_dumps)" 0 "nothing delivered"

# 4. 5xx to RCPT: failed.
sink_start -f rcpt
# shellcheck disable=SC2046
send 127.0.0.1 "$SINK_PORT" $(files 1 5)
is "$(count '^[1-5] failed 500 5\.3\.0 rcpt Error: command failed$')" 5 \
  "5xx to RCPT: every message failed 500 5.3.0"

# 5. 5xx to MAIL and to DATA.
sink_start -f mail
# shellcheck disable=SC2046
send 127.0.0.1 "$SINK_PORT" $(files 1 3)
is "$(count '^[1-3] failed 500 5\.3\.0 mail ')" 3 "5xx to MAIL: failed, stage mail"
sink_start -f data
# shellcheck disable=SC2046
send 127.0.0.1 "$SINK_PORT" $(files 1 3)
is "$(count '^[1-3] failed 500 5\.3\.0 data ')" 3 "5xx to DATA: failed, stage data"

# 6. After the data: 4xx and 5xx to the final dot.
sink_start -r .
# shellcheck disable=SC2046
send 127.0.0.1 "$SINK_PORT" $(files 1 3)
is "$(count '^[1-3] deferred 450 4\.3\.0 dot ')" 3 "4xx to the dot: deferred"
sink_start -f .
# shellcheck disable=SC2046
send 127.0.0.1 "$SINK_PORT" $(files 1 3)
is "$(count '^[1-3] failed 500 5\.3\.0 dot ')" 3 "5xx to the dot: failed"

# 7. 421 at DATA: that message deferred with the 421, the rest not tried
# (deferred), and the session's error says so.
sink_start -Q data
# shellcheck disable=SC2046
send 127.0.0.1 "$SINK_PORT" $(files 1 5)
is "$rc" 1 "421: the session reports a problem"
like "$T/err" "^smtp-send: session 1: 127\.0\.0\.1:$SINK_PORT: the server closed the session: 421 4\.0\.0 Server closing connection$" \
  "421: the error names host:port and the reply"
is "$(line 1)" "1 deferred 421 4.0.0 data Server closing connection" \
  "421: the message in flight is deferred with the 421"
is "$(count '^[2-5] deferred 0 - none not tried: 127\.0\.0\.1:[0-9]+: the server closed the session: 421 ')" 4 \
  "421: the messages after it are deferred, not tried"
unlike "$T/out" ' (sent|failed) ' "421: nothing sent or failed"
unlike "$T/err" ' reported ' "421: each message reported once, with its final outcome"

# 8. A disconnect without a reply at DATA.
sink_start -q data
# shellcheck disable=SC2046
send 127.0.0.1 "$SINK_PORT" $(files 1 4)
like "$T/err" "^smtp-send: session 1: 127\.0\.0\.1:$SINK_PORT: connection lost: " \
  "disconnect at DATA: connection lost"
like "$T/out" '^1 deferred 0 - data no reply: ' \
  "disconnect at DATA: that message deferred, no reply"
is "$(count '^[2-4] deferred 0 - none not tried: ')" 3 \
  "disconnect at DATA: the rest deferred, not tried"

# 9. The server goes away in the middle of a session (smtp-sink -M 3 exits
# after reading its third message): the first two stay sent, the one in
# flight and the rest are deferred.
sink_start -M 3
# shellcheck disable=SC2046
send 127.0.0.1 "$SINK_PORT" $(files 1 6)
is "$(line 1)" "1 sent 250 2.0.0 dot Ok" "mid-session drop: message 1 stays sent"
is "$(line 2)" "2 sent 250 2.0.0 dot Ok" "mid-session drop: message 2 stays sent"
like "$T/out" '^3 deferred 0 - dot no reply: 127\.0\.0\.1:[0-9]+: connection lost: ' \
  "mid-session drop: message 3, in flight after its data, deferred"
is "$(count '^[4-6] deferred 0 - none not tried: ')" 3 \
  "mid-session drop: messages 4-6 deferred, not tried"
sink_compare "$M" >"$T/cmp"
is "$(grep -c '^ok ' "$T/cmp")" 3 "the sink holds 1-3 intact (3 is the possible duplicate)"
unlike "$T/err" ' reported ' "mid-session drop: each message reported once"
is "$(sed -n 1,2p "$T/out" | cut -d' ' -f1-2 | tr '\n' ' ')" "1 sent 2 sent " \
  "the sent ones are reported first, as the server answers them"

# 10. A server that does not answer: the timeout, not the TCP stack, ends it.
sink_start -w 5
start=$(date +%s)
# shellcheck disable=SC2046
send -T 1000 127.0.0.1 "$SINK_PORT" $(files 1 2)
elapsed=$(($(date +%s) - start))
like "$T/err" "^smtp-send: session 1: 127\.0\.0\.1:$SINK_PORT: timed out: no reply from the server for 1[0-9][0-9][0-9] ms$" \
  "no reply to DATA: timed out after the command timeout"
ok "$([ "$elapsed" -lt 4 ] && echo 0 || echo 1)" "the timeout took ${elapsed}s (< 4)"
is "$(count '^[1-2] deferred 0 ')" 2 "timeout: both deferred"
sink_start -W connect:5
send -T 1000 127.0.0.1 "$SINK_PORT" "$M/m1.eml"
like "$T/err" "timed out: no reply from the server for 1[0-9][0-9][0-9] ms$" \
  "no greeting: timed out after the greeting timeout"
sink_stop

# 11. Nobody listening, and a listener whose queue is full (connect hangs).
port=$(free_port)
send 127.0.0.1 "$port" "$M/m1.eml"
is "$(line 1)" "1 deferred 0 - none not tried: 127.0.0.1:$port: cannot connect: Connection refused" \
  "connection refused: deferred, not tried, host:port named"
"$PYTHON3" - "$port" >"$T/hole.out" <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(0)
# Fill the accept queue; the kernel then drops further SYNs.
fill = []
for _ in range(8):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    fill.append(c)
print("ready", flush=True)
time.sleep(15)
PY
hole=$!
i=0
while ! grep -q ready "$T/hole.out" 2>/dev/null && [ $i -lt 100 ]; do
  sleep 0.05
  i=$((i + 1))
done
start=$(date +%s)
send -c 1000 127.0.0.1 "$port" "$M/m1.eml"
elapsed=$(($(date +%s) - start))
kill "$hole" 2>/dev/null
wait "$hole" 2>/dev/null
is "$(line 1)" "1 deferred 0 - none not tried: 127.0.0.1:$port: cannot connect: timed out after 1000 ms" \
  "a hanging connect ends at the connect timeout"
ok "$([ "$elapsed" -lt 4 ] && echo 0 || echo 1)" "the connect timeout took ${elapsed}s (< 4)"

# 12. STARTTLS required, and the server does not offer it: nothing sent.
sink_start
send -t required 127.0.0.1 "$SINK_PORT" "$M/m1.eml" "$M/m2.eml"
like "$T/err" "^smtp-send: session 1: 127\.0\.0\.1:$SINK_PORT: STARTTLS required but the server does not offer it$" \
  "STARTTLS required, not offered: a clear error"
is "$(count '^[1-2] deferred 0 - none not tried: ')" 2 "both deferred, not tried"
is "$(sink_dumps)" 0 "nothing delivered"

# 13. Messages refused before SMTP, amid good ones.
printf 'Date: x\r\nFrom: a@b\r\nMessage-ID: <1@b>\r\n\r\nbare\nLF\r\n' >"$T/bad.eml"
sink_start
send 127.0.0.1 "$SINK_PORT" "$M/m1.eml" "$T/bad.eml" "bad recipient@x=$M/m3.eml" \
  "$M/m4.eml"
is "$(line 2)" "2 invalid 0 - none line 5: bare LF (lines must end in CRLF)" \
  "a bare LF: invalid, with the line"
is "$(line 3)" "3 invalid 0 - none bad envelope recipient" \
  "a bad recipient: invalid"
is "$(count '^[14] sent 250 ')" 2 "the good ones around them are sent"
is "$(sink_dumps)" 2 "and only they arrive"

# 14. 8-bit bytes need 8BITMIME: sent with BODY=8BITMIME where offered,
# refused for the session where not.
printf 'Date: x\r\nFrom: a@b\r\nMessage-ID: <8@b>\r\n\r\ncaf\303\251\r\n' >"$T/8bit.eml"
sink_start
send 127.0.0.1 "$SINK_PORT" "$T/8bit.eml"
is "$(line 1)" "1 sent 250 2.0.0 dot Ok" "8-bit message sent where 8BITMIME is offered"
grep -h '^X-Mail-Args:' "$SINK_DUMP"/* >"$T/args" 2>/dev/null
like "$T/args" 'BODY=8BITMIME' "with BODY=8BITMIME"
sink_start -8
send 127.0.0.1 "$SINK_PORT" "$T/8bit.eml"
like "$T/err" "a message has 8-bit bytes but the server does not offer 8BITMIME" \
  "no 8BITMIME: the session says why"
is "$(count '^1 deferred 0 ')" 1 "and the message is deferred"

done_testing
