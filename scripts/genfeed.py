#!/usr/bin/env python3
"""genfeed.py: a deterministic synthetic ShortScience feed, for benchmarks.

    genfeed.py --items N [--seed S] [--format rss|atom] [--sql FILE] > feed.xml

Writes N summaries as RSS 2.0 in the site's form (shortscience: namespace,
dc:creator or author, markdown in CDATA) or as Atom 1.0. Keywords are
drawn from a Zipf distribution (s = 1.1) over ~155 arXiv categories and
2000 site tags; titles and bodies from a Zipf distribution over a 2000-word
vocabulary (plus function words); bodies are short markdown: paragraphs, a
list, sometimes a heading, inline or display math, code spans and links.
Names of authors and summarizers are rich in non-ASCII letters. One
summary in ten is a second summary of an earlier paper, as on the site.
Dates are spread over the 8 weeks ending 2026-11-20.

With --sql FILE it also writes the SQL that loads exactly the same rows
into the store's schema (db/schema.sql and db/migrations/): papers,
paper_keywords (with the folded form migration 0007 added, which for
these ASCII tags is their lower case, as sm_tag_fold writes it),
summaries and summaries_fts, filled as the store fills them, one INSERT per
row in a single BEGIN/COMMIT (the form `sqlite3 .dump` writes). The
timestamps the store takes from the clock (first_seen, last_changed,
fresh_at) are a fixed instant here.

The same arguments always give the same bytes (the vocabulary and names
come from fixed seeds; --seed only changes the draws). Standard library
only.
"""

import argparse
import bisect
import datetime
import email.utils
import random
import re
import sys
from xml.sax.saxutils import escape

END = datetime.datetime(2026, 11, 20, 23, 59, 59, tzinfo=datetime.timezone.utc)
SPAN = 8 * 7 * 86400
# What the store would have used as "now" when ingesting.
LOADED_AT = int(datetime.datetime(2026, 11, 21, tzinfo=datetime.timezone.utc).timestamp())
SITE = "https://www.shortscience.org"
NS = "https://www.shortscience.org/ns/1.0"

FUNCTION_WORDS = (
    "the of and a to in is that we for this with on are as by an be it from "
    "which at their not can our they its or than more these has have each "
    "when into only both also but how one two while over between most all "
    "does much per where then such very"
).split()

# Real words first, so the most frequent ranks read like a summary.
CONTENT_SEED = (
    "network model learning training loss gradient data layer networks "
    "paper results image representation method attention features deep "
    "neural performance approach task function distribution parameters "
    "optimization convolutional recurrent embedding generative latent "
    "variational inference posterior prior sampling encoder decoder sequence "
    "classification regression accuracy benchmark dataset baseline "
    "architecture regularization dropout normalization batch residual "
    "transformer policy reward agent value search graph node memory "
    "objective estimator variance bias kernel matrix vector softmax "
    "activation unit weights initialization convergence stochastic descent "
    "adversarial robustness uncertainty bayesian sparse compression pruning "
    "quantization distillation pretraining finetuning transfer domain "
    "adaptation segmentation detection captioning translation language "
    "speech audio video pixel patch token context alignment contrastive "
    "clustering manifold geometry theory bound generalization capacity "
    "overfitting ablation experiment evaluation metric inference scaling "
    "efficient computation hardware throughput latency"
).split()

SYLLABLES_C = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r",
               "s", "t", "v", "z", "br", "cr", "dr", "st", "tr", "pl", "gr",
               "sk", "sp", "th", "ch", "sh", "qu", "x"]
SYLLABLES_V = ["a", "e", "i", "o", "u", "y", "ai", "ea", "io", "ou"]
ACCENTED_V = ["ä", "é", "ö", "ü", "ø", "å", "í", "ó", "ú", "ñ", "ł", "ş"]

GIVEN = ("Jürgen Łukasz Hervé Gábor Zoë Søren Đorđe Çağlar Núria Björn "
         "François José Jiří Małgorzata Ådne Þóra Siân İlker Dávid Ștefan "
         "Renée Chloé Anaïs Joël Kōji Yūki Ørjan Ewa Zoubin Noémie Andrés "
         "Mária Tomáš Grzegorz Dóra Øystein Ines Raúl Björk Åsa Élodie "
         "Maria John Wei Anna David Sara Yoshua Ian Ilya Oriol Alex Priya "
         "Kenji Amara Chen Olga Pavel Ahmed Fatima Lucas Emma").split()
