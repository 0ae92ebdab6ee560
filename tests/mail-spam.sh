#!/bin/sh
# mail-spam.sh: SpamAssassin's local rules (spamassassin -L: no DNS, no
# network tests, no Bayes) on one message of every kind the list sends
# (tests/mail-lib.sh: digests, confirmation, welcome, command reply,
# comment notification, notice). Each passes at a score of 0 or below;
# every score is printed.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/mail-lib.sh"

: "${SPAMASSASSIN:=spamassassin}"
if ! command -v "$SPAMASSASSIN" >/dev/null 2>&1; then
  ok 1 "spamassassin is installed (scripts/install-deps installs it)"
  done_testing
  exit 1
fi

mail_kinds "$T/m"
ok $? "one message of every kind"
echo "# kinds: $mail_kinds_made"
# shellcheck disable=SC2086 # one argument per kind
"$PYTHON3" - "$T/all.mbox" "$T/m" $mail_kinds_made <<'PY'
import mailbox, sys
box = mailbox.mbox(sys.argv[1], create=True)
for k in sys.argv[3:]:
    m = mailbox.mboxMessage(open("%s/%s.eml" % (sys.argv[2], k), "rb").read())
    m["X-Look-Kind"] = k
    box.add(m)
box.close()
PY
ok $? "an mbox of every kind"
mkdir -p "$T/sa"
: >"$T/sa/user_prefs"
HOME=$T/sa "$SPAMASSASSIN" -L -t -x -p "$T/sa/user_prefs" \
  --cf='use_bayes 0' --cf='bayes_auto_learn 0' --mbox \
  <"$T/all.mbox" >"$T/sa.out" 2>"$T/sa.err"
ok $? "spamassassin -L -t ran"
# shellcheck disable=SC2086
"$PYTHON3" - "$T/sa.out" $mail_kinds_made >"$T/sa.check" <<'PY'
import mailbox, re, sys
seen = []
for msg in mailbox.mbox(sys.argv[1]):
    k = (msg.get("X-Look-Kind") or "?").strip()
    seen.append(k)
    status = re.sub(r",\s+", ",", re.sub(r"\s+", " ", msg.get("X-Spam-Status") or ""))
    m = re.match(r"(Yes|No), ?score=(-?[0-9.]+) required=([0-9.]+) tests=(\S*)", status)
    if not m:
        print("fail\t%s: SpamAssassin's verdict is there\t%s" % (k, status))
        continue
    score = float(m.group(2))
    print("# %s: score %.1f: %s" % (k, score, m.group(4)))
    print(("ok\t%s: score %.1f <= 0" % (k, score)) if m.group(1) == "No" and score <= 0
          else ("fail\t%s: score %.1f <= 0\t%s" % (k, score, m.group(4))))
print(("ok\tevery kind was checked") if sorted(seen) == sorted(sys.argv[2:])
      else ("fail\tevery kind was checked\t%s" % seen))
PY
ok_results "$T/sa.check"
done_testing
