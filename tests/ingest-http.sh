#!/bin/sh
# tests/ingest-http.sh: `shortmail ingest` over HTTP from tests/httpd.py:
# storing a feed, conditional GET (304), gzip, redirects, retries after
# 500s, timeouts, 404s, the size limit and --dry-run.
. "$top_srcdir/tests/lib.sh"

# Retries wait 50 ms, 100 ms, ... instead of 1 s, 2 s, ...
SHORTMAIL_RETRY_DELAY_MS=50
export SHORTMAIL_RETRY_DELAY_MS

www=$T/www
mkdir -p "$www"
cp "$top_srcdir/tests/data/feed-small.xml" "$www/feed.xml"
cp "$top_srcdir/tests/data/feed-atom.xml" "$www/feed-atom.xml"
cat > "$www/feed2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:shortscience="https://www.shortscience.org/ns/1.0">
<channel><title>Redirected</title>
<item><title>Generative Adversarial Nets</title>
<link>https://www.shortscience.org/paper?bibtexKey=conf/nips/GoodfellowPMXWOCB14#r</link>
<guid isPermaLink="false">shortscience:summary:2001</guid>
<description>Two networks play a minimax game $\min_G \max_D V(D, G)$.</description>
<category>gan</category></item>
</channel></rss>
EOF

start_httpd "$www" --flaky 2 --slow 4
: > "$T/http.log"

cp "$T/shortmail.conf" "$T/base.conf"
# feedconf NAME LINES...: a configuration with these [feed] settings.
feedconf() {
  name=$1
  shift
  cp "$T/base.conf" "$T/$name.conf"
  printf '[feed]\n' >> "$T/$name.conf"
  for l in "$@"; do printf '%s\n' "$l" >> "$T/$name.conf"; done
}
feedconf main "url = $base/feed.xml" "retries = 2" "timeout = 5"
SHORTMAIL_CONFIG=$T/main.conf
export SHORTMAIL_CONFIG

dump() { "${SQLITE3_CLI:-sqlite3}" "$T/store.db" .dump | cksum; }
# requests PATTERN: how many logged requests match.
requests() { grep -c -- "$1" "$T/http.log"; }

version=$("$SHORTMAIL" --version | sed 's/^shortmail //')
hex=$(sha1sum "$www/feed.xml" | cut -c1-16)
etag=\"$hex\"

# 1. The first run stores every item, from [feed] url.
sm ingest
is "$rc" 0 "first ingest exits 0"
is "$(cat "$T/out")" \
  "ingest: $base/feed.xml: 5 items, 5 new, 0 updated, 0 unchanged, 0 skipped" \
  "first ingest: summary line"
is "$(sql 'select count(*) from summaries')" 5 "five summaries stored"
is "$(sql "select p.title || '|' || p.authors || '|' || p.venue || '|' ||
             p.year || '|' || p.arxiv_id || '|' || s.summarizer || '|' ||
             s.votes || '|' || s.published
           from summaries s join papers p on p.id = s.paper_id
           where s.guid = 'shortscience:summary:1003'")" \
  "Attention Is All You Need|Ashish Vaswani, Noam Shazeer, Niki Parmar, Jakob Uszkoreit, Llion Jones, Aidan N. Gomez, Łukasz Kaiser, Illia Polosukhin|NIPS|2017|1706.03762|Zoë Müller-Łukasiewicz|128|1795252500" \
  "one item's fields, collapsed and non-ASCII intact"
sql "select markdown from summaries where guid = 'shortscience:summary:1003'" \
  > "$T/md"
like "$T/md" '^\$\\mathrm\{Attention\}\(Q, K, V\) = ' \
  "markdown: LaTeX line kept as its own line"
is "$(wc -l < "$T/md")" 8 "markdown: newlines kept exactly"
is "$(sql "select group_concat(keyword, ',') from (select keyword from
             paper_keywords k join summaries s on s.paper_id = k.paper_id
             where s.guid = 'shortscience:summary:1001' order by keyword)")" \
  "cs.CV,imagenet,residual networks" "keywords stored"
is "$(sql "select etag from feeds where url = '$base/feed.xml'")" "$etag" \
  "the server's ETag is remembered"
like "$T/http.log" "^GET /feed.xml status=200 inm=\"\" ims=\"\" " \
  "first request is unconditional"
like "$T/http.log" " ua=\"shortmail/$version \(\+https://www.shortscience.org\)\"" \
  "User-Agent names shortmail, its version and the site"