FAMILY = ("Schmidhuber Jégou Ghahramani Kaiser Melis Müller Østergaard "
          "Dvořák Kowalczyk Nováková Sørensen Gómez Peña Núñez Şahin Öztürk "
          "Wiśniewski Đặng Nguyễn Trần Lê Ibáñez Łopuszański Håkansson "
          "Fernández Çelik Jørgensen Schölkopf Bottou Lévy Žižek Vázquez "
          "Doğan Ólafsdóttir Grönlund Świątek Kröger Brontë Smith Johnson "
          "Wang Li Zhang Liu Chen Kumar Singh Tanaka Suzuki Kim Park Garcia "
          "Rossi Ivanov Petrov Hinton Bengio LeCun Sutskever Vinyals").split()
# Whole names in other scripts, drawn now and then.
OTHER_SCRIPT_NAMES = ["王伟", "李娜", "张敏", "田中 太郎", "佐藤 花子",
                      "김민준", "이서연", "Δημήτρης Παπαδόπουλος",
                      "Алексей Смирнов", "Ольга Кузнецова", "אורי כהן",
                      "محمد العلي"]

CATEGORIES = (
    "cs.LG cs.CV stat.ML cs.CL cs.AI cs.NE cs.IR cs.RO cs.SD eess.IV "
    "eess.AS eess.SP math.OC cs.CR cs.DC cs.DS cs.GT cs.HC cs.MA cs.SI "
    "q-bio.NC q-bio.QM physics.comp-ph cs.AR cs.CC cs.CE cs.CG cs.CY "
    "cs.DB cs.DL cs.DM cs.ET cs.FL cs.GL cs.GR cs.IT cs.LO cs.MM cs.MS "
    "cs.NA cs.NI cs.OH cs.OS cs.PF cs.PL cs.SC cs.SE cs.SY stat.AP "
    "stat.CO stat.ME stat.OT stat.TH math.AC math.AG math.AP math.AT "
    "math.CA math.CO math.CT math.CV math.DG math.DS math.FA math.GM "
    "math.GN math.GR math.GT math.HO math.IT math.KT math.LO math.MG "
    "math.MP math.NA math.NT math.OA math.PR math.QA math.RA math.RT "
    "math.SG math.SP math.ST eess.SY q-bio.BM q-bio.CB q-bio.GN q-bio.MN "
    "q-bio.OT q-bio.PE q-bio.SC q-bio.TO q-fin.CP q-fin.EC q-fin.GN "
    "q-fin.MF q-fin.PM q-fin.PR q-fin.RM q-fin.ST q-fin.TR econ.EM "
    "econ.GN econ.TH physics.acc-ph physics.ao-ph physics.app-ph "
    "physics.atm-clus physics.atom-ph physics.bio-ph physics.chem-ph "
    "physics.class-ph physics.data-an physics.ed-ph physics.flu-dyn "
    "physics.gen-ph physics.geo-ph physics.hist-ph physics.ins-det "
    "physics.med-ph physics.optics physics.plasm-ph physics.pop-ph "
    "physics.soc-ph physics.space-ph astro-ph.CO astro-ph.EP astro-ph.GA "
    "astro-ph.HE astro-ph.IM astro-ph.SR cond-mat.dis-nn cond-mat.mes-hall "
    "cond-mat.mtrl-sci cond-mat.other cond-mat.quant-gas cond-mat.soft "
    "cond-mat.stat-mech cond-mat.str-el cond-mat.supr-con nlin.AO nlin.CD "
    "nlin.CG nlin.PS nlin.SI quant-ph hep-th hep-ph hep-ex hep-lat gr-qc "
    "nucl-th nucl-ex math-ph"
).split()

VENUES = [("arXiv", 30), ("NeurIPS", 12), ("NIPS", 8), ("ICML", 12),
          ("ICLR", 12), ("CVPR", 10), ("ICCV", 4), ("ECCV", 4), ("ACL", 4),
          ("EMNLP", 3), ("NAACL", 2), ("AAAI", 3), ("IJCAI", 2), ("KDD", 2),
          ("JMLR", 2), ("TPAMI", 2), ("Nature", 1), ("MICCAI", 2),
          ("Interspeech", 1), ("UAI", 1), ("AISTATS", 2), ("CoRL", 1)]

