#!/bin/sh
# digest-spam.sh: SpamAssassin's local rules (spamassassin -L: no DNS,
# no network tests, no Bayes) on every digest the sample feed gives the
# five readers of tests/digest-lib.sh. Each digest's score is printed as
# a TAP diagnostic; a digest passes when it is far from spam (score below
# 1, where 5 is spam) and no rule fires but those allowed below: none of
# the MIME, HTML, header, date or body rules may hit.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/digest-lib.sh"

: "${SPAMASSASSIN:=spamassassin}"

if ! command -v "$SPAMASSASSIN" >/dev/null 2>&1; then
  ok 1 "spamassassin is installed (scripts/install-deps installs it)"
  done_testing
  exit 1
fi

digest_store --layout
ok $? "a store from the sample feed (and a layout test item) with five readers"
digest_previews "$T/p"
ok $? "shortmail preview --eml for every reader"

# One mbox with every digest: a single SpamAssassin run (its start-up,
# loading thousands of rules, is most of its time).
# shellcheck disable=SC2086 # one argument per reader
"$PYTHON3" - "$T/digests.mbox" "$T/p" $digest_readers <<'PY'
import mailbox, sys
box = mailbox.mbox(sys.argv[1], create=True)
for a in sys.argv[3:]:
    box.add(mailbox.mboxMessage(open("%s/%s.eml" % (sys.argv[2], a), "rb").read()))
box.close()
PY
ok $? "an mbox of the five digests"

mkdir -p "$T/sa"
: >"$T/sa/user_prefs"
# HOME and -p keep its state out of the real home; -x creates no prefs.
HOME=$T/sa "$SPAMASSASSIN" -L -t -x -p "$T/sa/user_prefs" \
  --cf='use_bayes 0' --cf='bayes_auto_learn 0' --mbox \
  <"$T/digests.mbox" >"$T/sa.out" 2>"$T/sa.err"
ok $? "spamassassin -L -t ran"
grep -v 'dbus\|^$' "$T/sa.err" | head -5 | sed 's/^/#   /'

# "ok NAME" or "fail NAME<TAB>DETAIL" per check, and "# ..." diagnostics.
# shellcheck disable=SC2086
"$PYTHON3" - "$T/sa.out" $digest_readers >"$T/sa.check" 2>"$T/sa.check.err" <<'PY'
import mailbox, re, sys

# Rules that may fire, and why:
ALLOWED = {
    # Informational (0.001): the message has an HTML part, as intended.
    "HTML_MESSAGE",
    # Negative score: the list headers (List-Id, List-Unsubscribe,
    # Precedence...) are recognised as a real list's.
    "MAILING_LIST_MULTI",
    # Informational (-0.0): the test runs on the message as shortmail
    # hands it to the MTA, before any Received header is added.
    "NO_RECEIVED", "NO_RELAYS",
    # 0.001, a false positive: a base32 reply token ending in c/k + i/l/y
    # followed by "@lists" reads as "c?alis" to this fuzzy rule.
    "FUZZY_CPILL",
}
# Families that only results of DNS, signatures or external services can
# fire (DKIM signing belongs to the MTA): absent with -L, and a verdict
# on the infrastructure, not on the message, when present.
ALLOWED_PREFIXES = ("DKIM_", "SPF_", "DMARC_", "KAM_DMARC", "RCVD_IN_", "URIBL_",
                    "DCC_", "RAZOR2_", "PYZOR_", "TXREP")

def check(cond, name, detail=""):
    if cond:
        print("ok\t" + name)
    else:
        print("fail\t%s\t%s" % (name, detail))

want = sys.argv[2:]
seen = []
for msg in mailbox.mbox(sys.argv[1]):
    rcpt = (msg.get("To") or "").strip()
    seen.append(rcpt)
    # Unfolded; the folds come after the commas of the tests list.
    status = re.sub(r",\s+", ",", re.sub(r"\s+", " ", msg.get("X-Spam-Status") or ""))
    m = re.match(r"(Yes|No), ?score=(-?[0-9.]+) required=([0-9.]+) tests=(\S*)", status)
    check(m is not None, "%s: SpamAssassin's verdict is there" % rcpt, status)
    if not m:
        continue
    verdict, score = m.group(1), float(m.group(2))
    tests = [t for t in m.group(4).split(",") if t and t != "none"]
    print("# %s: score %.1f (required %s): %s" % (rcpt, score, m.group(3),
                                                  " ".join(tests) or "no rule"))
    # The report's table: points per rule.
    report = msg.as_bytes().decode("utf-8", "replace").replace("\r\n", "\n")
    report = report.split("Content analysis details:", 1)[-1]
    for line in re.findall(r"^ *-?[0-9.]+ [A-Z0-9_]+ .*$", report, re.M)[:20]:
        print("#     " + line.strip())
    check(verdict == "No" and score < 1.0,
          "%s: far from spam (score %.1f < 1.0)" % (rcpt, score), status)
    bad = [t for t in tests if t not in ALLOWED and not t.startswith(ALLOWED_PREFIXES)]
    check(not bad, "%s: no rule outside the allowed list fires" % rcpt, " ".join(bad))
    for family in ("MIME_", "HTML_", "HEADER_", "MISSING_", "INVALID_", "DATE_",
                   "MPART_", "FORGED_", "TVD_", "T_"):
        hits = [t for t in tests if t.startswith(family) and t != "HTML_MESSAGE"]
        check(not hits, "%s: no %s* rule" % (rcpt, family), " ".join(hits))
check(sorted(seen) == sorted(want), "every digest was checked", seen)
PY
ok $? "the report was read"
sed 's/^/#   /' "$T/sa.check.err"
ok_results "$T/sa.check"

done_testing
