#!/bin/sh
# import-stream.sh: `sub import` reads its file a record at a time
# (csv_file), in bounded memory whatever the file's size, and still
# imports all or nothing. The file's records straddle the reader's
# window, and a run of 20 MB of empty lines (which are no records) lies
# in the middle: the memory it takes must not grow with the file.
. "$top_srcdir/tests/lib.sh"

sm db init
# rss CMD...: runs CMD, prints its peak resident set in KB on the last
# line of $T/rss (stdout and stderr to $T/out and $T/err), status in $rc.
rss() {
  "$PYTHON3" - "$@" >"$T/rss" <<'PY'
import os, resource, subprocess, sys
t = os.environ["T"]
with open(t + "/out", "wb") as out, open(t + "/err", "wb") as err:
    rc = subprocess.call(sys.argv[1:], stdout=out, stderr=err)
print(rc)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
  rc=$(sed -n 1p "$T/rss")
}
export T

# small.csv: 2000 readers, records of 40 to 400 bytes, so that many
# straddle the 64 KB window; big.csv: the same with 20 MB of empty lines
# (LF and CRLF) after the first 1000.
"$PYTHON3" - "$T" <<'PY'
import sys
t = sys.argv[1]
def rows(a, b):
    out = []
    for i in range(a, b):
        kw = " ".join("k%d" % ((i + j) % 97) for j in range(i % 45 + 1))
        if i % 7 == 0:
            out.append('r%d@example.org,"%s"\n' % (i, kw))
        else:
            out.append("r%d@example.org,%s\n" % (i, kw))
    return "".join(out)
head = "address,keywords\n"
with open(t + "/small.csv", "w") as f:
    f.write(head + rows(0, 2000))
with open(t + "/big.csv", "w", newline="") as f:
    f.write(head + rows(0, 1000))
    f.write("\n" * (10 * 1024 * 1024) + "\r\n" * (5 * 1024 * 1024))
    f.write(rows(1000, 2000))
with open(t + "/dup.csv", "w") as f:
    f.write(head + rows(0, 10) + "\n" * (1024 * 1024) + "R3@Example.org,late\n")
PY

rss "$SHORTMAIL" sub import --confirmed "$T/small.csv"
small=$(sed -n 2p "$T/rss")
is "$rc" 0 "2000 readers import"
is "$(sql "SELECT count(*) FROM subscribers")" 2000 "all 2000 are readers"
is "$(sql "SELECT count(*) FROM interests WHERE subscriber_id = (SELECT id FROM subscribers WHERE address = 'r1979@example.org')")" \
  45 "r1979 has all 45 keywords"

rm -f "$T"/store.db*
sm db init
rss "$SHORTMAIL" sub import --confirmed "$T/big.csv"
big=$(sed -n 2p "$T/rss")
is "$rc" 0 "the file with 20 MB of empty lines imports"
like "$T/out" '2000 readers imported' "all 2000 readers, across the empty lines"
is "$(sql "SELECT count(*) FROM subscribers")" 2000 "all 2000 are in the store"
# r1001: 1001 % 45 + 1 = 12 keywords, k31 to k42.
is "$(sql "SELECT count(*) || ' ' || min(keyword) || ' ' || max(keyword) FROM interests i JOIN subscribers s ON s.id = i.subscriber_id WHERE s.address = 'r1001@example.org'")" \
  "12 k31 k42" "the first reader after the empty lines is whole"
diag "peak memory: $small KB for the file of 0.4 MB, $big KB for 20 MB"
[ $((big - small)) -lt 8192 ]
ok $? "20 MB more of file takes less than 8 MB more memory ($((big - small)) KB)"

# All or nothing: a second row of one address, a megabyte of empty
# lines after the first, rolls back the whole import.
rm -f "$T"/store.db*
sm db init
sm sub import "$T/dup.csv"
is "$rc" 65 "a second row of one address: exit 65"
like "$T/err" 'dup\.csv:1048588: R3@example\.org is on line 5 already; nothing imported' \
  "the message names both lines"
is "$(sql "SELECT count(*) FROM subscribers")" 0 "nothing was imported"

# A file that cannot be read to its end (a directory) is refused.
sm sub import "$T"
[ "$rc" -ne 0 ]
ok $? "a directory is refused"
is "$(sql "SELECT count(*) FROM subscribers")" 0 "and nothing is imported"

done_testing
