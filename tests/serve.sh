#!/bin/sh
# serve.sh: `shortmail serve` on a loopback port, driven by curl: RFC 8058
# one-click unsubscription (urlencoded and multipart), pages that GET and
# HEAD show without changing anything, bad and expired tokens (one page
# for both), body and header limits, security headers, the confirmation
# and keyword pages, and escaping of what readers wrote.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/serve-lib.sh"

if ! command -v curl >/dev/null 2>&1; then
  ok 1 "curl is installed (scripts/install-deps installs it)"
  done_testing
  exit 1
fi

# get [CURL ARGS...] URL: the status in $code, headers in $T/h, body in
# $T/b.
get() {
  code=$(curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@")
}
status_of() { sql "SELECT status FROM subscribers WHERE address = '$1'"; }
# Everything a request could change, to compare before and after.
snapshot() {
  sql "SELECT id, address, status, frequency, paused, changed_at FROM subscribers ORDER BY id;
       SELECT subscriber_id, keyword FROM interests ORDER BY 1, 2;
       SELECT kind, recipient, message_id FROM outbox ORDER BY id;
       SELECT * FROM tokens ORDER BY 1;"
}

serve_store
ok $? "a store with five confirmed readers"
serve_links many@example.com
ok $? "preview gives many@example.com's /u/ and /k/ links"
many_u=$u_path
serve_links math@example.net
math_u=$u_path
serve_links juergen@example.de
j_u=$u_path
j_k=$k_path
serve_links gan.fan@example.org
gan_u=$u_path
gan_k=$k_path
like "$T/links.html" "List-Unsubscribe|/u/[a-z2-7]{20,}" "the digest links to /u/TOKEN"

serve_start
ok $? "shortmail serve listens on $base"
like "$T/serve.err" "listening on 127\\.0\\.0\\.1:$port" "it says where it listens"

# ---- GET and HEAD change nothing ---------------------------------------
snapshot >"$T/before"
get "$base$j_u"
is "$code" 200 "GET /u/TOKEN: 200"
like "$T/b" '<form method="post">' "the page has a form posting back"
like "$T/b" '<input type="hidden" name="List-Unsubscribe" value="One-Click">' \
  "which sends List-Unsubscribe=One-Click"
like "$T/b" '<button type="submit">Unsubscribe juergen@example\.de</button>' \
  "one button naming the address"
like "$T/b" '<html lang="en">' "the page has a language"
like "$T/b" '<h1>Unsubscribe</h1>' "and a heading"
get -I "$base$j_u"
is "$code" 200 "HEAD /u/TOKEN: 200"
like "$T/h" '^Content-Length: [1-9]' "with the GET's length"
# What follows the header block on the wire, read until the server
# closes (HTTP/1.0): curl would not show a body sent to a HEAD.
"$PYTHON3" - "$port" "$j_u" >"$T/raw" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.sendall(b"HEAD %s HTTP/1.0\r\nHost: x\r\n\r\n" % sys.argv[2].encode())
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
head, sep, rest = data.partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode(), len(rest) if sep else "no-end")
PY
is "$(cat "$T/raw")" "HTTP/1.1 200 OK 0" "HEAD has no body on the wire"
get "$base$j_k"
is "$code" 200 "GET /k/TOKEN: 200"
get -I "$base$j_k"
is "$code" 200 "HEAD /k/TOKEN: 200"
snapshot >"$T/after"
cmp -s "$T/before" "$T/after"
ok $? "GET and HEAD changed nothing in the store"
is "$(status_of juergen@example.de)" confirmed "juergen is still confirmed"

# ---- headers -------------------------------------------------------------
get "$base$j_u"
like "$T/h" "^Content-Security-Policy: default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'" \
  "a strict Content-Security-Policy"
like "$T/h" '^X-Content-Type-Options: nosniff' "nosniff"
like "$T/h" '^Referrer-Policy: no-referrer' "no referrer"
like "$T/h" '^Cache-Control: no-store' "not cached"
like "$T/h" '^Content-Type: text/html; charset=utf-8' "HTML in UTF-8"
unlike "$T/h" '^Set-Cookie' "no cookie"
unlike "$T/b" '<script|style=' "no script and no inline style in the page"
get "$base/web.css"
is "$code" 200 "GET /web.css: 200"
like "$T/h" '^Content-Type: text/css' "as CSS"
like "$T/b" '^main \{' "the style sheet itself"

