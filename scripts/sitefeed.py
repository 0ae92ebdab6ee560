#!/usr/bin/env python3
"""sitefeed.py: the sample feed in exactly the form ShortScience.org writes.

    sitefeed.py [--full] < data/sample-feed.xml > data/site-feed.xml

data/sample-feed.xml is richer than the site's own feed (categories,
authors, venues, years). This writes the same summaries the way the
site's templates/rss.php does, as described in ../shared/DESIGN.md ("The
site as it is") and doc/feed-format.md:

  * root <rss version="2.0" xmlns:shortscience="http://www.shortscience.org">
    (the namespace is the site's base URL), one <channel>;
  * per item, in this order: <shortscience:arxivid> (only when the paper
    has one), <shortscience:bibtexkey>, <shortscience:votes>, <title>,
    <author> (the summarizer's display name, else "Anonymous"),
    <description>, <link> and <guid>, both BASE/paper?bibtexKey=KEY#USER
    (#anon for anonymous summaries), <pubDate> (RFC 2822);
  * no <category>, no authors, venue or year of the paper;
  * summaries with 1 vote or fewer are left out;
  * every http(s)://, ftp:// and file:// URL removed from the text, so
    links read [text]() and images ![]() (reference definitions keep
    their label and lose their URL); links to the site's own papers were
    written by their summarizers as \\cite{KEY};
  * the text cut at 500 bytes, then "..." (PHP's substr, which may split
    a UTF-8 character), unless --full (the /rss-full.xml form);
  * the text escaped as HTML special characters, no CDATA.

Every third summary with an odd id is written as anonymous. One summary
is the site feed's own (EXTRA below): a second summary of a paper of the
sample, in French, whose cut splits the character "\u2192" (byte 500 is
the first of its three). Standard library only; the same input always
gives the same bytes.
"""

import argparse
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET

BASE = "http://www.shortscience.org"
NS = "https://www.shortscience.org/ns/1.0"
DC = "http://purl.org/dc/elements/1.1/"
CUT = 500

URL = re.compile(r"(?:https?|ftp|file)://[^\s)\]>\"']*")
PAPER_LINK = re.compile(
    r"\[([^\]]*)\]\((?:https?://www\.shortscience\.org)?/paper\?bibtexKey="
    r"([^)#\s]+)\)")


EXTRA = {
    "arxivid": "1706.03762",
    "bibtexkey": "journals/corr/VaswaniSPUJGKP17",
    "votes": 7,
    "title": "Attention Is All You Need",
    "author": "Camille Lefèvre",
    "pubDate": "Fri, 20 Nov 2026 18:05:00 +0000",
    "text": (
        "Une lecture en français, pour changer. L'idée centrale : remplacer "
        "la récurrence par l'attention seule. Chaque position calcule des "
        "requêtes $Q$, des clés $K$ et des valeurs $V$, et la sortie est "
        "$\\mathrm{softmax}(QK^T/\\sqrt{d_k})V$. Le facteur $\\sqrt{d_k}$ "
        "évite que le softmax sature quand $d_k$ est grand. Huit têtes en "
        "parallèle regardent des sous-espaces différents ; un encodage de "
        "position sinusoïdal remplace l'ordre que la récurrence lui "
        "donnait. Résultat : 28,4 BLEU en anglais\u2192allemand, entraîné en "
        "3,5 jours sur huit GPU. Ce qui m'a frappé, c'est la simplicité : "
        "pas de convolution, pas de récurrence, rien que des produits "
        "matriciels (voir aussi \\cite{journals/corr/BahdanauCB14})."),
}


def username(name):
    """A user name as the site's are: ASCII letters and digits."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if c.isascii() and c.isalnum())
    return plain.lower() or "user"


def escape(b):
    """htmlspecialchars on bytes: a split character stays split."""
    return (b.replace(b"&", b"&amp;").replace(b"<", b"&lt;")
            .replace(b">", b"&gt;").replace(b'"', b"&quot;"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true",
                    help="whole texts, as /rss-full.xml")
    args = ap.parse_args()
    root = ET.parse(sys.stdin).getroot()
    out = [b'<?xml version="1.0" encoding="UTF-8"?>\n',
           b'<rss version="2.0" xmlns:shortscience="' + BASE.encode() +
           b'">\n<channel>\n',
           b"<title>ShortScience.org</title>\n",
           b"<link>" + BASE.encode() + b"</link>\n",
           b"<description>ShortScience.org is a platform for "
           b"post-publication discussion aiming to improve accessibility "
           b"and reproducibility of research ideas.</description>\n"]
    items = []
    for item in root.iter("item"):
        name = item.findtext("{%s}creator" % DC)
        if not name:
            m = re.match(r".*\((.*)\)\s*$", item.findtext("author") or "")
            name = m.group(1) if m else "Anonymous"
        items.append({
            "arxivid": item.findtext("{%s}arxivid" % NS),
            "bibtexkey": item.findtext("{%s}bibtexkey" % NS),
            "votes": int(item.findtext("{%s}votes" % NS) or 0),
            "title": item.findtext("title"),
            "author": name,
            "pubDate": item.findtext("pubDate"),
            "text": item.findtext("description") or "",
        })
    items.insert(0, EXTRA)
    n = 0
    for it in items:
        votes = it["votes"]
        if votes <= 1:
            continue
        n += 1
        key = it["bibtexkey"]
        arxiv = it["arxivid"]
        name = it["author"]
        if n % 3 == 0 and n % 2 == 1:
            name = "Anonymous"
        user = "anon" if name == "Anonymous" else username(name)
        text = PAPER_LINK.sub(lambda m: "\\cite{%s}" % m.group(2), it["text"])
        text = URL.sub("", text)
        body = text.encode("utf-8")
        if not args.full and len(body) > CUT:
            body = body[:CUT] + b"..."
        link = ("%s/paper?bibtexKey=%s#%s" % (BASE, key, user)).encode()
        out.append(b"<item>\n")
        if arxiv:
            out.append(b"<shortscience:arxivid>" + arxiv.encode() +
                       b"</shortscience:arxivid>\n")
        out.append(b"<shortscience:bibtexkey>" + escape(key.encode()) +
                   b"</shortscience:bibtexkey>\n")
        out.append(b"<shortscience:votes>%d</shortscience:votes>\n" % votes)
        out.append(b"<title>" + escape(it["title"].encode()) +
                   b"</title>\n")
        out.append(b"<author>" + escape(name.encode()) + b"</author>\n")
        out.append(b"<description>" + escape(body) + b"</description>\n")
        out.append(b"<link>" + escape(link) + b"</link>\n")
        out.append(b"<guid>" + escape(link) + b"</guid>\n")
        out.append(b"<pubDate>" + it["pubDate"].encode() +
                   b"</pubDate>\n")
        out.append(b"</item>\n")
    out.append(b"</channel>\n</rss>\n")
    sys.stdout.buffer.write(b"".join(out))


if __name__ == "__main__":
    main()