MATH = [r"$\alpha$", r"$10^{-4}$", r"$\mathbb{R}^{128}$", r"$\frac{1}{2}$",
        r"$O(n \log n)$", r"$\beta_1 = 0.9$", r"$x \in \mathbb{R}^d$",
        r"$\mathcal{N}(0, I)$", r"$\nabla_\theta \mathcal{L}$",
        r"$p(z \mid x)$", r"\(x_t\)", r"$k = 5$", r"$\lambda \to 0$",
        r"$\sqrt{d_k}$", r"$\epsilon \sim \mathcal{N}(0, 1)$"]
DISPLAY_MATH = [
    r"$$\mathcal{L} = \sum_i \log p_\theta(x_i) - \beta D_{KL}(q \| p)$$",
    r"$$h_{t+1} = \sigma(W h_t + U x_t + b)$$",
    r"$$\hat{y} = \mathrm{softmax}\left(\frac{QK^\top}{\sqrt{d}}\right) V$$",
    r"$$\theta \leftarrow \theta - \eta \frac{1}{B} \sum_{b=1}^{B} \nabla \ell_b$$",
]
HEADINGS = ["## Idea", "## Method", "## Results", "## Summary",
            "#### What I liked", "#### Caveats", "## Key contributions",
            "#### Experiments", "## Why it matters"]


def zipf_cum(n, s):
    """Cumulative Zipf weights for ranks 1..n."""
    acc, out = 0.0, []
    for k in range(1, n + 1):
        acc += 1.0 / k ** s
        out.append(acc)
    return out


class Zipf:
    """Draws from a fixed list with Zipf(s) weights by rank. Draws go
    through a table of 2^16 slots, each holding the item whose share of
    the cumulative weight covers that slot: one random number and one
    index per draw, several times faster than a bisection."""

    BITS = 16

    def __init__(self, items, s):
        cum = zipf_cum(len(items), s)
        n = 1 << self.BITS
        step = cum[-1] / n
        self.table = [items[min(bisect.bisect(cum, (j + 0.5) * step),
                                len(items) - 1)] for j in range(n)]

    def draw(self, rng, k):
        table, bits = self.table, rng.getrandbits
        return [table[bits(16)] for _ in range(k)]

    def distinct(self, rng, k):
        """k distinct items (case-blind), in draw order."""
        seen, out = set(), []
        for _ in range(50 * k):
            if len(out) == k:
                break
            w = self.draw(rng, 1)[0]
            if w.lower() not in seen:
                seen.add(w.lower())
                out.append(w)
        return out


def make_vocabulary():
    """2000 content words: real ones first, then pronounceable made-up
    ones, about one in twenty with a non-ASCII letter. Fixed seed: the
    vocabulary does not depend on --seed."""
    rng = random.Random(20261120)
    words, seen = [], set()
    for w in CONTENT_SEED:
        if w not in seen:
            seen.add(w)
            words.append(w)
    while len(words) < 2000:
        n = rng.choice((2, 2, 3, 3, 3, 4))
        w = "".join(rng.choice(SYLLABLES_C) +
                    (rng.choice(ACCENTED_V) if rng.random() < 0.02
                     else rng.choice(SYLLABLES_V))
                    for _ in range(n))
        if rng.random() < 0.3:
            w += rng.choice(("n", "s", "t", "r", "l", "x"))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def make_tags(words):
    """2000 site tags: content words, one in five a hyphenated pair."""
    rng = random.Random(1106)
    tags, seen = [], set()
    i = 0
    while len(tags) < 2000:
        w = words[i % len(words)]
        if i % 5 == 4:
            w = w + "-" + words[rng.randrange(len(words))]
        i += 1
        if w not in seen:
            seen.add(w)
            tags.append(w)
    return tags


def make_names(count):
    rng = random.Random(7)
    out = []
    for _ in range(count):
        if rng.random() < 0.06:
            out.append(rng.choice(OTHER_SCRIPT_NAMES))
            continue
        g = rng.choice(GIVEN)
        if rng.random() < 0.2:
            g += " " + rng.choice(GIVEN)[0] + "."
        f = rng.choice(FAMILY)
        if rng.random() < 0.1:
            f += "-" + rng.choice(FAMILY)
        out.append(g + " " + f)
    return out


ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
C_SPACE = re.compile("[ \t\n\v\f\r]+")