# ---- one-click unsubscription (RFC 8058) ---------------------------------
get -d List-Unsubscribe=One-Click "$base$many_u"
is "$code" 200 "POST urlencoded List-Unsubscribe=One-Click: 200"
unlike "$T/h" '^Location:' "no redirect"
unlike "$T/h" '^Set-Cookie' "no cookie"
like "$T/b" '<h1>You are unsubscribed</h1>' "the page says so"
is "$(status_of many@example.com)" unsubscribed "many@example.com is unsubscribed in the store"
like "$T/serve.err" 'many@example\.com: unsubscribed \(one-click POST\)' "and it was logged"
get -d List-Unsubscribe=One-Click "$base$many_u"
is "$code" 200 "a second POST: 200 again"
is "$(status_of many@example.com)" unsubscribed "and still unsubscribed"

get -F List-Unsubscribe=One-Click "$base$math_u"
is "$code" 200 "POST multipart/form-data List-Unsubscribe=One-Click: 200"
like "$T/b" 'math@example\.net</strong> will get no more mail' "the page names the address"
is "$(status_of math@example.net)" unsubscribed "math@example.net is unsubscribed in the store"

get -d Something=Else "$base$j_u"
is "$code" 400 "a POST without List-Unsubscribe=One-Click: 400"
get -H 'Content-Type: text/plain' --data-binary List-Unsubscribe=One-Click "$base$j_u"
is "$code" 415 "a POST that is not a form: 415"
get -d 'List-Unsubscribe=%zz' "$base$j_u"
is "$code" 400 "a malformed form: 400"
is "$(status_of juergen@example.de)" confirmed "none of them unsubscribed juergen"

# ---- methods, paths, limits ------------------------------------------------
get -X PUT "$base$j_u"
is "$code" 405 "PUT: 405"
like "$T/h" '^Allow: GET, HEAD, POST' "with Allow"
get -X DELETE "$base/web.css"
is "$code" 405 "DELETE /web.css: 405"
like "$T/h" '^Allow: GET, HEAD' "with Allow"
get "$base/"
is "$code" 404 "/: 404"
get "$base/u/$(echo "$j_u" | cut -d/ -f3)/x"
is "$code" 404 "a path below a token: 404"
like "$T/h" "^Content-Security-Policy: default-src 'none'" "error pages have the headers too"

head -c 3000 /dev/zero | tr '\0' a >"$T/big"
get -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$T/big" "$base$j_u"
is "$code" 413 "a body over [serve] max_body (Content-Length): 413"
get -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/x-www-form-urlencoded' \
  --data-binary @"$T/big" "$base$j_u"
is "$code" 413 "a chunked body over [serve] max_body: 413"
head -c 2000 /dev/zero | tr '\0' a >"$T/fits"
printf '&List-Unsubscribe=One-Click' >>"$T/fits"
get -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$T/fits" "$base$gan_k"
is "$code" 200 "a body just under the limit is read"
get "$base/u/$(head -c 40000 /dev/zero | tr '\0' a)"
is "$code" 414 "a 40 KB URL: 414"
get -H "X-Long: $(head -c 40000 /dev/zero | tr '\0' a)" "$base$j_u"
is "$code" 431 "a 40 KB header: 431"
is "$(status_of juergen@example.de)" confirmed "juergen still confirmed after all that"

# ---- bad and expired tokens: one page ---------------------------------------
tok=$(echo "$j_u" | cut -d/ -f3)
# A changed character inside the MAC: well-formed, forged.
c=$(echo "$tok" | cut -c17)
if [ "$c" = a ]; then c=b; else c=a; fi
bad=$(echo "$tok" | cut -c1-16)$c$(echo "$tok" | cut -c18-)
[ "$bad" != "$tok" ]
ok $? "a forged token differs from the real one"
get -d List-Unsubscribe=One-Click "$base/u/$bad"
is "$code" 404 "POST with a forged token: 404"
cp "$T/b" "$T/bad.html"
like "$T/bad.html" '<h1>This link does not work</h1>' "the bad-link page"
get "$base/u/$bad"
cmp -s "$T/b" "$T/bad.html"
ok $? "GET with a forged token: the same bytes"
get "$base/u/not-a-token"
cmp -s "$T/b" "$T/bad.html"
ok $? "a malformed token: the same bytes"
get "$base/u/$(echo "$j_k" | cut -d/ -f3)"
cmp -s "$T/b" "$T/bad.html"
ok $? "a keywords token on /u/: the same bytes"
is "$(status_of juergen@example.de)" confirmed "no bad token unsubscribed anyone"
serve_stop
is "$serve_rc" 0 "SIGTERM stops the server, exit 0"
like "$T/serve.err" 'stopping' "and it says so"

