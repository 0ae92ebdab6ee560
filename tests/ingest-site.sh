#!/bin/sh
# tests/ingest-site.sh: the site's own feed (data/site-feed.xml, in the
# form ShortScience.org writes it) over HTTP from tests/httpd.py, which
# also stands in for the arXiv API: every vote, BibTeX key and arXiv id
# kept; arXiv categories as keywords, asked once per 100 papers and never
# again; the 500-byte cut stored as an excerpt and replaced by the whole
# text without being new again; a digest from the cut feed with no empty
# link, no raw \cite and a link to the whole summary; one paper with two
# summaries shown once; and arXiv failing in every way without failing
# the ingest.
. "$top_srcdir/tests/lib.sh"

www=$T/www
mkdir -p "$www"
cp "$top_srcdir/data/site-feed.xml" "$www/rss.xml"
cp "$top_srcdir/tests/data/arxiv.tsv" "$www/arxiv.tsv"
printf '<!DOCTYPE html>\n<html><body>Down for maintenance</body></html>\n' \
  > "$www/maintenance.html"

start_httpd "$www" --slow 3
: > "$T/http.log"

cp "$T/shortmail.conf" "$T/base.conf"
# conf NAME API [LINES...]: a configuration with the arXiv API at $base/API
# and this store.
conf() {
  name=$1
  api=$2
  shift 2
  sed "s|^path = .*|path = $T/$name.db|" "$T/base.conf" > "$T/$name.conf"
  printf '[feed]\nurl = %s/rss.xml\n[arxiv]\nenabled = yes\n' "$base" \
    >> "$T/$name.conf"
  printf 'api_url = %s/%s\ninterval_ms = 300\ntimeout = 5\n' "$base" "$api" \
    >> "$T/$name.conf"
  for l in "$@"; do printf '%s\n' "$l" >> "$T/$name.conf"; done
}
db() { "${SQLITE3_CLI:-sqlite3}" "$T/$1.db" "$2"; }
# Requests to $base/arxiv (a /slow/ one is logged again when it answers).
arxiv_requests() { grep -c '^GET /arxiv?id_list=' "$T/http.log"; }

conf main arxiv "[digest]" "max_items = 100"
SHORTMAIL_CONFIG=$T/main.conf
export SHORTMAIL_CONFIG

# What the feed holds, read independently of shortmail.
"$PYTHON3" - "$www/rss.xml" > "$T/expect" <<'PY'
import re, sys
raw = open(sys.argv[1], "rb").read()
items = re.findall(rb"<item>(.*?)</item>", raw, re.S)
def get(tag, it):
    m = re.search(rb"<" + tag + rb">(.*?)</" + tag + rb">", it, re.S)
    return m.group(1) if m else None
print(len(items))
print(sum(int(get(b"shortscience:votes", it)) for it in items))
print(sum(1 for it in items if get(b"shortscience:bibtexkey", it)))
print(len({get(b"shortscience:arxivid", it) for it in items
           if get(b"shortscience:arxivid", it)}))
print(sum(1 for it in items if get(b"description", it).endswith(b"...")))
PY
n_items=$(sed -n 1p "$T/expect")
n_votes=$(sed -n 2p "$T/expect")
n_keys=$(sed -n 3p "$T/expect")
n_arxiv=$(sed -n 4p "$T/expect")
n_cut=$(sed -n 5p "$T/expect")

# 1. The site's feed: its namespace is its base URL, in http while
#    [site] url says https.
sm ingest
is "$rc" 0 "site feed: ingest exits 0"
like "$T/out" "^ingest: $base/rss.xml: $n_items items, $n_items new, 0 updated, 0 unchanged, 0 skipped\$" \
  "every item stored (one has a UTF-8 character split by the cut)"
unlike "$T/err" "namespace" "the site's namespace is known: no warning"
is "$(db main 'SELECT sum(votes) FROM summaries')" "$n_votes" \
  "every vote kept ($n_votes)"
is "$(db main "SELECT count(*) FROM summaries s JOIN papers p ON p.id = s.paper_id WHERE p.bibtex_key IS NOT NULL")" \
  "$n_keys" "every BibTeX key kept"
is "$(db main 'SELECT count(*) FROM papers WHERE arxiv_id IS NOT NULL')" \
  "$n_arxiv" "every arXiv id kept ($n_arxiv papers)"
is "$(db main "SELECT summarizer || '|' || votes FROM summaries WHERE link = 'http://www.shortscience.org/paper?bibtexKey=journals/corr/VaswaniSPUJGKP17#camillelefevre'")" \
  "Camille Lefèvre|7" "the summarizer's display name and the votes"