def title_key(title):
    """As the store computes it: ASCII lower-cased, runs of (C locale)
    white space folded to one space, none at either end."""
    return " ".join(w for w in C_SPACE.split(title.translate(ASCII_LOWER)) if w)


def fts_keywords(kws):
    """As the store joins them: sorted by strcasecmp, case-blind
    duplicates dropped, space-separated."""
    out = []
    for k in sorted(kws, key=lambda k: k.encode().lower()):
        if out and out[-1].encode().lower() == k.encode().lower():
            continue
        out.append(k)
    return " ".join(out)


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.words = make_vocabulary()
        self.body = Zipf(FUNCTION_WORDS + self.words, 1.0)
        self.titlew = Zipf(self.words, 1.0)
        self.tags = Zipf(make_tags(self.words), 1.1)
        self.cats = Zipf(CATEGORIES, 1.1)
        self.names = make_names(5000)
        self.venues = [v for v, _ in VENUES]
        self.venue_cum = []
        acc = 0
        for _, w in VENUES:
            acc += w
            self.venue_cum.append(acc)
        self.papers = []

    def sentence(self, lo, hi):
        rng = self.rng
        ws = self.body.draw(rng, rng.randint(lo, hi))
        r = rng.random()
        if r < 0.12:
            i = rng.randrange(len(ws))
            ws[i] = "**" + ws[i] + "**"
        elif r < 0.2:
            i = rng.randrange(len(ws))
            ws[i] = "`" + ws[i] + "_" + ws[i - 1] + "()`"
        elif r < 0.32:
            ws.insert(rng.randrange(len(ws)), rng.choice(MATH))
        elif r < 0.36:
            i = rng.randrange(len(ws))
            p = self.papers[rng.randrange(len(self.papers))] \
                if self.papers else None
            if p:
                ws[i] = "[%s](%s/paper?bibtexKey=%s)" % (ws[i], SITE, p["bibtex"])
        s = " ".join(ws)
        return s[0].upper() + s[1:] + "."

    def markdown(self):
        rng = self.rng
        blocks = []
        if rng.random() < 0.3:
            blocks.append(rng.choice(HEADINGS))
        for _ in range(rng.randint(1, 3)):
            blocks.append(" ".join(self.sentence(6, 16)
                                   for _ in range(rng.randint(1, 4))))
        if rng.random() < 0.1:
            blocks.append(rng.choice(DISPLAY_MATH))
        if rng.random() < 0.6:
            if rng.random() < 0.3:
                blocks.append(rng.choice(HEADINGS))
            blocks.append("\n".join(
                "* " + " ".join(self.body.draw(rng, rng.randint(3, 9)))
                for _ in range(rng.randint(2, 5))))
            if rng.random() < 0.3:
                blocks.append(self.sentence(5, 12))
        return "\n\n".join(blocks)

    def new_paper(self, n):
        rng = self.rng
        tw = self.titlew.draw(rng, rng.randint(4, 11))
        title = " ".join(tw)
        title = title[0].upper() + title[1:]
        if rng.random() < 0.25:
            name = "".join(w.capitalize() for w in
                           self.titlew.draw(rng, 2))[:14]
            title = name + ": " + title
        authors = ", ".join(self.names[rng.randrange(len(self.names))]
                            for _ in range(rng.randint(1, 8)))
        venue = self.venues[bisect.bisect(self.venue_cum,
                                          rng.random() * self.venue_cum[-1])]
        year = min(2026, 2026 - int(rng.expovariate(0.25)))
        year = max(year, 1990)
        month = rng.randint(1, 12)
        arxiv = None
        if year >= 2007 and rng.random() < 0.9:
            arxiv = "%02d%02d.%05d" % (year % 100, month, n)
            bibtex = "journals/corr/abs-%02d%02d-%05d" % (year % 100, month, n)
        else:
            fam = self.names[rng.randrange(len(self.names))].split()[-1]
            fam = "".join(c for c in fam if c.isascii() and c.isalpha()) or "Anon"
            bibtex = "conf/%s/%s%02d-%d" % (venue.lower(), fam, year % 100, n)
        kws = self.cats.distinct(rng, rng.choice((1, 1, 2, 2, 3)))
        kws += [t for t in self.tags.distinct(rng, rng.randint(1, 6))
                if t.lower() not in {k.lower() for k in kws}]
        return {"title": title, "authors": authors, "venue": venue,
                "year": year, "arxiv": arxiv, "bibtex": bibtex,
                "keywords": kws, "id": None}

    def items(self, n):
        rng = self.rng
        stamps = sorted((int(END.timestamp()) - rng.randrange(SPAN)
                         for _ in range(n)), reverse=True)
        for i, ts in enumerate(stamps):
            if self.papers and rng.random() < 0.1:
                paper = self.papers[rng.randrange(len(self.papers))]
            else:
                paper = self.new_paper(len(self.papers) + 1)
                self.papers.append(paper)
            sid = 100000 + i
            yield {
                "paper": paper,
                "sid": sid,
                "guid": "shortscience-summary-%d" % sid,
                "link": "%s/paper?bibtexKey=%s&a=%d" % (SITE, paper["bibtex"], sid),
                "summarizer": self.names[rng.randrange(len(self.names))],
                "dc": rng.random() < 0.5,
                "markdown": self.markdown(),
                "votes": min(60, int(rng.expovariate(0.12))),
                "published": ts,
            }


