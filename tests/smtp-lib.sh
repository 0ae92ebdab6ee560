# tests/smtp-lib.sh: helpers for the tests of the smtp module. Source it
# after tests/lib.sh.
#
#   smtp_messages DIR COUNT   write COUNT messages DIR/m1.eml ... (CRLF,
#                             complete headers, bodies with leading dots,
#                             998-octet lines, sizes from 1 to 60 KB)
#   sink_start [OPTIONS...]   start Postfix's smtp-sink on a free port
#                             ($SINK_PORT), dumping each message under
#                             $SINK_DUMP; its counters go to $SINK_OUT
#   sink_stop                 stop it (registered with at_exit)
#   script_start MODE...      start tests/smtp-script.py ($SCRIPT_PORT)
#   sink_dumps                how many messages it dumped
#   sink_compare DIR          compare every dump with DIR/mN.eml (N from
#                             its rcpt+N@ recipient) and its envelope;
#                             prints "ok N" or what differs, one line each
#   send ARGS...              run the driver: stdout $T/out, stderr
#                             $T/err, status $rc
#   line N                    the driver's output line for message N

: "${SMTP_SEND:=$top_builddir/tests/smtp-send}"
SINK_PORT=
SINK_PID=
SINK_DUMP=$T/dump
SINK_OUT=$T/sink.out

smtp_messages() {
  "$PYTHON3" - "$1" "$2" <<'PY'
import os, random, sys
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
rnd = random.Random(42)
for i in range(1, n + 1):
    h = ("Date: Mon, 23 Nov 2026 02:34:08 +0000\r\n"
         "From: Digest <digest@lists.example.org>\r\n"
         "To: reader%d@example.com\r\n"
         "Message-ID: <digest.%d@lists.example.org>\r\n"
         "Subject: =?UTF-8?Q?Weekly_digest_=E2=80=94_%d?=\r\n"
         "MIME-Version: 1.0\r\n"
         "List-Id: <digest.lists.example.org>\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: 7bit\r\n\r\n") % (i, i, i)
    size = rnd.choice([1, 200, 5000, 20000, 60000])
    lines = []
    total = 0
    j = 0
    while total < size:
        j += 1
        if j % 7 == 0:
            l = ".a line that starts with a dot %d" % j
        elif j % 11 == 0:
            l = "."
        elif j % 13 == 0:
            l = "x" * 998
        elif j % 17 == 0:
            l = ""
        else:
            l = "".join(rnd.choice("abcdefghij klmnopqrstuvwxyz.,") for _ in range(rnd.randint(0, 90)))
        lines.append(l)
        total += len(l) + 2
    with open(os.path.join(d, "m%d.eml" % i), "wb") as f:
        f.write((h + "\r\n".join(lines) + "\r\n").encode())
PY
}

# stop_server PID: stops a server this test started, and reaps it.
stop_server() {
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  return 0
}

sink_stop() {
  stop_server "$SINK_PID"
  SINK_PID=
}

# script_start MODE...: tests/smtp-script.py on $SCRIPT_PORT, its log of
# transactions in $T/script.log; script_stop stops it.
SCRIPT_PID=
script_stop() {
  stop_server "$SCRIPT_PID"
  SCRIPT_PID=
}
script_start() {
  script_stop
  : >"$T/script.log"
  SCRIPT_PORT=$(free_port) || return 1
  "$PYTHON3" "$top_srcdir/tests/smtp-script.py" "$SCRIPT_PORT" \
    "$T/script.log" "$@" &
  SCRIPT_PID=$!
  wait_port "$SCRIPT_PORT"
}

sink_start() {
  sink_stop
  rm -rf "$SINK_DUMP"
  mkdir -p "$SINK_DUMP"
  SINK_PORT=$(free_port) || return 1
  # smtp-sink wants -u USER when started as root; staying root lets it
  # write into $T (mode 0700).
  set -- -c -d "$SINK_DUMP/%M%S." "$@"
  [ "$(id -u)" = 0 ] && set -- -u root "$@"
  # -c: counters (sessions, QUITs, messages) on stdout after each session.
  smtp-sink "$@" "127.0.0.1:$SINK_PORT" 100 >"$SINK_OUT" 2>&1 &
  SINK_PID=$!
  wait_port "$SINK_PORT"
}

sink_dumps() { find "$SINK_DUMP" -type f | wc -l | tr -d ' '; }

# The counters after the last session, "sess=N quit=N mesg=N".
sink_counters() {
  tr '\r' '\n' <"$SINK_OUT" | grep -o 'sess=[0-9]* quit=[0-9]* mesg=[0-9]*' |
    tail -1
}

sink_compare() {
  "$PYTHON3" - "$1" "$SINK_DUMP" <<'PY'
import os, re, sys
src, dump = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(dump)):
    d = open(os.path.join(dump, name), "rb").read()
    m = re.search(rb"^X-Rcpt-Args: <rcpt\+(\d+)@example\.com>\n", d, re.M)
    if not m:
        print("%s: no recipient" % name)
        continue
    n = int(m.group(1))
    if not re.search(rb"^X-Mail-Args: <bounce\+%d@lists\.example\.org>" % n, d, re.M):
        print("%d: wrong envelope sender" % n)
        continue
    # smtp-sink's own lines end with a three-line Received header; then
    # the message as received (dot stuffing undone, CRLF as LF), then an
    # empty line.
    i = d.index(b"\nReceived: ") + 1
    lines = d[i:].split(b"\n")
    k = 1
    while lines[k].startswith(b"\t"):
        k += 1
    got = b"\n".join(lines[k:])
    want = open(os.path.join(src, "m%d.eml" % n), "rb").read()
    # The comparison is exact: the input has CRLF only (smtp_check_message
    # insists), so CRLF -> LF loses nothing.
    want = want.replace(b"\r\n", b"\n") + b"\n"
    if got == want:
        print("ok %d" % n)
    else:
        p = next((j for j in range(min(len(got), len(want))) if got[j] != want[j]),
                 min(len(got), len(want)))
        print("%d: differs at byte %d (got %d bytes, want %d): %r vs %r"
              % (n, p, len(got), len(want), got[p:p+40], want[p:p+40]))
PY
}

send() {
  "$SMTP_SEND" "$@" >"$T/out" 2>"$T/err"
  rc=$?
  return 0
}

line() { sed -n "/^$1 /p" "$T/out"; }