# 2. arXiv: one request for every paper (fewer than 100), with manners.
is "$(arxiv_requests)" 1 "arXiv asked once for $n_arxiv papers"
like "$T/http.log" "GET /arxiv\?id_list=[0-9.,]*&max_results=$n_arxiv status=200 .*ua=\"shortmail/[^ ]* \(\+https://www.shortscience.org\)\"" \
  "one id_list of every id, max_results, a User-Agent naming shortmail"
like "$T/out" "^ingest: arXiv: 1 request, $n_arxiv ids answered, $((n_arxiv - 1)) papers took their categories, 1 ids unknown, 0 requests failed\$" \
  "summary line of the arXiv lookups"
like "$T/err" "warning: arXiv does not know the id 2006.11239" \
  "an id arXiv does not know: a warning naming it"
is "$(db main "SELECT group_concat(keyword, ' ') FROM (SELECT k.keyword FROM paper_keywords k JOIN papers p ON p.id = k.paper_id WHERE p.arxiv_id = '1512.03385' ORDER BY 1)")" \
  "cs.CV" "ResNet's keyword is its arXiv category"
is "$(db main "SELECT categories FROM arxiv_answers WHERE arxiv_id = '1406.2661'" | tr '\037' ' ')" \
  "stat.ML cs.LG" "all categories kept, primary first"
is "$(db main "SELECT count(*) FROM summaries_fts WHERE keywords MATCH 'cs'")" \
  "$(db main "SELECT count(*) FROM summaries s JOIN papers p ON p.id = s.paper_id WHERE p.arxiv_id IS NOT NULL AND p.arxiv_id != '2006.11239'")" \
  "the full-text index has the categories of every summary"

# 3. The second run: a 304, and arXiv is not asked again.
sm ingest
is "$rc" 0 "second ingest exits 0"
like "$T/err" "not modified \(304\)" "second ingest: 304"
is "$(arxiv_requests)" 1 "second ingest: arXiv not asked again"
unlike "$T/out" "arXiv" "second ingest: nothing to ask"

# 4. Excerpts: the cut texts.
is "$(db main 'SELECT count(*) FROM summaries WHERE excerpt = 1')" "$n_cut" \
  "every cut text ($n_cut) is an excerpt"
db main "SELECT markdown FROM summaries WHERE excerpt = 1" > "$T/excerpts"
"$PYTHON3" - "$T/main.db" > "$T/excheck" <<'PY'
import re, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
bad = []
for (md,) in db.execute("SELECT markdown FROM summaries WHERE excerpt = 1"):
    body = md[:-1]
    if not md.endswith("\u2026"):
        bad.append("no ellipsis: " + md[-20:])
    if "\ufffd" in md or len(md.encode()) > 503:
        bad.append("broken or long: " + md[-20:])
    plain = re.sub(r"`[^`]*`", "", body.replace("\\$", ""))
    if (plain.count("$") - 2 * plain.count("$$")) % 2 or plain.count("$$") % 2:
        bad.append("unpaired $: " + md[-40:])
    if body.count("[") != body.count("]") or body.count("`") % 2:
        bad.append("open link or code: " + md[-40:])
print("\n".join(bad) or "ok")
PY
is "$(cat "$T/excheck")" "ok" \
  "excerpts: end in an ellipsis, no broken character, no unpaired \$, no open code or link"
is "$(db main "SELECT count(*) FROM summaries WHERE link LIKE '%#camillelefevre' AND markdown LIKE '%28,4 BLEU en anglais…'")" \
  1 "the split character is dropped, the rest kept"

# 5. A digest from the cut feed, for a reader of cs.CV and cs.CL.
SHORTMAIL_NOW=2026-11-23T10:00:00Z
export SHORTMAIL_NOW
db main "INSERT INTO subscribers (id, address, status, created_at, confirmed_at, changed_at) VALUES (1, 'vision@example.com', 'confirmed', 0, 0, 0);
         INSERT INTO interests (subscriber_id, keyword, created_at) VALUES (1, 'cs.cv', 0), (1, 'cs.cl', 0);"
sm preview --now "$SHORTMAIL_NOW" --eml "$T/d.eml" vision@example.com
is "$rc" 0 "preview of a digest from the cut feed"
"$PYTHON3" - "$T/d.eml" "$T/main.db" > "$T/dcheck" <<'PY'
import email, email.policy, re, sqlite3, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"),
                                     policy=email.policy.default)