# The digests' links expire after a year: serve at a later time.
serve_start SHORTMAIL_NOW=2028-01-01T00:00:00Z
ok $? "a server two years on"
get -d List-Unsubscribe=One-Click "$base$j_u"
is "$code" 404 "POST with an expired token: 404"
cmp -s "$T/b" "$T/bad.html"
ok $? "the same page as for a forged token, byte for byte"
get "$base$j_k"
is "$code" 404 "an expired keywords link: 404"
cmp -s "$T/b" "$T/bad.html"
ok $? "the same page again"
get "$base/u/$bad"
cmp -s "$T/b" "$T/bad.html"
ok $? "and a forged token at that time too"
is "$(status_of juergen@example.de)" confirmed "the expired token changed nothing"
like "$T/serve.err" 'unsub link refused: token expired|unsub link refused: .*expir' \
  "the log tells why, the page does not"
serve_stop

serve_start
# ---- confirmation --------------------------------------------------------------
sm sub add newbie@example.com cs.LG
is "$rc" 0 "sub add: a pending reader, a confirmation request queued"
curl_url=$(sql "SELECT payload FROM outbox WHERE kind = 'confirm' AND recipient = 'newbie@example.com'" |
  grep -o 'https://www.shortscience.org/confirm/[a-z2-7]*' | head -1)
