#!/usr/bin/env python3
"""generate.py: writes the generated part of the reply corpus (g-*.eml,
each with its expected comment in g-*.expect) into this directory.

Each case is one reader's reply, as one mail program in one language
writes it: the headers, MIME structure, charset and transfer encoding
that program uses, its attribution line or header block, its quoting
(or lack of it), and the reader's comment in one of several shapes
(top posting, bottom posting, inline answers, a signature, a phone
footer, HTML only). The phrases per language are in langs.py.

Run it again after changing it: it is deterministic, and the files it
writes are committed so that the cases can be read and reviewed.
Hand-written odd shapes are the h-*.eml files; this script leaves them
alone."""

import base64
import glob
import html
import os
import quopri
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from langs import LANGS  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LIST = "ShortScience digest"
TOKEN_ADDR = "digest+c-7QK2M4XBD3PA@lists.example.org"

READERS = {
    "en": ("Tom Baker", "tom.baker@example.net"),
    "fr": ("Lucie Émond", "lucie@example.fr"),
    "de": ("Jörg Weiß", "joerg@example.de"),
    "es": ("Íñigo Peña", "inigo@example.es"),
    "it": ("Niccolò Rossi", "niccolo@example.it"),
    "nl": ("Sanne de Vries", "sanne@example.nl"),
    "pt": ("João Araújo", "joao@example.com.br"),
    "pl": ("Paweł Łukasz", "pawel@example.pl"),
    "sv": ("Åsa Öberg", "asa@example.se"),
    "da": ("Søren Ægidius", "soren@example.dk"),
    "ru": ("Иван Петров", "ivan@example.ru"),
    "uk": ("Олена Коваль", "olena@example.com.ua"),
    "cs": ("Jiří Dvořák", "jiri@example.cz"),
    "vi": ("Nguyễn Văn An", "an@example.vn"),
    "ja": ("山田太郎", "taro@example.jp"),
    "zh": ("王小明", "xiaoming@example.cn"),
    "ko": ("김민준", "minjun@example.kr"),
    "fi": ("Väinö Mäkelä", "vaino@example.fi"),
    "tr": ("Çağla Öztürk", "cagla@example.com.tr"),
}

# Whom the reader answers: our digest, or a discussion message that a
# reader's comment went out in (with a nested quote of its own).
ORIGINALS = {
    "digest": {
        "from": (LIST, TOKEN_ADDR),
        "subject": "Deep Residual Learning for Image Recognition",
        "paras": [
            ["Deep Residual Learning for Image Recognition",
             "He, Zhang, Ren, Sun \u00b7 CVPR 2016",
             "Summary by Ann Lee \u00b7 12 votes \u00b7 "
             "https://www.shortscience.org/paper?bibtexKey=he2016deep",
             "Matched: cs.CV"],
            ["Residual blocks learn a correction to the identity, so that very",
             "deep networks train as easily as shallow ones."],
            ["=" * 40,
             "You get this because you follow cs.CV. Reply to comment.",
             "Unsubscribe: https://digest.example.org/u/K4TQ"],
        ],
    },
    "discussion": {
        "from": ("Ann Lee via ShortScience", TOKEN_ADDR),
        "subject": "Batch Normalization",
        "paras": [
            ["Bob Stone commented on Batch Normalization:",
             "> The scale and shift parameters are the part people forget.",
             "> Without them the layer limits what the network can express."],
            ["True, and the running averages matter at test time too."],
            ["-- ",
             "You get this because you follow this discussion.",
             "Leave it: https://digest.example.org/t/9X2B"],
        ],
    },
}

CLIENTS = [
    "gmail", "gmail-mobile", "outlook", "outlook-web", "outlook-mobile",
    "apple", "ios", "thunderbird", "k9", "fairemail", "yahoo", "mailru",
    "yandex", "proton", "winmail",
]

