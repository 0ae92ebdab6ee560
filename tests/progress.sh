#!/bin/sh
# progress.sh: the progress line of send, digest and sub import, as a
# terminal shows it (stderr on a pseudo-terminal), and nothing of it when
# stderr is a file. SHORTMAIL_PROGRESS_ALL=1 (a test hook) draws every
# update, so that these short runs show a line at all.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/smtp-lib.sh"

SINK_DUMP=$T/sink
SINK_OUT=$T/sink.out
at_exit sink_stop
export SHORTMAIL_NOW=2026-11-23T10:00:00Z SHORTMAIL_PROGRESS_ALL=1

# on_tty OUT CMD...: runs CMD with stdin, stdout and stderr on a
# pseudo-terminal; what the terminal received goes to OUT, with the
# carriage returns and escapes made visible (\r and ESC as "<ESC>").
on_tty() {
  out=$1
  shift
  "$PYTHON3" - "$@" > "$out" <<'PY'
import os, pty, sys
chunks = []
def read(fd):
    data = os.read(fd, 65536)
    chunks.append(data)
    return data
status = pty.spawn(sys.argv[1:], read)
text = b"".join(chunks).decode("utf-8", "replace")
# A pty turns "\n" into "\r\n": show only the carriage returns that are
# the program's own.
text = text.replace("\r\n", "\n").replace("\r", "\\r").replace("\x1b", "<ESC>")
sys.stdout.write(text)
sys.stdout.write("\nexit %d\n" % os.waitstatus_to_exitcode(status))
PY
}

sm ingest "file://$top_srcdir/data/sample-feed.xml"
is "$rc" 0 "sample feed ingested"

# --- sub import: one line per reader on a terminal.
{
  echo "address,status,keywords"
  for i in 1 2 3 4 5; do echo "r$i@example.org,confirmed,cs.lg"; done
} > "$T/readers.csv"
on_tty "$T/tty" "$SHORTMAIL" sub import --confirmed "$T/readers.csv"
like "$T/tty" '^exit 0$' "import on a terminal succeeds"
like "$T/tty" 'import: 5/5 readers \(100%\), [0-9]*/s, 0 s left' \
  "import shows done/total, rate and time left"
like "$T/tty" '\\rimport: 1/5 readers \(20%\)' "the line is redrawn in place"
like "$T/tty" '\\r<ESC>\[K' "the line is cleared at the end"

# --- digest: readers done of those due.
on_tty "$T/tty" "$SHORTMAIL" digest
like "$T/tty" '^exit 0$' "digest on a terminal succeeds"
like "$T/tty" 'digest: 5/5 readers \(100%\)' "digest shows readers done of those due"
like "$T/tty" '5 digests queued' "the summary line follows"

# --- send: messages done of those due, with what went wrong so far.
# sink [OPTIONS]: a new smtp-sink, and the configuration that sends to it.
sink() {
  sink_start "$@"
  cp "$T/shortmail.conf" "$T/send.conf"
  printf '[smtp]\nhost = 127.0.0.1\nport = %s\nstarttls = no\n' "$SINK_PORT" >> "$T/send.conf"
}
sink
sql "UPDATE outbox SET state = 'deferred', next_attempt_at = 0 WHERE recipient = 'r5@example.org'"
on_tty "$T/tty" "$SHORTMAIL" -c "$T/send.conf" send
like "$T/tty" '^exit 0$' "send on a terminal succeeds"
like "$T/tty" 'send: 5/5 messages \(100%\), [0-9]*/s, 0 s left' \
  "send counts the due messages, deferred ones due now among them"
like "$T/tty" '\\rsend: 1/5 messages \(20%\)' "send redraws after each message"
like "$T/tty" 'send: 5 sent, 0 deferred, 0 failed' "the summary line follows"

# A relay that answers 4xx: the line says what went wrong so far.
sink -r rcpt
requeue() { sql "UPDATE outbox SET state = 'queued', next_attempt_at = 0"; }
requeue
on_tty "$T/tty" "$SHORTMAIL" -c "$T/send.conf" send
like "$T/tty" '\\rsend: 1/5 messages \(20%\), [0-9]*/s, [^,]* left, 1 deferred, 0 failed' \
  "deferrals show on the line as they happen"

# --- not a terminal: no line, no escapes, in logs or pipes.
sink
requeue
"$SHORTMAIL" -c "$T/send.conf" send > "$T/out" 2> "$T/err"
like "$T/out" 'send: 5 sent' "the messages went"
unlike "$T/err" 'messages \(' "no progress line when stderr is a file"
ok "$(tr -d '\n' < "$T/err" | grep -c "$(printf '\r')")" "no carriage return in a log"

done_testing