text = msg.get_body(("plain",)).get_content()
html = msg.get_body(("html",)).get_content()
db = sqlite3.connect(sys.argv[2])
cv = [t for (t,) in db.execute(
    "SELECT DISTINCT p.title FROM papers p JOIN paper_keywords k ON "
    "k.paper_id = p.id JOIN summaries s ON s.paper_id = p.id WHERE "
    "k.keyword = 'cs.CV' AND s.fresh_at >= strftime('%s', "
    "'2026-11-16T10:00:00')")]
out = []
out.append("cv papers: %d" % len(cv))
out.append("missing: %s" % [t for t in cv if t not in text])
out.append("raw ]( in text: %d, html: %d" % (text.count("]("),
                                             html.count("](")))
out.append("empty href: %d" % len(re.findall(r'href=""', html)))
out.append("raw cite: %d" % (text.count("\\cite") + html.count("\\cite")))
out.append("U+FFFD: %d" % (text.count("\ufffd") + html.count("\ufffd")))
out.append("attention title: %d" % text.count("Attention Is All You Need"))
out.append("another: %d" % text.count(
    "Another summary of this paper, by Camille Lef\u00e8vre"))
out.append("more link: %s" % ("Read the full summary" in text and
                              "Read the full summary</a>" in html))
print("\n".join(out))
PY
like "$T/dcheck" "^cv papers: [1-9]" "the reader of cs.CV has cs.CV papers (keywords from arXiv)"
like "$T/dcheck" "^missing: \[\]\$" "every cs.CV paper of the week is in the digest"
like "$T/dcheck" "^raw \]\( in text: 0, html: 0\$" "no raw ]( in the digest"
like "$T/dcheck" "^empty href: 0\$" "no empty link"
like "$T/dcheck" "^raw cite: 0\$" "no raw \\cite"
like "$T/dcheck" "^U\+FFFD: 0\$" "no broken character"
like "$T/dcheck" "^attention title: 1\$" "a paper with two summaries shows its title once"
like "$T/dcheck" "^another: 1\$" "its second summary is named by its summarizer"
like "$T/dcheck" "^more link: True\$" "an excerpt offers the whole summary on the site"

# 6. The whole texts (/rss-full.xml) replace the excerpts, news to no one;
#    the cut feed again changes nothing back.
cp "$top_srcdir/data/site-feed-full.xml" "$www/rss-full.xml"
sm ingest "$base/rss-full.xml"
is "$rc" 0 "full feed: ingest exits 0"
like "$T/out" "^ingest: $base/rss-full.xml: $n_items items, 0 new, $n_cut updated, $((n_items - n_cut)) unchanged, 0 skipped\$" \
  "full feed: the excerpts updated, none renewed"
is "$(db main 'SELECT count(*) FROM summaries WHERE excerpt = 1')" 0 \
  "full feed: no excerpt left"
is "$(db main 'SELECT count(*) FROM summaries WHERE fresh_at != first_seen')" 0 \
  "full feed: no summary new again"
sm ingest "file://$www/rss.xml"
like "$T/out" "^ingest: file://$www/rss.xml: $n_items items, 0 new, 0 updated, $n_items unchanged, 0 skipped\$" \
  "the cut feed again: the whole texts stay"
is "$(db main 'SELECT count(*) FROM summaries WHERE excerpt = 1')" 0 \
  "the cut feed again: still no excerpt"

# 7. A namespace shortmail does not know: said once, naming it.
sed 's|xmlns:shortscience="http://www.shortscience.org"|xmlns:shortscience="http://staging.shortscience.example"|' \
  "$www/rss.xml" > "$www/staging.xml"
conf staging arxiv
SHORTMAIL_CONFIG=$T/staging.conf sm ingest "$base/staging.xml"
is "$rc" 0 "unknown namespace: ingest exits 0"
is "$(grep -c 'namespace' "$T/err")" 1 "unknown namespace: one warning"
like "$T/err" "items carry elements of the namespace \"http://staging.shortscience.example\" \(such as <shortscience:arxivid>\), which shortmail does not read; ignored" \
  "unknown namespace: the warning names it"