# The shapes a reply takes; not every program writes every one.
SHAPES = {
    "gmail": ["top", "top", "sig", "bottom", "inline", "html"],
    "gmail-mobile": ["top", "mobile", "inline"],
    "outlook": ["top", "sig", "html"],
    "outlook-web": ["top", "html", "html"],
    "outlook-mobile": ["mobile", "mobile", "html"],
    "apple": ["top", "inline", "html", "bottom"],
    "ios": ["mobile", "mobile", "inline"],
    "thunderbird": ["bottom", "inline", "sig", "top", "html"],
    "k9": ["mobile", "inline", "bottom"],
    "fairemail": ["top", "inline"],
    "yahoo": ["top", "mobile", "html"],
    "mailru": ["top", "html", "mobile"],
    "yandex": ["top", "html", "mobile"],
    "proton": ["top", "mobile", "html"],
    "winmail": ["mobile", "html"],
}

AGENTS = {
    "gmail": None,
    "gmail-mobile": None,
    "outlook": ("X-Mailer", "Microsoft Outlook 16.0"),
    "outlook-web": ("X-MS-Exchange-Organization-SCL", "1"),
    "outlook-mobile": ("X-Mailer", "Outlook for iOS and Android"),
    "apple": ("X-Mailer", "Apple Mail (2.3774.200.91.1.1)"),
    "ios": ("X-Mailer", "iPhone Mail (22A3354)"),
    "thunderbird": ("User-Agent", "Mozilla Thunderbird"),
    "k9": ("User-Agent", "K-9 Mail for Android"),
    "fairemail": ("User-Agent", "FairEmail 1.2245"),
    "yahoo": ("X-Mailer", "WebService/1.1.22887 YMailNorrin"),
    "mailru": ("X-Mailer", "Mail.Ru Mailer 1.0"),
    "yandex": ("X-Mailer", "Yamail [ http://yandex.ru ] 5.0"),
    "proton": None,
    "winmail": ("X-Mailer", "Mail for Windows 10"),
}

# Which entry of a language's attribution table each program uses.
ATTR_OF = {
    "gmail": "gmail", "gmail-mobile": "gmail", "apple": "apple",
    "ios": "apple", "thunderbird": "thunderbird", "k9": "k9",
    "fairemail": "fairemail", "yahoo": "yahoo", "mailru": "mailru",
    "yandex": "yandex", "proton": "proton",
}


def enc_words(s, charset):
    """A header value with its non-ASCII words as RFC 2047 B words."""
    try:
        s.encode("ascii")
        return s
    except UnicodeEncodeError:
        pass
    try:
        b = s.encode(charset)
    except (UnicodeEncodeError, LookupError):
        charset, b = "utf-8", s.encode("utf-8")
    return "=?%s?B?%s?=" % (charset, base64.b64encode(b).decode())


def mailbox(name, addr, charset):
    return "%s <%s>" % (enc_words(name, charset), addr)


def quote(lines, prefix="> ", blank=">"):
    out = []
    for l in lines:
        if l == "":
            out.append(blank)
        elif l.startswith(">"):
            # A nested quote: most programs add ">" with no space.
            out.append(prefix.rstrip() + l if prefix == "> " else prefix + l)
        else:
            out.append(prefix + l)
    return out


def orig_lines(orig):
    out = []
    for i, p in enumerate(orig["paras"]):
        if i:
            out.append("")
        out += p
    return out


def wrap(line, width):
    """Gmail and others wrap a long attribution at a space."""
    if len(line) <= width:
        return [line]
    cut = line.rfind(" ", 0, width)
    if cut <= 0:
        return [line]
    return [line[:cut], line[cut + 1:]]


def esc(s):
    return html.escape(s, quote=False)


def html_lines(lines, tag="div"):
    """The reader's lines as a mail program's editor writes them."""
    out = []
    for l in lines:
        if l == "":
            out.append("<%s><br></%s>" % (tag, tag))
        else:
            out.append("<%s>%s</%s>" % (tag, esc(l), tag))
    return "\n".join(out)


