#!/bin/sh
# address-cli.sh: the commands that take an address from outside give
# each address of tests/data/addresses.txt the verdict beside it: `sub
# add`, `sub add --confirmed`, `sub import` (exit 0, or 65 naming why)
# and `receive` of a "subscribe" from it (a confirmation queued to that
# very address, or none). tests/test-address.c does the same for the
# library's doors (mime, smtp, bounce, inbound).
. "$top_srcdir/tests/lib.sh"

"$PYTHON3" - "$SHORTMAIL" "$top_srcdir/tests/data/addresses.txt" "$T" <<'PY' > "$T/report"
import os, re, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

sm, corpus, tmp = sys.argv[1:4]

def unescape(s):
    return re.sub(r"\\(\\|x[0-9a-f]{2})",
                  lambda m: "\\" if m.group(1) == "\\" else chr(int(m.group(1)[1:], 16)), s)

entries = []
for line in open(corpus, encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("#") or "\t" not in line:
        continue
    verdict, a = line.split("\t", 1)
    entries.append((verdict == "ok", unescape(a)))

def run(db, args, stdin=None):
    env = dict(os.environ, SHORTMAIL_DB=db)
    p = subprocess.run([sm] + args, input=stdin, env=env, capture_output=True)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

def exit_verdict(rc, err, a):
    if rc == 0:
        return True
    if rc == 65 and "address" in err:
        return False
    return "exit %d: %s" % (rc, err.strip()[:200])

def add(a, n):
    rc, out, err = run(tmp + "/add.db", ["sub", "add", a])
    return exit_verdict(rc, err, a)

def confirmed(a, n):
    rc, out, err = run(tmp + "/confirmed.db", ["sub", "add", "--confirmed", a])
    return exit_verdict(rc, err, a)

def imp(a, n):
    path = "%s/import%d.csv" % (tmp, n)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write('address\n"%s"\n' % a.replace('"', '""'))
    rc, out, err = run(tmp + "/import.db", ["sub", "import", path])
    return exit_verdict(rc, err, a)

def receive(a, n):
    msg = ("From: %s\r\nTo: digest-request@lists.example.org\r\n"
           "Subject: subscribe\r\nMessage-ID: <addr%d@example.net>\r\n"
           "Date: Mon, 23 Nov 2026 09:00:00 +0000\r\n\r\nsubscribe\r\n" % (a, n))
    rc, out, err = run(tmp + "/receive.db",
                       ["receive", "--dry-run", "--recipient", "digest-request@lists.example.org"],
                       msg.encode("utf-8", "surrogateescape"))
    if rc != 0:
        return "exit %d: %s" % (rc, err.strip()[:200])
    m = re.search(r"^would queue confirm to (\S+) ", out, re.M)
    return bool(m) and m.group(1).lower() == a.lower()

doors = [("sub add", add), ("sub add --confirmed", confirmed),
         ("sub import", imp), ("receive", receive)]

def door(d):
    name, fn = d
    return [fn(a, n) for n, (want, a) in enumerate(entries)]

with ThreadPoolExecutor(2) as ex:
    results = list(ex.map(door, doors))

for (name, fn), got in zip(doors, results):
    agree = sum(1 for (want, a), g in zip(entries, got) if g is want)
    print("%s\t%d\t%d" % (name, agree, len(entries)))
    for (want, a), g in zip(entries, got):
        if g is not want:
            print("#\t%s: %r: want %s, got %s" % (name, a, want, g))
PY
for door in "sub add" "sub add --confirmed" "sub import" "receive"; do
  line=$(grep "^$door	" "$T/report")
  agree=$(echo "$line" | cut -f2)
  total=$(echo "$line" | cut -f3)
  diag "$door: $agree of $total addresses get the corpus's verdict"
  [ "${total:-0}" -ge 200 ] && is "$agree" "$total" "$door: one verdict on every address" ||
    ok 1 "$door: the corpus was read ($line)"
  grep "^#	$door:" "$T/report" | head -10
done
done_testing
