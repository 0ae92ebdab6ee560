#!/bin/sh
# tests/ingest-bad.sh: `shortmail ingest` on every kind of bad feed. A bad
# document commits nothing (the store's dump is unchanged, validators
# included) and exits 65 with a message naming the URL and the fault; a
# bad item is skipped with a warning naming it, and the rest is stored.
. "$top_srcdir/tests/lib.sh"

bad=$T/bad
mkdir -p "$bad"
dump() { "${SQLITE3_CLI:-sqlite3}" "$T/store.db" .dump | cksum; }

# rss FILE ITEMS: writes an RSS document around the items.
rss() {
  {
    printf '<?xml version="1.0" encoding="UTF-8"?>\n'
    printf '<rss version="2.0" xmlns:shortscience="https://www.shortscience.org/ns/1.0">\n'
    printf '<channel><title>bad</title>\n'
    printf '%s\n' "$2"
    printf '</channel></rss>\n'
  } > "$bad/$1"
}
good_item() { # good_item N
  printf '<item><title>Good paper %s</title><link>https://www.shortscience.org/s/%s</link><guid isPermaLink="false">good-%s</guid><description>Fine.</description></item>' "$1" "$1" "$1"
}

# A store with the small feed in it, to compare against.
sm ingest "file://$top_srcdir/tests/data/feed-small.xml"
is "$rc" 0 "setup: the small feed is stored"
is "$(sql 'select count(*) from summaries')" 5 "setup: five summaries"

# refused NAME URL EXIT MESSAGE: ingest fails as told and writes nothing.
refused() {
  before=$(dump)
  sm ingest "$2"
  is "$rc" "$3" "$1: exits $3"
  if grep -F -q -- "$4" "$T/err"; then ok 0 "$1: message"; else
    ok 1 "$1: message"
    printf '#   want: %s\n' "$4"
    sed 's/^/#   got:  /' "$T/err"
  fi
  is "$(dump)" "$before" "$1: store unchanged"
}

# Malformed XML.
rss malformed.xml "$(good_item 1)<item><title>Unclosed</item>"
refused "malformed XML" "file://$bad/malformed.xml" 65 \
  "file://$bad/malformed.xml: line 4: Opening and ending tag mismatch: title line 4 and item"

# Not a feed at all.
printf '<!DOCTYPE html>\n<html><head><title>Hi</title></head><body/></html>\n' \
  > "$bad/page.xml"
refused "HTML instead of a feed" "file://$bad/page.xml" 65 \
  "file://$bad/page.xml: not an RSS or Atom feed (the root element is <html>)"

# Invalid UTF-8: a Latin-1 byte in a document that says UTF-8.
rss latin1.xml "$(good_item 1)<item><title>Caf$(printf '\351') au lait</title><link>https://x/2</link></item>"
off=$(grep -b -o "Caf" "$bad/latin1.xml" | cut -d: -f1)
refused "invalid UTF-8" "file://$bad/latin1.xml" 65 \
  "file://$bad/latin1.xml: not valid UTF-8 at byte $((off + 3)) (line 4)"

# An empty feed.
rss empty.xml ""
refused "empty feed" "file://$bad/empty.xml" 65 \
  "file://$bad/empty.xml: feed has no items"

# Every item bad: nothing to commit.
rss allbad.xml '<item><link>https://x/1</link></item><item><title>t</title></item>'
refused "every item bad" "file://$bad/allbad.xml" 65 \
  "file://$bad/allbad.xml: all 2 items were skipped; nothing to store"
like "$T/err" "warning: file://$bad/allbad.xml: item 1 \(link https://x/1\): no title; skipped" \
  "every item bad: each item warned"

# Billion laughs: refused at the declaration, before any expansion.
cat > "$bad/lol.xml" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><item><title>&lol9;</title>
<link>https://x/lol</link><description>&lol9;</description></item></channel></rss>
EOF
refused "billion laughs" "file://$bad/lol.xml" 65 \
  "file://$bad/lol.xml: line 3: the document declares the entity \"lol\"; feeds may not declare entities"