def html_quote(lines):
    out = []
    depth = 0
    for l in lines:
        d = 0
        while l.startswith(">"):
            d += 1
            l = l[1:].lstrip(" ")
        while depth < d:
            out.append("<blockquote type=\"cite\">")
            depth += 1
        while depth > d:
            out.append("</blockquote>")
            depth -= 1
        out.append("<div>%s</div>" % (esc(l) if l else "<br>"))
    while depth:
        out.append("</blockquote>")
        depth -= 1
    return "\n".join(out)


class Case:
    def __init__(self, n, client, lang, shape, rnd):
        self.n, self.client, self.lang, self.shape = n, client, lang, shape
        self.L = LANGS[lang]
        self.rnd = rnd
        self.charset = rnd.choice(self.L["charsets"])
        if client in ("gmail", "gmail-mobile", "proton", "yandex", "mailru",
                      "k9", "fairemail", "yahoo", "apple", "ios"):
            # Web and phone programs write UTF-8 whatever the language.
            self.charset = "utf-8" if rnd.random() < 0.8 else self.charset
        if self.charset == "us-ascii" and lang != "en":
            self.charset = "utf-8"
        self.orig = ORIGINALS["discussion" if rnd.random() < 0.3
                              else "digest"]
        self.comment = rnd.choice(self.L["comments"]).split("\n")
        self.reader = READERS[lang]
        self.plain = None
        self.html = None
        self.expect = None

    # ---- the pieces every program shares ------------------------------

    def attribution(self):
        key = ATTR_OF.get(self.client, "gmail")
        name, addr = self.orig["from"]
        return self.L["attr"][key].format(name=name, addr=addr)

    def header_block(self, bold=False, date_first=False):
        f, s, t, subj, cc = self.L["hdr"]
        name, addr = self.orig["from"]
        colon = ":"
        rows = [(f, "%s <%s>" % (name, addr)),
                (s, self.L["weekday"]),
                (t, "%s <%s>" % self.reader),
                (subj, self.orig["subject"])]
        if self.rnd.random() < 0.3:
            rows.insert(3, (cc, "Bob Stone <bob@example.org>"))
        if date_first:
            rows = [rows[1], rows[0]] + rows[2:]
        fmt = "*%s%s* %s" if bold else "%s%s %s"
        return [fmt % (k, colon, v) for k, v in rows]

    # ---- the reader's part ------------------------------------------

    def body_parts(self):
        """(lines before the quote, the footer lines, the expected text)."""
        c = list(self.comment)
        foot = []
        if self.shape == "sig":
            foot = ["-- ", self.reader[0], "University of Somewhere"]
        elif self.shape == "mobile":
            foot = [self.mobile_sig()]
        return c, foot, "\n".join(c) + "\n"

    def mobile_sig(self):
        return {
            "ios": self.L["phone"], "gmail-mobile": self.L["android"],
            "outlook-mobile": self.L["outlook_mobile"],
            "winmail": self.L["winmail"], "yahoo": self.L["yahoo_sig"],
            "k9": self.L["k9_sig"], "proton": self.L["proton_sig"],
            "mailru": self.L["mailru_sig"], "yandex": self.L["yandex_sig"],
        }.get(self.client, self.L["phone"])

    # ---- text/plain, per program -------------------------------------

    def quoted_plain(self):
        """The attribution and the quote as the program writes them in
        text/plain, below the reader's text."""
        ol = orig_lines(self.orig)
        cl = self.client
        if cl in ("outlook", "outlook-web", "outlook-mobile", "winmail"):
            pre = []
            if cl == "outlook" and self.rnd.random() < 0.5:
                pre = [self.L["sep"]]
            else:
                pre = ["_" * 32 if cl != "winmail" else ""]
            return pre + self.header_block(
                date_first=cl == "outlook-web" and self.rnd.random() < 0.3) \
                + [""] + ol
        if cl == "yahoo":
            # Yahoo's text part does not quote: the earlier mail follows
            # its attribution, indented.
            return ["", " " + self.attribution(), ""] + \
                ["    " + l if l else "" for l in ol]
        attr = self.attribution()
        a = wrap(attr, 76) if cl in ("gmail", "gmail-mobile") else [attr]
        q = quote(ol)
        if cl == "thunderbird" and self.rnd.random() < 0.5:
            q = [l if l != ">" else "> " for l in q]
        return a + [""] + q

    def build_plain(self):
        c, foot, expect = self.body_parts()
        cl, sh = self.client, self.shape
        if sh == "inline":
            return self.build_inline()
        q = self.quoted_plain()
        if sh == "bottom":
            # Bottom posting: the attribution, the quote, then the reader.
            lines = q + [""] + c + ([""] + foot if foot else [])
        else:
            lines = c + [""]
            if foot:
                lines += foot + [""]
            lines += q
        self.plain = "\n".join(lines) + "\n"
        self.expect = expect

    def build_inline(self):
        ans = self.L["answers"]
        p = self.orig["paras"]
        a1, a2 = self.rnd.sample(ans, 2)
        attr = self.attribution()
        lines = [attr, ""]
        lines += quote(p[0]) + [""] + [a1] + [""]
        lines += quote(p[1]) + [""] + [a2] + [""]
        lines += quote(p[2])
        ctx1 = quote(p[0])[-3:]
        ctx2 = quote(p[1])[-3:]
        self.plain = "\n".join(lines) + "\n"
        self.expect = "\n".join(ctx1) + "\n\n" + a1 + "\n\n" + \
            "\n".join(ctx2) + "\n\n" + a2 + "\n"

    # ---- text/html, per program --------------------------------------

    def html_header_block(self):
        """Outlook's header block in HTML: bold field names, <br> lines."""
        return "<br>\n".join(
            "<b>%s</b> %s" % (esc(l[:l.index(":") + 1]),
                              esc(l[l.index(":") + 1:].strip()))
            for l in self.header_block())

    def build_html(self):
        c, foot, _ = self.body_parts()
        cl = self.client
        ol = orig_lines(self.orig)
        attr = esc(self.attribution())
        ql = html_quote(quote(ol))
        mine = html_lines(c + ([""] + foot if foot else []))
        if cl in ("gmail", "gmail-mobile"):
            body = ('<div dir="ltr">%s</div><br><div class="gmail_quote '
                    'gmail_quote_container"><div dir="ltr" class="gmail_attr">'
                    '%s<br></div><blockquote class="gmail_quote" style="margin:'
                    '0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);'
                    'padding-left:1ex">%s</blockquote></div>'
                    % (mine, attr, ql))
        elif cl in ("outlook", "winmail"):
            paras = "\n".join(
                '<p class="MsoNormal">%s<o:p></o:p></p>' % esc(l) if l else
                '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
                for l in c + ([""] + foot if foot else []))
            hb = self.html_header_block()
            body = ('<div class="WordSection1">%s\n<p class="MsoNormal">'
                    '<o:p>&nbsp;</o:p></p>\n<div><div style="border:none;'
                    'border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
                    '<p class="MsoNormal">%s<o:p></o:p></p></div></div>\n'
                    '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n%s</div>'
                    % (paras, hb, html_lines(ol, "p")))
        elif cl in ("outlook-web", "outlook-mobile"):
            hb = self.html_header_block()
            body = ('<div class="elementToProof" style="font-family: Aptos, '
                    'sans-serif; font-size: 12pt">%s</div>\n<div id="appendonsend">'
                    '</div>\n<hr style="display:inline-block;width:98%%" '
                    'tabindex="-1">\n<div id="divRplyFwdMsg" dir="ltr"><font '
                    'face="Calibri, sans-serif" style="font-size:11pt" '
                    'color="#000000">%s</font>\n<div>&nbsp;</div></div>\n'
                    '<div>%s</div>' % (mine, hb, html_lines(ol)))
        elif cl in ("apple", "ios"):
            body = ('<div dir="ltr">%s</div><div dir="ltr"><br><blockquote '
                    'type="cite">%s</blockquote></div><blockquote type="cite">'
                    '<div dir="ltr">%s</div></blockquote>'
                    % (mine, attr, ql))
        elif cl == "thunderbird":
            paras = "\n".join("<p>%s</p>" % "<br>\n".join(esc(x) for x in p)
                              for p in "\n".join(
                                  c + ([""] + foot if foot else [])
                              ).split("\n\n") for p in [p.split("\n")])
            body = ('%s\n<div class="moz-cite-prefix">%s<br>\n</div>\n'
                    '<blockquote type="cite" cite="mid:a1@example.org">%s'
                    '</blockquote>' % (paras, attr, ql))
        elif cl == "yahoo":
            body = ('<div class="ydp3c0" style="font-family:Helvetica Neue, '
                    'Helvetica, Arial, sans-serif;font-size:13px;"><div>%s</div>'
                    '<div><br></div><div id="yahoo_quoted_1234" '
                    'class="yahoo_quoted"><div style="font-family:\'Helvetica '
                    'Neue\', Helvetica, Arial, sans-serif;font-size:13px;'
                    'color:#26282a;"><div>%s</div><div><br></div><div><br>'
                    '</div><div><div dir="ltr">%s</div></div></div></div></div>'
                    % (mine, attr, html_lines(ol)))
        elif cl == "mailru":
            body = ('<div>%s</div><div>&nbsp;</div><blockquote style="border-'
                    'left:1px solid #0857A6; margin:10px; padding:0 0 0 10px;">'
                    '%s<br>&nbsp;<div id=""><div class="js-helper js-readmsg-msg">'
                    '<div><div id="style_1_BODY">%s</div></div></div></div>'
                    '</blockquote>' % (mine, attr, html_lines(ol)))
        elif cl == "yandex":
            body = ('<div>%s</div><div>&nbsp;</div><div>&nbsp;</div><div>'
                    '%s</div><blockquote>%s</blockquote>'
                    % (mine, attr, html_lines(ol)))
        elif cl == "proton":
            body = ('<div style="font-family: Arial, sans-serif; font-size: '
                    '14px;">%s</div><div class="protonmail_quote">%s<br>'
                    '<blockquote class="protonmail_quote" type="cite">%s'
                    '</blockquote><br></div>' % (mine, attr, ql))
        else:  # k9, fairemail
            body = ('<div dir="auto">%s</div><div class="gmail_quote">%s<br>'
                    '<blockquote class="gmail_quote" style="margin: 0pt 0pt 0pt '
                    '0.8ex; border-left: 1px solid rgb(204, 204, 204); '
                    'padding-left: 1ex;">%s</blockquote></div>'
                    % (mine, attr, ql))
        self.html = ('<html><head><meta http-equiv="Content-Type" content='
                     '"text/html; charset=%s"><style>p{margin:0}</style></head>'
                     '<body>%s</body></html>\n' % (self.charset, body))

    # ---- the message -------------------------------------------------

    def encoding_for(self, data):
        cl = self.client
        if all(b < 128 for b in data):
            return "7bit"
        if cl in ("gmail", "gmail-mobile") and self.lang in ("ja", "zh", "ko",
                                                             "ru", "uk"):
            return "base64"
        if cl in ("mailru", "yandex", "proton") and self.rnd.random() < 0.6:
            return "base64"
        if cl in ("thunderbird", "k9", "fairemail") and self.rnd.random() < 0.5:
            return "8bit"
        return "quoted-printable"

    def part(self, subtype, text, flowed=False):
        cs = self.charset
        try:
            data = text.encode(cs)
        except UnicodeEncodeError:
            cs, data = "utf-8", text.encode("utf-8")
        cte = self.encoding_for(data)
        if cte == "base64":
            raw = base64.encodebytes(data)
        elif cte == "quoted-printable":
            raw = quopri.encodestring(data)
        else:
            raw = data
        ct = "text/%s; charset=\"%s\"" % (subtype, cs)
        if flowed:
            ct += "; format=flowed"
        head = "Content-Type: %s\nContent-Transfer-Encoding: %s\n\n" % (ct, cte)
        if not raw.endswith(b"\n"):
            raw += b"\n"
        return head.encode() + raw

    def message(self):
        L = self.L
        name, addr = self.reader
        subj = "%s %s" % (L["re"], self.orig["subject"])
        mid = "<%s.%04d@%s>" % (self.client, self.n, addr.split("@")[1])
        h = [
            "Return-Path: <%s>" % addr,
            "From: %s" % mailbox(name, addr, self.charset),
            "To: %s" % mailbox(self.orig["from"][0], TOKEN_ADDR, "utf-8"),
            "Subject: %s" % enc_words(subj, self.charset),
            "Date: Mon, 23 Nov 2026 11:%02d:00 +0100" % (self.n % 60),
            "Message-ID: %s" % mid,
            "In-Reply-To: <digest.20261123.42@lists.example.org>",
            "References: <digest.20261123.42@lists.example.org>",
            "MIME-Version: 1.0",
        ]
        ag = AGENTS[self.client]
        if ag:
            h.append("%s: %s" % ag)
        flowed = self.client in ("thunderbird", "apple", "ios")
        if self.plain is not None and self.html is not None:
            b = "----=_Part_%d_%d" % (self.n, 4242 + self.n)
            body = ("Content-Type: multipart/alternative; boundary=\"%s\"\n\n"
                    % b).encode()
            body = "\n".join(h).encode() + b"\n" + body
            body += b"--" + b.encode() + b"\n" + self.part("plain", self.plain, flowed)
            body += b"\n--" + b.encode() + b"\n" + self.part("html", self.html)
            body += b"\n--" + b.encode() + b"--\n"
            return body
        if self.html is not None:
            return "\n".join(h).encode() + b"\n" + self.part("html", self.html)
        return "\n".join(h).encode() + b"\n" + self.part("plain", self.plain,
                                                         flowed)


