# tests/postfix-lib.sh: a private Postfix instance for the end-to-end
# tests of the inbound path. Source it after tests/lib.sh:
#
#   postfix_start [ARGV...]   start an instance under $T/postfix whose
#                             "shortmail" pipe service runs ARGV (default:
#                             shortmail receive); SMTP on 127.0.0.1:$PF_PORT
#   postfix_send FROM TO FILE submit FILE over SMTP (TO may be a
#                             comma-separated list; FROM "" is the null
#                             sender); prints the queue ID
#   postfix_wait_delivered COUNT [TIMEOUT]
#   postfix_wait_deferred COUNT [TIMEOUT]
#   postfix_wait_bounced COUNT [TIMEOUT]
#                             wait for COUNT new outcomes of the shortmail
#                             transport in the maillog; any other outcome
#                             for the list domain, a fatal error or the
#                             timeout fails (returns 1) and prints the log
#                             as TAP diagnostics
#   postfix_flush             retry everything in the queue now
#   postfix_queue_count       prints how many messages are queued
#   postfix_stop              stop the instance (registered with at_exit)
#
# The system instance (/etc/postfix, /var/spool/postfix) is never used:
# everything, including the master's pid and lock files, lives under $T.
# Needs root (the master runs as root; daemons drop to $PF_OWNER).

: "${PF_OWNER:=postfix}"   # mail_owner: owns the queue and data directory
: "${PF_USER:=nobody}"     # the pipe command's user (pipe refuses root)
: "${PF_DOMAIN:=lists.example.org}"
PF_DIR=$T/postfix
PF_ETC=$PF_DIR/etc
PF_SPOOL=$PF_DIR/spool
PF_DATA=$PF_DIR/data
PF_LOG=$PF_DIR/maillog
PF_MARK=$PF_DIR/maillog.mark # lines of the maillog already accounted for
PF_PORT=
pf_started=0

# pf_diag FILE: the file's lines as TAP diagnostics.
pf_diag() { [ -f "$1" ] && sed 's/^/#   /' "$1"; return 0; }

# pf_argv WORD...: the words as a master.cf argv. Postfix 3.0 and later
# accept "{ ... }" around an argument that contains white space.
pf_argv() {
  sep=
  for a in "$@"; do
    case $a in
    *[[:space:]]*) printf '%s{ %s }' "$sep" "$a" ;;
    *) printf '%s%s' "$sep" "$a" ;;
    esac
    sep=' '
  done
}

# postfix_grant: lets the pipe user use the test directory. The store
# lives directly in $T, and SQLite creates its -wal and -shm files next to
# it, so $T itself must be writable by that user; the database file must
# be owned by it (SQLite running as root gives the journal files it
# creates the owner of the database, so the tests' own sqlite3 and
# shortmail calls as root keep working). Call again after creating the
# store as root. The secret stays private to the pipe user, as on a
# real installation.
postfix_grant() {
  chown "$PF_USER" "$T" || return 1
  chmod 0711 "$T" # the postfix user must reach $T/postfix
  for f in "$T"/store.db "$T"/store.db-wal "$T"/store.db-shm "$T"/secret; do
    [ -e "$f" ] && chown "$PF_USER" "$f"
  done
  chmod 0600 "$T/secret"
}