# An external entity must not read /etc/passwd into the store.
cat > "$bad/xxe.xml" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE rss [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<rss version="2.0"><channel><item><title>Leak</title>
<link>https://x/xxe</link><description>&xxe;</description></item></channel></rss>
EOF
refused "external entity" "file://$bad/xxe.xml" 65 \
  "file://$bad/xxe.xml: line 2: the document declares the entity \"xxe\" (an external entity)"
unlike "$T/err" "root:" "external entity: /etc/passwd not in the message"
is "$(sql "select count(*) from summaries where markdown like '%root:%'")" 0 \
  "external entity: /etc/passwd not in the store"

# A missing file.
refused "missing file" "file://$bad/nonexistent.xml" 66 \
  "file://$bad/nonexistent.xml: cannot read the file"

# Item-level problems: the bad items are skipped, the good ones stored.
head -c 10485760 /dev/zero | tr '\0' 'x' > "$T/big.txt"
rss items.xml "$(good_item 1)
<item><guid isPermaLink=\"false\">no-title</guid><link>https://x/nt</link></item>
<item><title>No link</title><guid isPermaLink=\"false\">no-link</guid></item>
<item><title>Huge</title><link>https://x/huge</link><guid isPermaLink=\"false\">huge</guid><description>$(cat "$T/big.txt")</description></item>
$(good_item 2)"
rm -f "$T/big.txt"
sm ingest "file://$bad/items.xml"
is "$rc" 0 "bad items: exits 0"
like "$T/out" "^ingest: file://$bad/items.xml: 5 items, 2 new, 0 updated, 0 unchanged, 3 skipped$" \
  "bad items: summary counts the skipped"
like "$T/err" "warning: file://$bad/items.xml: item 2 \(guid no-title\): no title; skipped$" \
  "no title: warning names the item"
like "$T/err" "warning: file://$bad/items.xml: item 3 \(guid no-link\): no link; skipped$" \
  "no link: warning names the item"
like "$T/err" "warning: file://$bad/items.xml: item 4 \(guid huge\): description is 10485760 bytes, more than the 1048576 allowed; skipped$" \
  "10 MB description: warning with the sizes"
is "$(sql "select group_concat(guid, ',') from (select guid from summaries
           where guid like 'good-%' order by guid)")" "good-1,good-2" \
  "bad items: the good ones are stored"
is "$(sql "select count(*) from summaries where guid in ('no-title', 'no-link', 'huge')")" 0 \
  "bad items: the bad ones are not"

# Over HTTP: the content type must be a feed's.
www=$T/www
mkdir -p "$www"
cp "$top_srcdir/tests/data/feed-atom.xml" "$www/feed.xml"
printf '<!DOCTYPE html>\n<html><body>Moved</body></html>\n' > "$www/page.bin"
cp "$bad/malformed.xml" "$www/malformed.xml"
start_httpd "$www"

refused "text/html" "$base/type/text/html/feed.xml" 65 \
  "$base/type/text/html/feed.xml: wrong content type text/html (expected an RSS or Atom feed)"
refused "application/json" "$base/type/application/json/feed.xml" 65 \
  "$base/type/application/json/feed.xml: wrong content type application/json (expected an RSS or Atom feed)"
refused "image/png" "$base/type/image/png/feed.xml" 65 \
  "wrong content type image/png (expected an RSS or Atom feed)"
refused "octet-stream that is HTML" "$base/page.bin" 65 \
  "$base/page.bin: wrong content type application/octet-stream (expected an RSS or Atom feed)"

# A malformed feed over HTTP: its validators are not kept, so the next
# run fetches it in full again.
refused "malformed over HTTP" "$base/malformed.xml" 65 \
  "$base/malformed.xml: line 4: Opening and ending tag mismatch"
is "$(sql "select count(*) from feeds where url = '$base/malformed.xml'")" 0 \
  "malformed over HTTP: validators not stored"
: > "$T/http.log"
sm ingest "$base/malformed.xml"
like "$T/http.log" '^GET /malformed.xml status=200 inm="" ims=""' \
  "malformed over HTTP: fetched unconditionally next time"

# The content types a feed may come with.
for t in application/rss+xml application/atom+xml application/xml text/xml \
  application/octet-stream; do
  sm ingest "$base/type/$t/feed.xml"
  is "$rc" 0 "$t: accepted"
done
like "$T/out" "^ingest: $base/type/application/octet-stream/feed.xml: 3 items, 0 new, 0 updated, 3 unchanged, 0 skipped$" \
  "octet-stream that is XML: accepted"

done_testing
