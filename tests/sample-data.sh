#!/bin/sh
# tests/sample-data.sh: data/sample-feed.xml is a usable feed, and
# scripts/genfeed.py is deterministic and its --sql output holds the same
# rows as its feed.
. "$top_srcdir/tests/lib.sh"

feed=$top_srcdir/data/sample-feed.xml
gen=$top_srcdir/scripts/genfeed.py

# One line per property of the sample feed: NAME VALUE.
"$PYTHON3" - "$feed" >"$T/facts" 2>"$T/facts.err" <<'PY'
import datetime, email.utils, re, sys
import xml.etree.ElementTree as ET

NS = "{https://www.shortscience.org/ns/1.0}"
raw = open(sys.argv[1], "rb").read()
raw.decode("utf-8")  # strict: raises on invalid UTF-8
root = ET.fromstring(raw)
items = root.findall("./channel/item")
print("items", len(items))
need = ["title", "link", "guid", "pubDate", "description",
        NS + "bibtexkey", NS + "votes"]
bad, week, guids = [], 0, set()
lo, hi = datetime.date(2026, 11, 14), datetime.date(2026, 11, 20)
for n, it in enumerate(items, 1):
    missing = [t for t in need if not (it.findtext(t) or "").strip()]
    if not it.findall("category"):
        missing.append("category")
    if not (it.findtext("author") or it.findtext(
            "{http://purl.org/dc/elements/1.1/}creator")):
        missing.append("author")
    votes = it.findtext(NS + "votes") or ""
    if not re.fullmatch(r"[0-9]+", votes) or int(votes) > 60:
        missing.append("votes 0..60")
    if missing:
        bad.append("item %d (%s): %s" % (n, it.findtext("guid"),
                                          ",".join(missing)))
        continue
    guids.add(it.findtext("guid"))
    d = email.utils.parsedate_to_datetime(it.findtext("pubDate"))
    if lo <= d.astimezone(datetime.timezone.utc).date() <= hi:
        week += 1
print("incomplete", len(bad))
for b in bad:
    print("#", b, file=sys.stderr)
print("distinct_guids", len(guids) == len(items) - len(bad))
print("last_week", week)
descs = [it.findtext("description") for it in items]
print("has_script", any("<script>" in d for d in descs))
print("long_word", max(len(w) for d in descs for w in d.split()) >= 250)
print("long_url", any(len(u) >= 500 for d in descs
                      for u in re.findall(r"https?://[^\s)]+", d)))
print("non_ascii_authors", sum(1 for it in items
      if re.search(r"[^\x00-\x7f]", it.findtext(NS + "authors") or "")))
PY
ok $? "sample feed is well-formed UTF-8 XML"
sed 's/^/#   /' "$T/facts.err"
fact() { sed -n "s/^$1 //p" "$T/facts"; }
n=$(fact items)
ok "$([ "${n:-0}" -ge 40 ] && echo 0 || echo 1)" "sample feed has at least 40 items (has $n)"
is "$(fact incomplete)" 0 \
  "every item has title, link, guid, pubDate, author, description, category, bibtexkey, votes"
is "$(fact distinct_guids)" True "guids are distinct"
w=$(fact last_week)
ok "$([ "${w:-0}" -ge 8 ] && echo 0 || echo 1)" \
  "at least 8 items dated 2026-11-14..2026-11-20 (has $w)"
is "$(fact has_script)" True "a <script> survives as text in a description"
is "$(fact long_word)" True "a description has a very long word"
is "$(fact long_url)" True "a description has a very long URL"
a=$(fact non_ascii_authors)
ok "$([ "${a:-0}" -ge 3 ] && echo 0 || echo 1)" \
  "paper authors include non-ASCII names ($a items)"

# genfeed.py: same seed, same bytes; another seed, other bytes.
"$PYTHON3" "$gen" --items 500 --seed 7 --sql "$T/a.sql" >"$T/a.xml"
ok $? "genfeed.py --items 500 runs"
"$PYTHON3" "$gen" --items 500 --seed 7 --sql "$T/b.sql" >"$T/b.xml"
cmp -s "$T/a.xml" "$T/b.xml"
ok $? "same seed gives identical feeds"
cmp -s "$T/a.sql" "$T/b.sql"
ok $? "same seed gives identical SQL"
"$PYTHON3" "$gen" --items 500 --seed 8 >"$T/c.xml"
if cmp -s "$T/a.xml" "$T/c.xml"; then same=1; else same=0; fi
is "$same" 0 "another seed gives another feed"
"$PYTHON3" "$gen" --items 500 --seed 7 --format atom >"$T/a.atom"

