#!/bin/sh
# fetch-crash.sh: `shortmail fetch` killed with SIGKILL 20 times while it
# drains a mailbox of 500 requests from 500 readers, then left to
# finish: every message must be applied exactly once. Exactly once is
# read from the store (500 readers, 500 confirmations, 500 received
# rows, 500 UIDs taken), from the folders (INBOX empty, 500 messages in
# done, each once) and from the log: no message may reach receive's
# Message-ID check as a duplicate, which would mean the UID record
# failed and only the second guard stood.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/dovecot-lib.sh"

: "${CRASH_MESSAGES:=500}"
: "${CRASH_KILLS:=20}"
dovecot_test_start
printf 'max_messages = 10000\n' >>"$T/shortmail.conf"

# The messages go straight into new/, as an MTA delivers them.
"$PYTHON3" - "$DC_MAIL" "$CRASH_MESSAGES" <<'PY'
import os, sys
mail, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
    name = "1764000000.M%dP1.crash-test" % i
    with open(os.path.join(mail, "tmp", name), "w") as f:
        f.write("From: Reader %d <reader%d@example.org>\r\n"
                "To: digest-request@lists.example.org\r\n"
                "Subject: subscribe\r\n"
                "Message-ID: <crash-%d@example.org>\r\n"
                "Date: Mon, 23 Nov 2026 09:00:00 +0000\r\n\r\n"
                "subscribe cs.LG\r\n" % (i, i, i))
    os.rename(os.path.join(mail, "tmp", name), os.path.join(mail, "new", name))
PY
chown -R "$DC_MAIL_UID" "$DC_MAIL"
is "$(dovecot_count)" "$CRASH_MESSAGES" "$CRASH_MESSAGES requests are in INBOX"

# Kill after a delay that grows with each round, so the kills land in
# every phase of a run: logging in, listing, between commit and move.
# One driver process times the kills: a new interpreter per round made
# the delays as long as the machine was busy, and on a loaded machine a
# run could drain the mailbox before its kill came. A round is also
# killed as soon as it has taken its share of what is left (what is left
# over the kills still to come, plus one), so that a fast machine (500
# messages in 3 s) cannot drain the mailbox in 10 kills either.
start=$(date +%s)
"$PYTHON3" - "$CRASH_KILLS" "$(dc_folder_dir INBOX)" "$T/runs.out" "$T/runs.err" \
  "$SHORTMAIL" fetch >"$T/kills" <<'PY'
import os, signal, subprocess, sys, time
want, inbox, out, err = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
cmd = sys.argv[5:]
def left():
    return sum(len(os.listdir(os.path.join(inbox, d))) for d in ("cur", "new"))
kills = rounds = 0
with open(out, "ab") as o, open(err, "ab") as e:
    while kills < want and left() > 0:
        rounds += 1
        at = left()
        share = max(1, at // (want - kills + 1))
        p = subprocess.Popen(cmd, stdout=o, stderr=e)
        until = time.monotonic() + 0.1 + 0.05 * (rounds % 9)
        while (p.poll() is None and time.monotonic() < until and
               at - left() < share):
            time.sleep(0.005)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait()
print(kills, rounds)
PY
read -r kills round <"$T/kills"
left=$(dovecot_count)
diag "$kills kills in $round runs; $left messages left"
is "$kills" "$CRASH_KILLS" "fetch was killed $CRASH_KILLS times"
[ "$left" -lt "$CRASH_MESSAGES" ]
ok $? "... and the killed runs had begun to drain ($left of $CRASH_MESSAGES left)"
sm fetch
is "$rc" 0 "the last run finishes: exit 0"
elapsed=$(($(date +%s) - start))
diag "drained in $elapsed s"
[ "$elapsed" -lt 60 ]
ok $? "drained in under a minute ($elapsed s)"

is "$(dovecot_count)" 0 "INBOX is empty"
is "$(dovecot_count shortmail-done)" "$CRASH_MESSAGES" "every message is in done"
d=$(dc_folder_dir shortmail-done)
is "$(cat "$d"/cur/* "$d"/new/* 2>/dev/null | grep -c '^Message-ID: <crash-')" \
  "$CRASH_MESSAGES" "... each once"
is "$(cat "$d"/cur/* "$d"/new/* 2>/dev/null | grep '^Message-ID: <crash-' | sort -u | wc -l | tr -d ' ')" \
  "$CRASH_MESSAGES" "... all different"
is "$(sql "SELECT count(*) FROM subscribers WHERE status = 'pending'")" \
  "$CRASH_MESSAGES" "every reader is pending: none lost"
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'confirm'")" \
  "$CRASH_MESSAGES" "one confirmation each"
is "$(sql "SELECT count(*) FROM (SELECT recipient FROM outbox GROUP BY recipient HAVING count(*) > 1)")" \
  0 "no reader has two"
is "$(sql "SELECT count(*) FROM received WHERE outcome = 'command'")" \
  "$CRASH_MESSAGES" "every message is received once, as a command"
is "$(sql "SELECT count(*) FROM imap_taken")" "$CRASH_MESSAGES" \
  "every UID is recorded as taken"
is "$(grep -c 'duplicate: already received' "$log")" 0 \
  "no message came to the Message-ID check twice: 0 applied twice"
taken_again=$(grep -c 'taken on an earlier pass' "$log")
diag "$taken_again messages were applied by a killed run and moved by a later one"

done_testing