# 8. arXiv failing: slow, an HTTP error, not Atom, unreachable. Each is
#    a warning; the items are stored; the next run asks again.
check_failure() { # NAME API PATTERN [LINES...]
  name=$1
  api=$2
  pattern=$3
  shift 3
  conf "$name" "$api" "$@"
  SHORTMAIL_CONFIG=$T/$name.conf sm ingest
  is "$rc" 0 "$name: ingest exits 0"
  is "$(db "$name" 'SELECT count(*) FROM summaries')" "$n_items" \
    "$name: every item stored"
  like "$T/err" "warning: arXiv API [^ ]*: $pattern; $n_arxiv papers wait for their categories until the next run" \
    "$name: a warning says what happened"
  is "$(db "$name" 'SELECT count(*) FROM arxiv_answers')" 0 \
    "$name: nothing recorded as answered"
}
check_failure slow slow/arxiv "timed out after 1 s.*" "timeout = 1"
check_failure failing status/503/arxiv "HTTP 503.*"
check_failure html maintenance.html \
  "the answer: not an RSS or Atom feed \(the root element is <html>\)"
check_failure down x ".*" \
  "api_url = http://127.0.0.1:$(free_port)/api/query"
# The API back: the next run asks for what waits.
printf 'api_url = %s/arxiv\n' "$base" >> "$T/down.conf"
SHORTMAIL_CONFIG=$T/down.conf sm ingest "file://$www/rss.xml"
like "$T/out" "^ingest: arXiv: 1 request, $n_arxiv ids answered" \
  "the API back: the papers that waited are asked"

# 9. Many papers: at most 100 ids a request, at least interval_ms apart;
#    an id that is not an arXiv id is never sent.
"$PYTHON3" - "$www/many.xml" "$www/arxiv.tsv" <<'PY'
import sys
items = []
with open(sys.argv[2], "a") as tsv:
    for i in range(1, 251):
        aid = "2101.%05d" % i
        tsv.write("%s\tcs.LG stat.ML\n" % aid)
        items.append(
            "<item>\n<shortscience:arxivid>%s</shortscience:arxivid>\n"
            "<shortscience:bibtexkey>journals/corr/abs-%s</shortscience:bibtexkey>\n"
            "<shortscience:votes>3</shortscience:votes>\n"
            "<title>Paper number %d</title>\n<author>Anonymous</author>\n"
            "<description>Text %d.</description>\n"
            "<link>http://www.shortscience.org/paper?bibtexKey=journals/corr/abs-%s#anon</link>\n"
            "<guid>http://www.shortscience.org/paper?bibtexKey=journals/corr/abs-%s#anon</guid>\n"
            "<pubDate>Fri, 20 Nov 2026 10:00:00 +0000</pubDate>\n</item>\n"
            % (aid, aid, i, i, aid, aid))
items.append(
    "<item>\n<shortscience:arxivid>not-an-id</shortscience:arxivid>\n"
    "<shortscience:bibtexkey>misc/odd</shortscience:bibtexkey>\n"
    "<shortscience:votes>3</shortscience:votes>\n<title>An odd id</title>\n"
    "<author>Anonymous</author>\n<description>x</description>\n"
    "<link>http://www.shortscience.org/paper?bibtexKey=misc/odd#anon</link>\n"
    "<pubDate>Fri, 20 Nov 2026 10:00:00 +0000</pubDate>\n</item>\n")
open(sys.argv[1], "w").write(
    '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
    'xmlns:shortscience="http://www.shortscience.org">\n<channel>\n'
    "<title>ShortScience.org</title>\n" + "".join(items) +
    "</channel>\n</rss>\n")
PY
conf many arxiv
: > "$T/http.log"
SHORTMAIL_CONFIG=$T/many.conf sm ingest "$base/many.xml"
is "$rc" 0 "250 papers: ingest exits 0"
is "$(arxiv_requests)" 3 "250 papers: three requests"
"$PYTHON3" - "$T/http.log" > "$T/spacing" <<'PY'
import re, sys
ts, sizes = [], []
for line in open(sys.argv[1]):
    m = re.search(r"^GET /arxiv\?id_list=([^& ]*).* t=([0-9.]+)", line)
    if m:
        sizes.append(len(m.group(1).split(",")))
        ts.append(float(m.group(2)))
gaps = [b - a for a, b in zip(ts, ts[1:])]
print("sizes=%s min_gap_ok=%s" % (sizes, all(g >= 0.3 for g in gaps)))
PY
is "$(cat "$T/spacing")" "sizes=[100, 100, 50] min_gap_ok=True" \
  "at most 100 ids a request, at least interval_ms apart"
like "$T/err" "warning: \"not-an-id\" is not an arXiv id: its paper gets no keywords" \
  "an id that is not arXiv's: warned about, not sent"
unlike "$T/http.log" "not-an-id" "an id that is not arXiv's: never in a request"
is "$(db many "SELECT count(*) FROM paper_keywords WHERE keyword = 'stat.ML'")" \
  250 "250 papers took their categories"

done_testing