like "$T/http.log" '^GET /feed.xml .* ae="[^"]*gzip' \
  "the client accepts gzip"

# 2. The second run is a conditional GET answered 304: nothing changes.
before=$(dump)
: > "$T/http.log"
sm ingest
is "$rc" 0 "304: exits 0"
like "$T/err" "$base/feed.xml: not modified \(304\)" "304: says not modified"
is "$(cat "$T/out")" "" "304: no summary line"
like "$T/http.log" "^GET /feed.xml status=304 inm=\"'$hex'\" " \
  "304: the client sent If-None-Match with the ETag"
like "$T/http.log" '^GET /feed.xml status=304 .* ims="[A-Z][a-z][a-z], [0-9]+ ' \
  "304: the client sent If-Modified-Since"
is "$(dump)" "$before" "304: store unchanged"

# 3. gzip: decoded transparently.
: > "$T/http.log"
sm ingest "$base/feed.xml.gz-serve"
is "$rc" 0 "gzip (.gz-serve): exits 0"
like "$T/out" ': 5 items, 0 new, 0 updated, 5 unchanged, 0 skipped$' \
  "gzip (.gz-serve): same items, unchanged"
like "$T/http.log" '^GET /feed.xml.gz-serve status=200 .* gzip$' \
  "gzip (.gz-serve): the server did compress"
sm ingest "$base/feed-atom.xml?gzip=1"
is "$rc" 0 "gzip: exits 0"
is "$(cat "$T/out")" \
  "ingest: $base/feed-atom.xml?gzip=1: 3 items, 3 new, 0 updated, 0 unchanged, 0 skipped" \
  "gzip: three Atom entries stored"
like "$T/http.log" '^GET /feed-atom.xml\?gzip=1 status=200 .* gzip$' \
  "gzip: the server did compress"
is "$(sql "select p.authors from summaries s join papers p on p.id = s.paper_id
           where s.guid = 'http://arxiv.org/abs/1412.6980v9'")" \
  "Diederik P. Kingma, Jimmy Ba" "gzip: Atom authors joined"

# 4. Redirects are followed, but never to a file: URL.
: > "$T/http.log"
sm ingest "$base/redirect?to=/feed2.xml"
is "$rc" 0 "redirect: exits 0"
like "$T/out" "^ingest: $base/redirect\\?to=/feed2.xml: 1 items, 1 new, " \
  "redirect: the target's item stored"
like "$T/http.log" '^GET /redirect\?to=/feed2.xml status=302' \
  "redirect: the server redirected"
like "$T/http.log" '^GET /feed2.xml status=200' "redirect: target fetched"
is "$(sql "select count(*) from summaries where guid = 'shortscience:summary:2001'")" 1 \
  "redirect: stored"
sm ingest "$base/redirect?to=file:///etc/passwd"
is "$rc" 76 "redirect to file: refused (76)"
like "$T/err" "$base/redirect\\?to=file:///etc/passwd: redirected to a protocol that is not allowed" \
  "redirect to file: message"
feedconf noredir "max_redirects = 0"
sm -c "$T/noredir.conf" ingest "$base/redirect?to=/feed2.xml"
is "$rc" 76 "too many redirects: 76"
like "$T/err" "more than 0 redirects" "too many redirects: message"

# 5. 500s are retried with backoff; then the feed is stored.
: > "$T/http.log"
sm ingest "$base/flaky/feed.xml"
is "$rc" 0 "500 then 200: exits 0"
is "$(requests '^GET /flaky/feed.xml status=500')" 2 "500 then 200: two 500s"
is "$(requests '^GET /flaky/feed.xml status=200')" 1 "500 then 200: one 200"
like "$T/err" "$base/flaky/feed.xml: HTTP 500 Internal Server Error; retrying in 50 ms \(attempt 2 of 3\)" \
  "500 then 200: the retry is logged with its delay"
like "$T/err" "retrying in 100 ms \(attempt 3 of 3\)" "backoff doubles"
like "$T/out" "^ingest: $base/flaky/feed.xml: 5 items, 0 new, " \
  "500 then 200: items processed"

: > "$T/http.log"
before=$(dump)
sm ingest "$base/status/503/feed.xml"
is "$rc" 75 "503 every time: exits 75 (try again later)"
like "$T/err" "error: $base/status/503/feed.xml: HTTP 503 Service Unavailable after 3 attempts$" \
  "503 every time: message names URL, status and attempts"