c_path=${curl_url#https://www.shortscience.org}
[ -n "$c_path" ]
ok $? "the request links to /confirm/TOKEN"
snapshot >"$T/before"
get "$base$c_path"
is "$code" 200 "GET /confirm/TOKEN: 200"
like "$T/b" '<button type="submit">Yes, subscribe newbie@example\.com</button>' "one button"
get -I "$base$c_path"
is "$code" 200 "HEAD /confirm/TOKEN: 200"
snapshot >"$T/after"
cmp -s "$T/before" "$T/after"
ok $? "GET and HEAD confirmed nothing"
is "$(status_of newbie@example.com)" pending "newbie is still pending"
get -d confirm=yes "$base$c_path"
is "$code" 200 "POST /confirm/TOKEN: 200"
like "$T/b" '<h1>You are subscribed</h1>' "the page says so"
is "$(status_of newbie@example.com)" confirmed "newbie is confirmed in the store"
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'reply' AND recipient = 'newbie@example.com'")" 1 \
  "a welcome was queued"
sql "SELECT payload FROM outbox WHERE kind = 'reply' AND recipient = 'newbie@example.com'" >"$T/welcome"
like "$T/welcome" 'now receives the ShortScience digest' "rendered from welcome.txt"
like "$T/welcome" 'cs\.lg' "with the reader's keywords"
get -X POST "$base$c_path"
is "$code" 200 "a second POST (no body): 200"
like "$T/b" 'had confirmed already' "says it was done before"
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'reply' AND recipient = 'newbie@example.com'")" 1 \
  "and queues no second welcome"

# ---- the keywords page -------------------------------------------------------
get "$base$j_k"
like "$T/b" '<label for="keywords">' "the text area has a label"
like "$T/b" '^author:schmidhuber$' "the page lists the reader's keywords, one per line"
like "$T/b" 'value="weekly" checked' "weekly is selected"
get --data-urlencode 'keywords=author:schmidhuber
"batch normalization"
cs.LG gan' -d frequency=daily -d paused=1 "$base$j_k"
is "$code" 200 "POST /k/TOKEN: 200"
like "$T/b" 'role="status">removed author:günter, author:klambauer, author:ångström; added &quot;batch normalization&quot;, cs\.lg, gan; digests now come daily; digests paused<' \
  "the page says what changed"
is "$(sql "SELECT group_concat(keyword, ' ') FROM (SELECT keyword FROM interests WHERE subscriber_id = 3 ORDER BY keyword)")" \
  '"batch normalization" author:schmidhuber cs.lg gan' "the store has the new keywords"
is "$(sql "SELECT frequency || ' ' || paused FROM subscribers WHERE id = 3")" "daily 1" \
  "and the frequency and pause"
like "$T/b" 'value="daily" checked' "the page shows daily"
like "$T/b" 'name="paused" value="1" checked' "and paused"
snapshot >"$T/before"
get --data-urlencode 'keywords=gan
"unbalanced' -d frequency=weekly "$base$j_k"
is "$code" 400 "a bad keyword: 400"
like "$T/b" 'role="alert">Nothing was changed: line 2: ' "the page names the line"
like "$T/b" '&quot;unbalanced' "and shows the form as sent"
snapshot >"$T/after"
cmp -s "$T/before" "$T/after"
ok $? "a refused form changes nothing"
get -d keywords= -d frequency=weekly "$base$j_k"
is "$(sql "SELECT count(*) FROM interests WHERE subscriber_id = 3")" 0 "an empty list removes every keyword"
is "$(sql "SELECT frequency || ' ' || paused FROM subscribers WHERE id = 3")" "weekly 0" \
  "unchecked pause resumes"
get -d frequency=hourly "$base$j_k"
is "$code" 400 "an unknown frequency: 400"

# ---- escaping ------------------------------------------------------------------
sql "UPDATE subscribers SET address = '\"<script>alert(1)</script>\"@example.org' WHERE id = 4"
get "$base$gan_u"
is "$code" 200 "an address with <script> in it"
like "$T/b" '&quot;&lt;script&gt;alert\(1\)&lt;/script&gt;&quot;@example\.org' "is shown as text"
unlike "$T/b" '<script' "and never as a tag"
get --data-urlencode 'keywords="<script>alert(2)</script>"' -d frequency=weekly "$base$gan_k"
is "$code" 200 "a keyword with <script> in it"
like "$T/b" '<textarea [^>]*>&lt;script&gt;alert\(2\)&lt;/script&gt;$' "is shown as text in the list"
like "$T/b" 'role="status">.*added &lt;script&gt;alert\(2\)&lt;/script&gt;' "and in the account"
unlike "$T/b" '<script' "no tag"
get --data-urlencode 'keywords=</textarea><b>"a & b' -d frequency=weekly "$base$gan_k"
is "$code" 400 "a refused form with markup in it"
like "$T/b" '>&lt;/textarea&gt;&lt;b&gt;&quot;a &amp; b</textarea>' "is shown back as text"
unlike "$T/b" '<b>' "no tag"
is "$(sql "SELECT count(*) FROM interests WHERE subscriber_id = 4 AND keyword LIKE '%<script>%'")" 1 \
  "the keyword itself is stored as written"

serve_stop
is "$serve_rc" 0 "the server stops cleanly"
unlike "$T/serve.err" 'error:' "and logged no error"

# ---- [serve] public_url: the links of every message open on serve -----
serve_start
printf '[serve]\npublic_url = %s\n' "$base" >>"$T/shortmail.conf"
# A reader of its own: the others' keywords and states changed above.
sql "INSERT INTO subscribers (id, address, status, created_at, confirmed_at, changed_at)
       VALUES (90, 'pub@example.com', 'confirmed', 0, 0, 0);
     INSERT INTO interests (subscriber_id, keyword, created_at) VALUES (90, 'cs.lg', 0);"
sm preview --now "$SHORTMAIL_NOW" --eml "$T/pub.eml" --html "$T/pub.html" pub@example.com
is "$rc" 0 "preview with [serve] public_url"
for kind in u k; do
  link=$(grep -o "$base/$kind/[a-z2-7]*" "$T/pub.html" | head -1)
  [ -n "$link" ]
  ok $? "the digest's /$kind/ link starts with public_url"
  get "$link"
  is "$code" 200 "and opens on serve: GET /$kind/TOKEN"
done
like "$T/pub.eml" "^List-Unsubscribe: <$base/u/[a-z2-7]+>" "List-Unsubscribe starts with public_url"
unlike "$T/pub.html" 'https://www\.shortscience\.org/[uk]/' "no /u/ or /k/ link on the site"
sm sub add public@example.com gan
link=$(sql "SELECT payload FROM outbox WHERE kind = 'confirm' AND recipient = 'public@example.com'" |
  grep -o "$base/confirm/[a-z2-7]*" | head -1)
[ -n "$link" ]
ok $? "the confirmation request's link starts with public_url"
get "$link"
is "$code" 200 "and opens on serve: GET /confirm/TOKEN"
like "$T/b" 'public@example\.com' "the page names the reader"
serve_stop

"$SHORTMAIL" serve --help >"$T/out" 2>&1
like "$T/out" '^usage: shortmail serve \[--listen ADDR:PORT\]' "serve --help"
"$SHORTMAIL" help >"$T/out" 2>&1
like "$T/out" '^  serve ' "shortmail help lists serve"
"$SHORTMAIL" serve --listen nonsense >"$T/out" 2>&1
is "$?" 78 "a listen address without a port: exit 78"
like "$T/out" 'is not ADDRESS:PORT' "named in the message"

done_testing