postfix_start() {
  if [ "$(id -u)" != 0 ]; then
    echo "# postfix_start: needs root (the Postfix master runs as root)"
    return 1
  fi
  if ! command -v postfix >/dev/null 2>&1 ||
    ! [ -x /usr/lib/postfix/sbin/master ]; then
    echo "# postfix_start: Postfix is not installed (scripts/install-deps)"
    return 1
  fi
  if [ $# -eq 0 ]; then
    # The ${...} are pipe(8) macros, not shell expansions.
    # shellcheck disable=SC2016
    set -- "$SHORTMAIL" -c "$T/shortmail.conf" receive \
      --recipient '${recipient}' --sender '${sender}'
  fi
  PF_PORT=$(free_port) || return 1
  mkdir -p "$PF_ETC" "$PF_SPOOL" "$PF_DATA" || return 1
  # Ownership as postfix-files(5) wants it: the queue directory root's,
  # its subdirectories (made by "postfix start") and the data directory
  # the mail owner's.
  chmod 0755 "$PF_DIR" "$PF_ETC" "$PF_SPOOL"
  chown "$PF_OWNER" "$PF_DATA" && chmod 0700 "$PF_DATA" || return 1
  postfix_grant || return 1

  # main.cf: only what differs from the compiled-in defaults. No local
  # delivery and no outbound mail: the list domain is a relay domain
  # routed to the pipe; anything else (bounces to the test's made-up
  # senders, postmaster notices) ends in the error transport at once
  # instead of waiting on DNS.
  cat >"$PF_ETC/main.cf" <<EOF || return 1
compatibility_level = 3.6
queue_directory = $PF_SPOOL
data_directory = $PF_DATA
mail_owner = $PF_OWNER
syslog_name = postfix-shortmail-test
maillog_file = $PF_LOG
maillog_file_prefixes = $T
myhostname = localhost
mydomain = localdomain
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
relay_domains = $PF_DOMAIN
transport_maps = inline:{ $PF_DOMAIN=shortmail: }
shortmail_destination_recipient_limit = 1
recipient_delimiter = +
alias_maps =
alias_database =
local_recipient_maps =
local_transport = error:5.1.1 no local delivery in the test instance
default_transport = error:5.7.1 no outbound mail from the test instance
smtputf8_enable = no
biff = no
notify_classes =
smtpd_banner = \$myhostname ESMTP shortmail test instance
EOF

  # master.cf: the services this instance needs, none chrooted (the
  # chroot would need a copy of /etc and of the libraries).
  {
    cat <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
shortmail unix  -       n       n       -       -       pipe
EOF
    printf '  flags=RXhq user=%s null_sender= argv=%s\n' "$PF_USER" \
      "$(pf_argv "$@")"
  } >"$PF_ETC/master.cf" || return 1

  echo 0 >"$PF_MARK"
  # Registered first, so that an instance that half started is stopped.
  # A shell killed by a signal skips its EXIT trap; a master left behind
  # would run as root until the next reboot, so signals exit normally.
  at_exit postfix_stop
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 141' PIPE
  trap 'exit 143' TERM
  pf_started=1
  if ! postfix -c "$PF_ETC" start >"$PF_DIR/start.out" 2>&1; then
    echo "# postfix -c $PF_ETC start failed:"
    pf_diag "$PF_DIR/start.out"
    pf_diag "$PF_LOG"
    return 1
  fi
  if ! wait_port "$PF_PORT"; then
    echo "# the Postfix SMTP server did not listen on 127.0.0.1:$PF_PORT"
    pf_diag "$PF_DIR/start.out"
    pf_diag "$PF_LOG"
    return 1
  fi
  return 0
}

postfix_stop() {
  [ "$pf_started" = 1 ] || return 0
  pf_started=0
  pid=$(sed 1q "$PF_SPOOL/pid/master.pid" 2>/dev/null | tr -d ' ')
  postfix -c "$PF_ETC" stop >/dev/null 2>&1
  # Wait for this master (by its pid) to go, so that no daemon of it
  # still writes under $T while the directory is removed.
  if [ -n "$pid" ]; then
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
      sleep 0.05
      i=$((i + 1))
    done
  fi
  return 0
}

# postfix_send FROM TO FILE: one SMTP transaction. Line ends become CRLF
# (smtplib sends bytes unchanged). Prints the queue ID from the reply to
# DATA; on a refusal prints the server's reply on stderr and returns 1.
postfix_send() {
  "$PYTHON3" - "$PF_PORT" "$1" "$2" "$3" <<'PY'
import re, smtplib, sys
port, sender, rcpts, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
with open(path, "rb") as f:
    data = re.sub(rb"\r?\n", b"\r\n", f.read())
# local_hostname: smtplib would otherwise look up the FQDN (DNS).
s = smtplib.SMTP("127.0.0.1", port, local_hostname="localhost", timeout=30)
try:
    s.ehlo()
    code, resp = s.mail(sender)
    if code != 250:
        sys.exit("MAIL FROM:<%s>: %d %s" % (sender, code, resp.decode()))
    for r in rcpts.split(","):
        code, resp = s.rcpt(r)
        if code not in (250, 251):
            sys.exit("RCPT TO:<%s>: %d %s" % (r, code, resp.decode()))
    code, resp = s.data(data)
    if code != 250:
        sys.exit("DATA: %d %s" % (code, resp.decode()))
    m = re.search(r"queued as (\w+)", resp.decode())
    print(m.group(1) if m else "")
finally:
    s.quit()
PY
}

# pf_wait STATUS COUNT TIMEOUT: see postfix_wait_delivered.
pf_wait() {
  "$PYTHON3" - "$PF_LOG" "$PF_MARK" "$PF_DOMAIN" "$1" "$2" "$3" <<'PY'
import re, sys, time
log, markfile, domain, want, count, timeout = sys.argv[1:7]
count, timeout = int(count), float(timeout)
mark = int(open(markfile).read())
# A delivery outcome: "QID: to=<rcpt>, [orig_to=<...>,] relay=R, ...
# status=S (reason)".
outcome = re.compile(r": to=<([^>]*)>,.* relay=([^,]+),.* status=(\w+)")
fatal = re.compile(r"\b(fatal|panic):")

def fail(why, lines):
    print("# " + why)
    for l in lines:
        print("#   " + l.rstrip("\n"))
    # The next wait judges only what happens after this one.
    with open(markfile, "w") as f:
        f.write("%d\n" % (mark + len(lines)))
    sys.exit(1)

end = time.time() + timeout
while True:
    try:
        with open(log, errors="replace") as f:
            lines = f.readlines()[mark:]
    except FileNotFoundError:
        lines = []
    seen = 0
    for i, l in enumerate(lines):
        if fatal.search(l):
            fail("Postfix reported a fatal error:", lines)
        m = outcome.search(l)
        if not m or not m.group(1).lower().endswith("@" + domain):
            continue
        if m.group(2) == "shortmail" and m.group(3) == want:
            seen += 1
            if seen == count:
                with open(markfile, "w") as f:
                    f.write("%d\n" % (mark + i + 1))
                sys.exit(0)
        else:
            fail("wanted status=%s via shortmail, got:" % want, lines)
    if time.time() > end:
        fail("timed out after %gs waiting for %d x status=%s (saw %d); "
             "maillog since the last wait:" % (timeout, count, want, seen),
             lines)
    time.sleep(0.05)
PY
}

postfix_wait_delivered() { pf_wait sent "$1" "${2:-20}"; }
postfix_wait_deferred() { pf_wait deferred "$1" "${2:-20}"; }
postfix_wait_bounced() { pf_wait bounced "$1" "${2:-20}"; }

# postfix_flush: asks the queue manager to retry all queued mail now,
# deferred mail included, whatever its backoff time.
postfix_flush() { postqueue -c "$PF_ETC" -f; }

# postfix_queue_count: the number of messages in the queue (any state).
postfix_queue_count() { postqueue -c "$PF_ETC" -j | grep -c .; }
