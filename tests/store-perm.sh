#!/bin/sh
# store-perm.sh: a store that this user may not open is named, with its
# cause and fix, and exits with its own sysexits code: a missing
# directory 73, an owner or a mode 77; `db check` never calls a healthy
# but unwritable store damaged; as root, a new store in a service user's
# directory belongs to that user.
. "$top_srcdir/tests/lib.sh"

# The other user: as root, nobody (runuser); otherwise ourselves, kept
# out by modes alone (the owner cases then have no second user to show).
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
  other="runuser -u nobody --"
  chmod 755 "$T"
else
  other=""
fi
as_other() {
  $other "$SHORTMAIL" -c "$T/p.conf" "$@" >"$T/out" 2>"$T/err"
  rc=$?
}
conf() { printf '[store]\npath = %s\n' "$1" > "$T/p.conf"; chmod 644 "$T/p.conf"; }

conf "$T/nodir/shortmail.db"
as_other db check
is "$rc" 73 "a missing store directory exits 73 (EX_CANTCREAT)"
like "$T/err" "store's directory $T/nodir does not exist" "and names the directory"
like "$T/err" "mkdir -p $T/nodir" "and says how to create it"
test ! -e "$T/nodir"
ok $? "and creates nothing"

mkdir "$T/s"
conf "$T/s/shortmail.db"
"$SHORTMAIL" -c "$T/p.conf" db migrate >/dev/null 2>&1
chmod 444 "$T/s/shortmail.db"
[ -n "$other" ] || chmod 555 "$T/s/shortmail.db"
as_other db check
is "$rc" 77 "db check on a store this user cannot write exits 77 (EX_NOPERM)"
like "$T/err" "the store is owned by [^ ]+ \(mode 4[0-9]{2}\) and [^ ]+ cannot write it" \
  "and says whose it is and who cannot write it"
unlike "$T/out" "problem|fts5|readonly" "and calls no healthy store damaged"
unlike "$T/err" "readonly database|integrity" "nor prints SQLite's own words"

as_other summaries
is "$rc" 77 "any command on it exits 77"

chmod 644 "$T/s/shortmail.db"
[ -n "$other" ] && chown nobody "$T/s/shortmail.db"
rm -f "$T/s/shortmail.db-wal" "$T/s/shortmail.db-shm"
chmod 555 "$T/s"
as_other db check
is "$rc" 77 "a store directory without write permission exits 77"
like "$T/err" "not writable by .*-wal and .*-shm beside the store" \
  "and says SQLite needs its -wal and -shm files there"

chmod 755 "$T/s"
[ -n "$other" ] && chown nobody "$T/s"
as_other db check
is "$rc" 0 "once fixed, db check passes"
like "$T/out" "^store is consistent$" "and calls the store consistent"

if [ -n "$other" ]; then
  mkdir "$T/svc"
  chown nobody "$T/svc"
  conf "$T/svc/shortmail.db"
  "$SHORTMAIL" -c "$T/p.conf" db migrate >"$T/out" 2>"$T/err"
  is "$?" 0 "root creates a store in the service user's directory"
  is "$(stat -c %U "$T/svc/shortmail.db")" nobody \
    "owned by the directory's owner, not by root"
  like "$T/err" "created for nobody, the owner of its directory" "and says so"
  as_other sub list
  is "$rc" 0 "which the service user then opens"
else
  diag "not root: the cases of another user's store are shown by modes only"
fi

done_testing
