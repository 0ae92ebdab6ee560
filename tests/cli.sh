#!/bin/sh
# cli.sh: the command line: help, version, dispatch, global options,
# configuration errors, exit codes, `db` and an empty `summaries`.
. "$top_srcdir/tests/lib.sh"

sm --version
is "$rc" 0 "--version exits 0"
like "$T/out" '^shortmail [0-9]+\.[0-9]+\.[0-9]+$' "--version prints the version"

sm help
is "$rc" 0 "help exits 0"
for c in ingest receive digest preview send queue sub summaries db config help; do
  like "$T/out" "^  $c " "help lists $c"
done

for c in ingest receive digest preview send queue sub summaries db config; do
  sm "$c" --help
  is "$rc" 0 "$c --help exits 0"
  like "$T/out" "^usage: shortmail $c" "$c --help prints its usage"
  sm help "$c"
  like "$T/out" "^usage: shortmail $c" "help $c prints the same"
done

sm frobnicate
is "$rc" 64 "an unknown command exits 64 (EX_USAGE)"
like "$T/err" "'frobnicate' is not a command" "and says so"

sm summaries --bogus
is "$rc" 64 "an unknown option exits 64"
like "$T/err" "Try 'shortmail summaries --help'" "and points to --help"

sm
is "$rc" 64 "no command exits 64"

# Configuration errors name file:line and exit 78 (EX_CONFIG).
printf '[list]\naddress = digest@lists.example.org\n\n[smtp]\nprot = 25\n' > "$T/bad.conf"
sm -c "$T/bad.conf" summaries
is "$rc" 78 "an unknown key exits 78"
like "$T/err" "bad.conf:5: unknown key \"prot\" in \[smtp\]" "message names file:line and key"

sm -c "$T/missing.conf" summaries
is "$rc" 78 "a named configuration file that is missing exits 78"
like "$T/err" "missing.conf: cannot read configuration" "and names it"

SHORTMAIL_CONFIG=$T/bad.conf sm config
is "$rc" 78 "SHORTMAIL_CONFIG is read too"

sm config
is "$rc" 0 "config prints the configuration"
like "$T/out" "^# read from $T/shortmail.conf" "naming the file read"
like "$T/out" "^address = digest@lists.example.org" "with the values"
like "$T/out" "^port = 25$" "and the defaults"
# The printed configuration is itself a valid configuration file.
cp "$T/out" "$T/dumped.conf"
sm -c "$T/dumped.conf" config
is "$rc" 0 "config's output reads back as a configuration"

# The store: created on first use, migrated, checked.
sm db version
is "$rc" 0 "db version"
like "$T/out" "^store schema version [0-9]+; this shortmail knows [0-9]+" "prints both versions"
sm db migrate
like "$T/out" "^store migrated from schema version 0 to [0-9]+" "db migrate creates the schema"
sm db migrate
like "$T/out" "nothing to do" "db migrate on a current store"
sm db check
is "$rc" 0 "db check on a new store"
like "$T/out" "^store is consistent" "says it is consistent"
is "$(sql 'PRAGMA journal_mode')" "wal" "the store uses WAL"

sm --db "$T/other.db" db migrate
is "$rc" 0 "--db names another store"
like "$T/out" "migrated from schema version 0 to" "a new store is created"
test -f "$T/other.db"; ok $? "at the --db path"
SHORTMAIL_DB=$T/env.db sm db migrate
test -f "$T/env.db"; ok $? "SHORTMAIL_DB names it too"

sm --db "$T/no/such/dir/x.db" summaries
is "$rc" 73 "a store whose directory is missing exits 73 (EX_CANTCREAT)"
like "$T/err" "store's directory $T/no/such/dir does not exist" "and names the directory"
printf 'From: a@example.org\nTo: digest-request@lists.example.org\nSubject: help\n\nhelp\n' |
  "$SHORTMAIL" --db "$T/no/such/dir/x.db" receive --recipient digest-request@lists.example.org \
    --sender a@example.org >"$T/out" 2>"$T/err"
is "$?" 75 "but receive exits 75 for it, so the MTA keeps the message"
like "$T/err" "no/such/dir/x.db" "message names the path"

sm summaries
is "$rc" 0 "summaries on an empty store"
like "$T/out" "^no summaries yet" "says there are none"
sm summaries --json
is "$(cat "$T/out")" "[]" "--json on an empty store prints []"
sm summaries --match '"unbalanced'
is "$rc" 64 "a bad --match query is a usage error"
like "$T/err" "--match: " "naming the option"
sm summaries --since yesterday
is "$rc" 64 "a bad --since date is a usage error"

done_testing