def sql_str(s):
    if s is None:
        return "NULL"
    return "'" + s.replace("'", "''") + "'"


def rss_item(it):
    p = it["paper"]
    when = datetime.datetime.fromtimestamp(it["published"], datetime.timezone.utc)
    out = ["    <item>\n",
           "      <title>", escape(p["title"]), "</title>\n",
           "      <link>", escape(it["link"]), "</link>\n",
           '      <guid isPermaLink="false">', it["guid"], "</guid>\n",
           "      <pubDate>", email.utils.format_datetime(when), "</pubDate>\n"]
    if it["dc"]:
        out += ["      <dc:creator>", escape(it["summarizer"]), "</dc:creator>\n"]
    else:
        out += ["      <author>noreply@shortscience.org (",
                escape(it["summarizer"]), ")</author>\n"]
    out += ["      <description><![CDATA[", it["markdown"],
            "]]></description>\n"]
    for k in p["keywords"]:
        out += ["      <category>", escape(k), "</category>\n"]
    out += ["      <shortscience:bibtexkey>", escape(p["bibtex"]),
            "</shortscience:bibtexkey>\n"]
    if p["arxiv"]:
        out += ["      <shortscience:arxivid>", p["arxiv"],
                "</shortscience:arxivid>\n"]
    out += ["      <shortscience:votes>%d</shortscience:votes>\n" % it["votes"],
            "      <shortscience:authors>", escape(p["authors"]),
            "</shortscience:authors>\n",
            "      <shortscience:venue>", escape(p["venue"]),
            "</shortscience:venue>\n",
            "      <shortscience:year>%d</shortscience:year>\n" % p["year"],
            "    </item>\n"]
    return "".join(out)