is "$(requests '^GET /status/503/feed.xml status=503')" 3 \
  "503 every time: 1 + [feed] retries attempts"
is "$(dump)" "$before" "503: store unchanged"

: > "$T/http.log"
sm ingest "$base/status/429/feed.xml"
is "$rc" 75 "429: exits 75"
is "$(requests '^GET /status/429/feed.xml')" 3 "429: retried"

# A Retry-After on a 503 or 429 is the least wait before the next
# attempt; one longer than a run should wait ends the retries at once.
: > "$T/http.log"
sm ingest "$base/status/503/feed.xml?retry_after=1"
is "$rc" 75 "503 with Retry-After: 1: exits 75"
like "$T/err" "HTTP 503 Service Unavailable; retrying in 1000 ms \(attempt 2 of 3\)" \
  "503 with Retry-After: 1: the next attempt waits 1 s, not 50 ms"
is "$(requests '^GET /status/503/feed.xml?retry_after=1 ')" 3 \
  "503 with Retry-After: 1: still 3 attempts"
: > "$T/http.log"
sm ingest "$base/status/429/feed.xml?retry_after=3600"
is "$rc" 75 "429 with Retry-After: 3600: exits 75"
is "$(requests '^GET /status/429/feed.xml?retry_after=3600 ')" 1 \
  "429 with Retry-After: 3600: not retried in this run"
like "$T/err" "HTTP 429 Too Many Requests \(the server asks to wait more than 60 s: not retried now\)$" \
  "429 with Retry-After: 3600: says why"
: > "$T/http.log"
sm ingest "$base/status/503/feed.xml?retry_after=soon"
like "$T/err" "HTTP 503 Service Unavailable; retrying in 50 ms \(attempt 2 of 3\)" \
  "503 with Retry-After: soon: our own backoff"

# 6. A server slower than [feed] timeout.
feedconf slow "timeout = 1" "retries = 1"
: > "$T/http.log"
sm -c "$T/slow.conf" ingest "$base/slow/feed.xml"
is "$rc" 75 "timeout: exits 75"
like "$T/err" "error: $base/slow/feed.xml: timed out after 1 s \(2 attempts\)$" \
  "timeout: message names URL and the timeout"
is "$(requests '^GET /slow/feed.xml status=sleeping')" 2 \
  "timeout: retried once"

# 7. 4xx other than 429 are not retried.
: > "$T/http.log"
sm ingest "$base/missing.xml"
is "$rc" 66 "404: exits 66"
like "$T/err" "error: $base/missing.xml: HTTP 404 Not Found$" \
  "404: message names URL and status"
is "$(requests '^GET /missing.xml')" 1 "404: not retried"
sm ingest "$base/status/403/feed.xml"
is "$rc" 76 "403: exits 76"
like "$T/err" "$base/status/403/feed.xml: HTTP 403 Forbidden$" "403: message"

# 8. Nothing is listening.
dead=$(free_port)
sm -c "$T/noredir.conf" ingest "http://127.0.0.1:$dead/feed.xml"
is "$rc" 75 "connection refused: exits 75"
like "$T/err" "http://127.0.0.1:$dead/feed.xml: .*(onnect|refused).*\(3 attempts\)" \
  "connection refused: message, retried"

# 9. [feed] max_size bounds the body.
feedconf small "max_size = 1024"
sm -c "$T/small.conf" ingest "$base/feed-atom.xml"
is "$rc" 65 "max_size: exits 65"
like "$T/err" "$base/feed-atom.xml: response larger than 1024 bytes" \
  "max_size: message"
sm -c "$T/small.conf" ingest "$base/feed-atom.xml?gzip=1&fresh=1"
like "$T/err" "response larger than 1024 bytes" \
  "max_size: applies to the decompressed body"

# 10. --dry-run reports and writes nothing.
before=$(dump)
sm ingest --dry-run "$base/feed2.xml"
is "$rc" 0 "dry run: exits 0"
like "$T/out" "^1	shortscience:summary:2001	Generative Adversarial Nets$" \
  "dry run: lists the items"
like "$T/out" "^ingest: $base/feed2.xml: 1 items, 0 skipped \(dry run: nothing written\)$" \
  "dry run: summary line"
is "$(dump)" "$before" "dry run: store unchanged"

done_testing