def expected_html(case):
    """What an HTML-only reply's comment is: the reader's lines, as the
    HTML converter gives them (Thunderbird's paragraphs keep a blank
    line between them)."""
    c, foot, expect = case.body_parts()
    return expect


def main():
    rnd = random.Random(12)
    for f in glob.glob(os.path.join(HERE, "g-*")):
        os.remove(f)
    n = 0
    langs = sorted(LANGS)
    for ci, client in enumerate(CLIENTS):
        for li, lang in enumerate(langs):
            # Every program in most languages: a program is used with
            # its own language, so a few pairs are left out at random.
            if rnd.random() < 0.2:
                continue
            shapes = SHAPES[client]
            shape = shapes[(ci + li) % len(shapes)]
            n += 1
            c = Case(n, client, lang, "top" if shape == "html" else shape, rnd)
            if shape == "html":
                c.build_html()
                c.expect = expected_html(c)
            else:
                c.build_plain()
                if client not in ("k9", "fairemail") or rnd.random() < 0.5:
                    if c.shape != "inline":
                        c.build_html()
            name = "g-%03d-%s-%s-%s" % (n, client, lang, shape)
            with open(os.path.join(HERE, name + ".eml"), "wb") as f:
                f.write(c.message())
            with open(os.path.join(HERE, name + ".expect"), "w",
                      encoding="utf-8") as f:
                f.write(c.expect)
    print("%d cases" % n)


if __name__ == "__main__":
    main()