def atom_item(it):
    p = it["paper"]
    when = datetime.datetime.fromtimestamp(
        it["published"], datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = ["  <entry>\n",
           "    <title>", escape(p["title"]), "</title>\n",
           '    <link rel="alternate" href="', escape(it["link"], {'"': "&quot;"}),
           '"/>\n',
           "    <id>", it["guid"], "</id>\n",
           "    <published>", when, "</published>\n",
           "    <updated>", when, "</updated>\n",
           "    <author><name>", escape(it["summarizer"]), "</name></author>\n",
           '    <content type="text">', escape(it["markdown"]), "</content>\n"]
    for k in p["keywords"]:
        out += ['    <category term="', escape(k, {'"': "&quot;"}), '"/>\n']
    out += ["    <shortscience:bibtexkey>", escape(p["bibtex"]),
            "</shortscience:bibtexkey>\n"]
    if p["arxiv"]:
        out += ["    <shortscience:arxivid>", p["arxiv"],
                "</shortscience:arxivid>\n"]
    out += ["    <shortscience:votes>%d</shortscience:votes>\n" % it["votes"],
            "    <shortscience:authors>", escape(p["authors"]),
            "</shortscience:authors>\n",
            "    <shortscience:venue>", escape(p["venue"]),
            "</shortscience:venue>\n",
            "    <shortscience:year>%d</shortscience:year>\n" % p["year"],
            "  </entry>\n"]
    return "".join(out)


def sql_rows(it, next_paper_id):
    """The SQL for one item; assigns the paper's id on first sight, as the
    store's INSERT would in document order."""
    p = it["paper"]
    out = []
    if p["id"] is None:
        p["id"] = next_paper_id
        out.append(
            "INSERT INTO papers (id, title, title_key, authors, venue, year, "
            "arxiv_id, bibtex_key) VALUES (%d, %s, %s, %s, %s, %d, %s, %s);\n"
            % (p["id"], sql_str(p["title"]), sql_str(title_key(p["title"])),
               sql_str(p["authors"]), sql_str(p["venue"]), p["year"],
               sql_str(p["arxiv"]), sql_str(p["bibtex"])))
        for k in p["keywords"]:
            out.append("INSERT INTO paper_keywords (paper_id, keyword, "
                       "folded) VALUES (%d, %s, %s);\n"
                       % (p["id"], sql_str(k), sql_str(k.lower())))
    sid = it["sql_id"]
    out.append(
        "INSERT INTO summaries (id, paper_id, guid, link, summarizer, "
        "markdown, votes, published, first_seen, last_changed, fresh_at) "
        "VALUES (%d, %d, %s, %s, %s, %s, %d, %d, %d, %d, %d);\n"
        % (sid, p["id"], sql_str(it["guid"]), sql_str(it["link"]),
           sql_str(it["summarizer"]), sql_str(it["markdown"]), it["votes"],
           it["published"], LOADED_AT, LOADED_AT, LOADED_AT))
    out.append(
        "INSERT INTO summaries_fts (rowid, title, authors, keywords, body) "
        "VALUES (%d, %s, %s, %s, %s);\n"
        % (sid, sql_str(p["title"]), sql_str(p["authors"]),
           sql_str(fts_keywords(p["keywords"])), sql_str(it["markdown"])))
    return "".join(out)


def main(argv):
    ap = argparse.ArgumentParser(
        description="Deterministic synthetic ShortScience feed.")
    ap.add_argument("--items", type=int, required=True,
                    help="number of summaries (e.g. 10000 to 100000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", choices=("rss", "atom"), default="rss")
    ap.add_argument("--sql", metavar="FILE",
                    help="also write SQL loading the same rows into the store")
    a = ap.parse_args(argv)
    if a.items < 1 or a.items > 1000000:
        ap.error("--items must be between 1 and 1000000")

    gen = Gen(a.seed)
    out = sys.stdout.buffer
    sql = open(a.sql, "w", encoding="utf-8", newline="\n") if a.sql else None
    updated = email.utils.format_datetime(END)
    if a.format == "rss":
        out.write((
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:shortscience="%s"\n'
            '     xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
            "  <channel>\n"
            "    <title>ShortScience.org: synthetic feed (seed %d, %d items)"
            "</title>\n"
            "    <link>%s/</link>\n"
            "    <description>Generated by genfeed.py for benchmarks."
            "</description>\n"
            "    <lastBuildDate>%s</lastBuildDate>\n"
            % (NS, a.seed, a.items, SITE, updated)).encode())
        item = rss_item
    else:
        out.write((
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom" '
            'xmlns:shortscience="%s">\n'
            "  <title>ShortScience.org: synthetic feed (seed %d, %d items)"
            "</title>\n"
            '  <link rel="alternate" href="%s/"/>\n'
            "  <id>%s/synthetic/%d</id>\n"
            "  <updated>%s</updated>\n"
            % (NS, a.seed, a.items, SITE, SITE, a.seed,
               END.strftime("%Y-%m-%dT%H:%M:%SZ"))).encode())
        item = atom_item
    if sql:
        sql.write("-- genfeed.py --items %d --seed %d --format %s: the same "
                  "rows as the feed, for db/schema.sql.\nBEGIN;\n"
                  % (a.items, a.seed, a.format))
    chunk = []
    npapers = 0
    for i, it in enumerate(gen.items(a.items)):
        chunk.append(item(it))
        if sql:
            it["sql_id"] = i + 1
            if it["paper"]["id"] is None:
                npapers += 1
            sql.write(sql_rows(it, npapers))
        if len(chunk) >= 1000:
            out.write("".join(chunk).encode())
            chunk = []
    out.write("".join(chunk).encode())
    out.write(("  </channel>\n</rss>\n" if a.format == "rss"
               else "</feed>\n").encode())
    if sql:
        sql.write("COMMIT;\n")
        sql.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