count() { # count FILE TAG: elements TAG in the (well-formed) document
  "$PYTHON3" -c 'import sys, xml.etree.ElementTree as ET
print(sum(1 for e in ET.parse(sys.argv[1]).iter() if e.tag == sys.argv[2]))' "$1" "$2"
}
is "$(count "$T/a.xml" item)" 500 "the RSS feed has 500 items"
is "$(count "$T/a.atom" '{http://www.w3.org/2005/Atom}entry')" 500 \
  "the Atom feed has 500 entries"

# The SQL loads into the store's schema (schema.sql and every migration,
# as shortmail makes it) and agrees with the feed.
"$SHORTMAIL" --db "$T/store.db" db migrate >/dev/null
"$SQLITE3_CLI" "$T/store.db" <"$T/a.sql" 2>"$T/sql.err"
ok $? "genfeed.py's SQL loads into a store made by shortmail db migrate"
sed 's/^/#   /' "$T/sql.err"
is "$(sql 'SELECT count(*) FROM paper_keywords WHERE folded IS NOT lower(keyword)')" 0 \
  "every tag has its folded form, as the store writes it for ASCII tags"
is "$(sql 'SELECT count(*) FROM summaries')" 500 "500 summaries"
is "$(sql 'SELECT count(*) FROM summaries_fts')" 500 "500 full-text rows"
is "$(sql 'SELECT count(*) FROM summaries s JOIN summaries_fts f ON f.rowid = s.id WHERE f.body = s.markdown')" \
  500 "full-text body is each summary's markdown"

"$PYTHON3" - "$T/a.xml" "$T/store.db" >"$T/cmp" 2>&1 <<'PY'
import sqlite3, sys, email.utils
import xml.etree.ElementTree as ET

NS = "{https://www.shortscience.org/ns/1.0}"
items = ET.parse(sys.argv[1]).getroot().findall("./channel/item")
db = sqlite3.connect(sys.argv[2])
rows = {r[0]: r[1:] for r in db.execute(
    "SELECT s.guid, s.link, s.markdown, s.votes, s.published, s.summarizer,"
    " p.title, p.authors, p.venue, p.year, p.arxiv_id, p.bibtex_key,"
    " (SELECT group_concat(keyword, ' ') FROM (SELECT keyword FROM"
    "  paper_keywords k WHERE k.paper_id = p.id ORDER BY keyword))"
    " FROM summaries s JOIN papers p ON p.id = s.paper_id")}
papers = db.execute("SELECT count(*) FROM papers").fetchone()[0]
bad = 0
for it in items:
    who = it.findtext("{http://purl.org/dc/elements/1.1/}creator")
    if who is None:
        who = it.findtext("author").split(" (", 1)[1][:-1]
    want = (it.findtext("link"), it.findtext("description"),
            int(it.findtext(NS + "votes")),
            int(email.utils.parsedate_to_datetime(
                it.findtext("pubDate")).timestamp()),
            who, it.findtext("title"), it.findtext(NS + "authors"),
            it.findtext(NS + "venue"), int(it.findtext(NS + "year")),
            it.findtext(NS + "arxivid"), it.findtext(NS + "bibtexkey"),
            " ".join(sorted(c.text for c in it.findall("category"))))
    got = rows.get(it.findtext("guid"))
    # paper_keywords sort with COLLATE NOCASE; compare as sets of words.
    if got is None or got[:-1] != want[:-1] or \
            sorted(got[-1].split()) != sorted(want[-1].split()):
        bad += 1
        if bad <= 3:
            print("# differs:", it.findtext("guid"), got, want)
print("mismatches", bad)
print("papers", papers, "bibtexkeys",
      len({it.findtext(NS + "bibtexkey") for it in items}))
PY
like "$T/cmp" '^mismatches 0$' "every feed item is the same row in the SQL"
p=$(sed -n 's/^papers \([0-9]*\) bibtexkeys \([0-9]*\)$/\1 \2/p' "$T/cmp")
is "${p% *}" "${p#* }" "one paper row per distinct bibtex key"
ok "$([ "${p% *}" -lt 500 ] && echo 0 || echo 1)" \
  "some papers have more than one summary (${p% *} papers)"
kw=$(sql "SELECT f.keywords FROM summaries_fts f WHERE f.rowid = 1")
want=$(sql "SELECT group_concat(keyword, ' ') FROM (SELECT keyword FROM paper_keywords WHERE paper_id = (SELECT paper_id FROM summaries WHERE id = 1) ORDER BY lower(keyword))")
is "$kw" "$want" "full-text keywords: the paper's keywords, sorted without case"

done_testing
