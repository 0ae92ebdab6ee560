#!/bin/sh
# sub-cli.sh: `shortmail sub`, the operators' reader commands: add with
# and without --confirmed (and what mail each queues), bad keywords and
# addresses, del, list and show as tables and JSON, export and import
# (round trip into a fresh store, errors naming FILE:LINE, no mail
# unless asked), each asserted on the store itself.
. "$top_srcdir/tests/lib.sh"

SHORTMAIL_NOW=2026-11-23T10:00:00Z
export SHORTMAIL_NOW

status() { sql "SELECT status FROM subscribers WHERE address = '$1'"; }
keywords() { sql "SELECT group_concat(keyword, ' ') FROM (SELECT keyword FROM interests i JOIN subscribers s ON s.id = i.subscriber_id WHERE s.address = '$1' ORDER BY i.created_at, keyword)"; }
outbox() { sql "SELECT count(*) FROM outbox WHERE recipient = '$1' AND kind = '$2'"; }
readers() { sql "SELECT count(*) FROM subscribers"; }
# pyjson EXPR: evaluates EXPR with the JSON of $T/out as `d`.
pyjson() { "$PYTHON3" -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$T/out"; }

# --- help
sm sub --help
is "$rc" 0 "sub --help exits 0"
like "$T/out" "^usage: shortmail sub add \[--confirmed\] ADDRESS \[KEYWORD...\]" "sub --help shows add"
like "$T/out" "shortmail sub import \[--confirmed\] \[--send-confirmations\] FILE" "and import"
like "$T/out" "no mail at all is" "and says an import mails nobody unless asked"
sm sub import --help
like "$T/out" "^  --send-confirmations" "an action's --help shows its options"
sm help sub
like "$T/out" "^usage: shortmail sub" "help sub prints the same"
sm help
like "$T/out" "^  sub " "help lists sub"
sm sub
is "$rc" 64 "sub without an action is a usage error"
like "$T/err" "which action\?" "and asks which"
sm sub frob
is "$rc" 64 "an unknown action is a usage error"
like "$T/err" '"frob" is not an action' "naming it"

# --- add without --confirmed: as a subscribe by mail.
sm sub add alice@Example.COM cs.LG '"batch normalization"'
is "$rc" 0 "add: exit 0"
like "$T/out" "^alice@example.com: new reader, pending; a request to confirm was queued" "add says the reader is pending and a request was queued"
like "$T/out" '^keywords added: cs.lg "batch normalization"' "and which keywords it added"
is "$(status alice@example.com)" pending "the reader is pending"
is "$(sql "SELECT address FROM subscribers")" alice@example.com "the domain is stored in lower case"
is "$(keywords alice@example.com)" '"batch normalization" cs.lg' "the keywords are stored in canonical form"
is "$(outbox alice@example.com confirm)" 1 "one confirmation request is queued"
is "$(sql "SELECT count(*) FROM outbox WHERE kind <> 'confirm'")" 0 "and no other mail"
sql "SELECT payload FROM outbox WHERE kind = 'confirm'" | "$PYTHON3" -c 'import json,sys; print(json.load(sys.stdin)["text"])' > "$T/confirm.txt"
like "$T/confirm.txt" "https://www.shortscience.org/confirm/[a-z2-7]+" "the request carries a confirm link"
like "$T/confirm.txt" "batch normalization" "and lists the keywords"

sm sub add alice@example.com gan cs.lg
is "$rc" 0 "add again: exit 0"
like "$T/out" "one went out in the last 24 hours" "a second add within 24 h queues no second request, and says so"
like "$T/out" "^keywords there already: cs.lg" "and which keywords were there already"
is "$(outbox alice@example.com confirm)" 1 "still one confirmation request"
is "$(keywords alice@example.com)" '"batch normalization" cs.lg gan' "the new keyword is added"

# --- add --confirmed: the operator vouches; no mail.
sm sub add --confirmed bob@example.org -gan 'author:"Geoffrey Hinton"' 'tag:"image net"' 'a,b'
is "$rc" 0 "add --confirmed: exit 0"
like "$T/out" "^bob@example.org: new reader, confirmed; no mail sent" "says so"
is "$(status bob@example.org)" confirmed "the reader is confirmed"
is "$(sql "SELECT confirmed_at IS NOT NULL FROM subscribers WHERE address = 'bob@example.org'")" 1 "with a confirmation date"
is "$(sql "SELECT count(*) FROM outbox WHERE recipient = 'bob@example.org'")" 0 "no mail to a reader added with --confirmed"
is "$(keywords bob@example.org)" '-gan a,b author:"geoffrey hinton" tag:"image net"' "a negated keyword after the address is a keyword, not an option"

sm sub add --confirmed alice@example.com
like "$T/out" "^alice@example.com: confirmed now; no mail sent" "--confirmed confirms a pending reader"
is "$(status alice@example.com)" confirmed "who is confirmed in the store"

# --- bad keywords and addresses change nothing.
sm sub add carol@example.net cs.LG '"unbalanced'
is "$rc" 65 "a bad keyword exits 65"
like "$T/err" 'carol@example.net: bad keyword: unbalanced quote in "unbalanced; nothing changed' "the message names the keyword"
is "$(readers)" 2 "no reader was created"
sm sub add --confirmed alice@example.com vae '--gan'
is "$rc" 65 "a bad keyword for a known reader exits 65"
like "$T/err" "double '-' in --gan" "naming it"
is "$(keywords alice@example.com)" '"batch normalization" cs.lg gan' "and none of the keywords was added"
sm sub add 'dave smith@example.com'
is "$rc" 65 "an address with a space exits 65"
like "$T/err" 'address "dave smith@example.com" has a space' "saying so"
sm sub add '<dave@example.com>'
like "$T/err" "angle brackets" "angle brackets are refused"
sm sub add dave@localhost
like "$T/err" 'the domain has no dot' "a domain without a dot is refused"
sm sub add dave@@example.com
like "$T/err" "exactly one @" "two @ are refused"
is "$(readers)" 2 "none of them was stored"
i=0; kws=""
while [ $i -lt 48 ]; do kws="$kws k$i"; i=$((i + 1)); done
# shellcheck disable=SC2086
sm sub add --confirmed alice@example.com $kws
is "$rc" 65 "past 50 keywords a reader: exit 65"
like "$T/err" "would have more than 50 keywords; nothing changed" "saying so"
is "$(sql "SELECT count(*) FROM interests i JOIN subscribers s ON s.id = i.subscriber_id WHERE s.address = 'alice@example.com'")" 3 "and nothing was added"

# --- an unsubscribed reader added again: pending, a new request.
sql "UPDATE subscribers SET status = 'unsubscribed' WHERE address = 'alice@example.com'"
SHORTMAIL_NOW=2026-11-25T10:00:00Z sm sub add alice@example.com
like "$T/out" "^alice@example.com: pending again; a request to confirm was queued" "an unsubscribed reader added again is pending again"
is "$(outbox alice@example.com confirm)" 2 "with a new request, two days later"
sql "UPDATE subscribers SET status = 'confirmed', frequency = 'daily', paused = 1 WHERE address = 'alice@example.com'"

# --- list and show.
sm sub list
is "$rc" 0 "list: exit 0"
like "$T/out" "^ADDRESS +STATUS +FREQ +PAUSED +KEYWORDS +CREATED" "list has a header"
like "$T/out" "^alice@example.com +confirmed +daily +yes +3 +2026-11-23$" "a row for alice with her status, frequency, pause, keywords and date"
like "$T/out" "^bob@example.org +confirmed +weekly +no +4 +2026-11-23$" "a row for bob"
like "$T/out" "^2 readers: 2 confirmed" "and a count"
sm sub list --json
is "$rc" 0 "list --json: exit 0"
is "$(pyjson 'len(d)')" 2 "list --json is an array of the readers"
is "$(pyjson '",".join(r["address"] for r in d)')" "alice@example.com,bob@example.org" "by address"
is "$(pyjson 'd[1]["keywords"]')" "['-gan', 'a,b', 'author:\"geoffrey hinton\"', 'tag:\"image net\"']" "with the keywords"
is "$(pyjson '(d[0]["status"], d[0]["frequency"], d[0]["paused"], d[0]["created_at"], d[0]["last_digest_at"])')" "('confirmed', 'daily', True, '2026-11-23T10:00:00Z', None)" "and every field"

sm sub show bob@example.org
is "$rc" 0 "show: exit 0"
like "$T/out" "^status: +confirmed$" "show: status"
like "$T/out" '^keywords: +-gan a,b author:"geoffrey hinton" tag:"image net"$' "show: the keywords as a reader would write them"
like "$T/out" "^confirmed: +2026-11-23T10:00:00Z$" "show: the confirmation date"
like "$T/out" "^last digest: +never$" "show: no digest yet"
sm sub show alice@example.com --json
is "$rc" 0 "show --json: exit 0"
is "$(pyjson '(d["address"], d["frequency"], d["paused"], d["keywords"], d["changed_at"])')" "('alice@example.com', 'daily', True, ['\"batch normalization\"', 'cs.lg', 'gan'], '2026-11-25T10:00:00Z')" "show --json has every field"
sm sub show nobody@example.com
is "$rc" 66 "show of an unknown address exits 66"
like "$T/err" "no reader nobody@example.com" "saying so"

# --- export, and import into a fresh store.
sql "INSERT INTO subscribers (address, status, created_at, changed_at, confirmed_at) VALUES ('carl@example.net', 'unsubscribed', 1700000000, 1700000000, 1700000500)"
sql "INSERT INTO subscribers (address, status, created_at, changed_at) VALUES ('dora@example.net', 'pending', 1700000000, 1700000000)"
sm sub export
is "$rc" 0 "export: exit 0"
cp "$T/out" "$T/export1.csv"
is "$(head -1 "$T/export1.csv")" "address,status,frequency,paused,keywords,created_at,confirmed_at" "export starts with the header"
like "$T/export1.csv" '^bob@example.org,confirmed,weekly,no,"-gan a,b author:""geoffrey hinton"" tag:""image net""",2026-11-23T10:00:00Z,2026-11-23T10:00:00Z$' "keywords in one field, quotes doubled"
like "$T/export1.csv" '^carl@example.net,unsubscribed,weekly,no,,2023-11-14T22:13:20Z,2023-11-14T22:21:40Z$' "an unsubscribed reader with its dates"
"$PYTHON3" - "$T/export1.csv" > "$T/py.txt" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print(len(rows), rows[1]["keywords"])
PY
is "$(cat "$T/py.txt")" '4 -gan a,b author:"geoffrey hinton" tag:"image net"' "Python's csv module reads the export"

sm --db "$T/copy.db" sub import --confirmed "$T/export1.csv"
is "$rc" 0 "import --confirmed into a fresh store: exit 0"
like "$T/out" "4 readers imported \(4 new, 0 known\): 1 pending, 2 confirmed, 1 unsubscribed; no mail queued" "says what it imported"
sm --db "$T/copy.db" sub export
cp "$T/out" "$T/export2.csv"
cmp -s "$T/export1.csv" "$T/export2.csv"
ok $? "the fresh store's export is the same byte for byte"
is "$("${SQLITE3_CLI:-sqlite3}" "$T/copy.db" 'SELECT count(*) FROM outbox')" 0 "import --confirmed queued no mail"

# Without --confirmed: pending, and no mail at all.
sm --db "$T/plain.db" sub import "$T/export1.csv"
is "$rc" 0 "import without --confirmed: exit 0"
like "$T/out" "3 pending, 1 unsubscribed; no mail queued \(--send-confirmations" "confirmed rows become pending; an opt-out stays"
is "$("${SQLITE3_CLI:-sqlite3}" "$T/plain.db" "SELECT group_concat(status, ' ') FROM (SELECT status FROM subscribers ORDER BY address)")" "pending pending unsubscribed pending" "in the store"
is "$("${SQLITE3_CLI:-sqlite3}" "$T/plain.db" "SELECT count(*) FROM subscribers WHERE confirmed_at IS NOT NULL")" 0 "no confirmation date is taken from the file"
is "$("${SQLITE3_CLI:-sqlite3}" "$T/plain.db" 'SELECT count(*) FROM outbox')" 0 "and no mail is queued"

# --send-confirmations asks the pending ones, from standard input.
printf 'Address , Keywords\r\nerin@Example.NET,"cs.CV ""image net"""\r\nfred@example.net,\r\n' > "$T/new.csv"
"$SHORTMAIL" --db "$T/send.db" sub import --send-confirmations - < "$T/new.csv" > "$T/out" 2> "$T/err"
is "$?" 0 "import --send-confirmations from standard input: exit 0"
like "$T/out" "^stdin: 2 readers imported \(2 new, 0 known\): 2 pending; 2 requests to confirm queued" "says two requests were queued"
is "$("${SQLITE3_CLI:-sqlite3}" "$T/send.db" "SELECT group_concat(recipient, ' ') FROM (SELECT recipient FROM outbox WHERE kind = 'confirm' ORDER BY recipient)")" "erin@example.net fred@example.net" "one confirmation each"
is "$("${SQLITE3_CLI:-sqlite3}" "$T/send.db" "SELECT group_concat(keyword, ' ') FROM (SELECT keyword FROM interests ORDER BY keyword)")" '"image net" cs.cv' "header names ignore case and spaces; CRLF lines; quoted keywords"

# Import into an existing store: known readers keep their status.
printf 'address,keywords,frequency\nbob@example.org,vae,daily\nnew@example.com,gan,\n' > "$T/more.csv"
sm sub import "$T/more.csv"
is "$rc" 0 "import into a store with readers: exit 0"
like "$T/out" "2 readers imported \(1 new, 1 known\)" "says which were known"
is "$(status bob@example.org)" confirmed "a known reader keeps their status"
is "$(sql "SELECT frequency FROM subscribers WHERE address = 'bob@example.org'")" daily "and takes the frequency given"
is "$(keywords bob@example.org)" '-gan a,b author:"geoffrey hinton" tag:"image net" vae' "and gets the keywords added"

# --- import errors: FILE:LINE, and nothing imported.
before=$(readers)
import_fails() { # import_fails NAME CONTENT REGEX
  printf "$2" > "$T/$1.csv"
  sm sub import --confirmed "$T/$1.csv"
  is "$rc" 65 "import $1: exit 65"
  like "$T/err" "$3" "import $1: the message names the place"
  is "$(readers)" "$before" "import $1: nothing imported"
}
import_fails badaddr 'address,keywords\nok1@example.com,cs.lg\nnot-an-address,gan\n' "$T/badaddr.csv:3: address \"not-an-address\" must have exactly one @; nothing imported"
import_fails badkw 'address,keywords\nok1@example.com,cs.lg\n"ok2@example.com","""unbalanced"\n' "badkw.csv:3: bad keyword: unbalanced quote"
import_fails unknowncol 'address,nickname\nok1@example.com,x\n' 'unknowncol.csv:1: unknown column "nickname"'
import_fails noaddr 'keywords\ncs.lg\n' 'noaddr.csv:1: no "address" column'
import_fails fields 'address,status\nok1@example.com,confirmed\nok2@example.com\n' "fields.csv:3: 1 field, but the header names 2"
import_fails dup 'address\nok1@example.com\nok2@example.com\nOK1@example.com\n' "dup.csv:4: OK1@example.com is on line 2 already"
import_fails status 'address,status\nok1@example.com,subscribed\n' 'status.csv:2: status "subscribed" is not'
import_fails date 'address,created_at\nok1@example.com,last week\n' 'date.csv:2: created_at "last week" is not a date'
import_fails quote 'address\nok1@example.com\n"ok2@example.com\n' "quote.csv:3: the quoted field opened on this line is not closed"
import_fails multiline 'address,keywords\nok1@example.com,"cs.lg\ngan"\nok2@example.com x,\n' "multiline.csv:4: address \"ok2@example.com x\" has a space"
import_fails empty '' "empty.csv: empty; the first line must name the columns"
"$PYTHON3" -c "print('address,keywords'); print('ok1@example.com,' + 'x' * 10001)" > "$T/long.csv"
sm sub import "$T/long.csv"
is "$rc" 65 "a record over 10000 characters: exit 65"
like "$T/err" "long.csv:2: record longer than 10000 characters" "naming the line"
"$PYTHON3" -c "print('address,keywords'); print('old@example.com,' + ' '.join('w%d' % i for i in range(50)))" > "$T/fifty.csv"
sm sub import "$T/fifty.csv"
is "$rc" 0 "50 keywords for a new reader are fine"
before=$(readers)
printf 'address,keywords\nzed@example.com,gan\nold@example.com,one-more\n' > "$T/over.csv"
sm sub import "$T/over.csv"
is "$rc" 65 "a known reader pushed past 50 keywords: exit 65"
like "$T/err" "over.csv:3: old@example.com would have more than 50 keywords; nothing imported" "naming the line"
is "$(readers)" "$before" "and the readers before it were rolled back"
sm sub import "$T/missing.csv"
is "$rc" 66 "a missing file exits 66"
like "$T/err" "missing.csv: no such file" "naming it"

# --- del
queued_before=$(sql "SELECT count(*) FROM outbox WHERE recipient = 'alice@example.com'")
sm sub del Alice@example.com
is "$rc" 0 "del: exit 0"
like "$T/out" "^alice@example.com: removed \(was confirmed, 3 keywords\)" "says who was removed"
is "$(sql "SELECT count(*) FROM subscribers WHERE address = 'alice@example.com'")" 0 "the reader is gone"
is "$(sql "SELECT count(*) FROM interests WHERE subscriber_id NOT IN (SELECT id FROM subscribers)")" 0 "with their keywords"
is "$(sql "SELECT count(*) FROM outbox WHERE recipient = 'alice@example.com' AND subscriber_id IS NULL")" "$queued_before" "mail already queued no longer points to them"
sm sub del alice@example.com
is "$rc" 66 "del of an unknown address exits 66"
like "$T/err" "no reader alice@example.com" "saying so"

done_testing
