#!/bin/sh
# tests/receive-entry.sh: shortmail-receive, the MTA's entry (dispatch.h):
# the same command line and effect as `shortmail receive`, 75 for any
# mistake, and linked without the libraries only other commands use; and
# the WAL that receive keeps between processes stays bounded (store.h,
# STORE_LAZY_WAL_FRAMES).
. "$top_srcdir/tests/lib.sh"

RECV=$top_builddir/shortmail-receive
sm db init

msg() { # msg N: a subscribe from rN@example.org
  printf 'From: r%s@example.org\r\nTo: digest-request@lists.example.org\r\nSubject: subscribe\r\nMessage-ID: <e%s@example.org>\r\n\r\nsubscribe\r\n' "$1" "$1"
}

msg 0 | "$RECV" receive --recipient digest-request@lists.example.org \
  > "$T/out" 2> "$T/err"
is "$?" 0 "shortmail-receive takes a subscription"
sm sub list --status pending
like "$T/out" 'r0@example\.org' "the reader is pending, as after shortmail receive"
n=$(sql "SELECT count(*) FROM outbox WHERE kind = 'confirm'")
is "$n" 1 "the confirmation is queued"

# The same argv as shortmail's; any mistake in it keeps the mail (75).
msg 1 | "$RECV" --recipient x@y > /dev/null 2> "$T/err"
is "$?" 75 "an option before the command exits 75"
like "$T/err" "shortmail-receive: unrecognized option" "and says which program refused it"
msg 1 | "$RECV" send > /dev/null 2> "$T/err"
is "$?" 75 "another command exits 75, not 64"
like "$T/err" "'send' is not a command" "and names it"
msg 1 | "$RECV" > /dev/null 2>&1
is "$?" 75 "no command at all exits 75"
"$RECV" --help > "$T/out"
like "$T/out" '^  receive ' "--help lists receive"
unlike "$T/out" '^  (send|digest|serve) ' "and no other command"
"$RECV" --version > "$T/out"
like "$T/out" '^shortmail-receive [0-9]' "--version names it"

# Linked with what receiving needs only: the point of the program.
if command -v ldd > /dev/null; then
  ldd "$RECV" > "$T/ldd"
  unlike "$T/ldd" 'libcurl|libesmtp|libmicrohttpd|libssl\.|libcrypto\.|libcmark|libxml2' \
    "no libcurl, libesmtp, libmicrohttpd, OpenSSL, cmark or libxml2 loaded"
  like "$T/ldd" 'libgmime' "GMime is (the message parser)"
fi

# An HTML-only message: libxml2 is loaded when the first HTML body
# comes (html.c), and its commands are read.
printf 'From: h@example.org\r\nTo: digest-request@lists.example.org\r\nSubject: hello\r\nMessage-ID: <html-only@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>subscribe gan <b>cs.LG</b></p><p>Thanks!</p></body></html>\r\n' |
  "$RECV" receive --recipient digest-request@lists.example.org > /dev/null 2> "$T/err"
is "$?" 0 "an HTML-only message: exit 0"
is "$(sql "SELECT group_concat(keyword, ' ') FROM (SELECT i.keyword FROM interests i JOIN subscribers s ON s.id = i.subscriber_id WHERE s.address = 'h@example.org' ORDER BY i.keyword)")" \
  "cs.lg gan" "its command, read from the HTML, subscribed with both keywords"

# The WAL kept between receives is checkpointed before it grows past
# STORE_LAZY_WAL_FRAMES (256 pages): with SQLite's own autocheckpoint
# it grew without end, and every receive read all of it.
i=2
while [ $i -le 61 ]; do
  msg $i | "$RECV" receive --recipient digest-request@lists.example.org ||
    echo "# receive $i: $?"
  i=$((i + 1))
done
wal=$(wc -c < "$T/store.db-wal")
pages=$(((wal - 32) / 4120))
[ "$pages" -le 320 ]
ok $? "the WAL stays under 320 pages ($pages; 61 receives wrote 706 before)"
n=$(sql "SELECT count(*) FROM subscribers WHERE status = 'pending'")
is "$n" 62 "62 readers pending after 61 receives and the HTML one"

done_testing
