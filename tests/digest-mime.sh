#!/bin/sh
# digest-mime.sh: every digest the sample feed gives five readers, as the
# reader's mail program sees it, DKIM-signed. `shortmail preview` is
# deterministic and byte for byte what a sender composes from the queued
# outbox row; each message parses under Python's email package with
# policy.strict (no defects) and is read back by the inbound module
# (GMime); it carries the list headers of DESIGN.md, is
# multipart/alternative (text/plain, then text/html, both UTF-8) with CRLF
# lines of at most 998 octets; the text shows math as Unicode and a reply
# address per summary; the HTML has a mailto per matched keyword ("del
# KEYWORD"), "Comment" per summary, visible Unsubscribe and
# Manage keywords links, a lang attribute, alt texts and a hidden
# preheader.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/digest-lib.sh"

: "${INBOUND_PARSE:=$top_builddir/tests/inbound-parse}"
: "${OUTBOX_COMPOSE:=$top_builddir/tests/outbox-compose}"

# Signed as a deployment signs: DKIM-Signature is part of the bytes that
# must be the same in preview and send, and must not upset the parsers.
openssl genrsa -out "$T/dkim.pem" 2048 2>"$T/err"
ok $? "a DKIM key (openssl genrsa)"
printf '[dkim]\nkey_file = %s\n' "$T/dkim.pem" >>"$T/shortmail.conf"

digest_store --layout
ok $? "a store from the sample feed (and a layout test item) with five readers"

# Previews come first: once a digest is queued the reader has had those
# summaries, and a preview shows the next digest (empty here).
digest_previews "$T/p1"
ok $? "shortmail preview --eml --html for every reader"
digest_previews "$T/p2"
ok $? "shortmail preview again"
for a in $digest_readers; do
  cmp -s "$T/p1/$a.eml" "$T/p2/$a.eml" && cmp -s "$T/p1/$a.html" "$T/p2/$a.html"
  ok $? "preview for $a is deterministic (two runs, identical bytes)"
done

digest_queue
ok $? "shortmail digest queues"
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'digest'")" 5 \
  "one digest queued per reader"

# What a sender sends: compose_message on each claimed row.
mkdir -p "$T/sent"
"$OUTBOX_COMPOSE" "$SHORTMAIL_CONFIG" "$T/sent" >"$T/rows" 2>"$T/rows.err"
ok $? "outbox-compose composes every queued row"
sed 's/^/#   /' "$T/rows.err"
is "$(wc -l <"$T/rows" | tr -d ' ')" 5 "five rows composed"
while read -r id kind rcpt mid; do
  cmp -s "$T/p1/$rcpt.eml" "$T/sent/$id.eml"
  ok $? "preview of $rcpt is byte for byte what send composes ($kind <$mid>)"
  sql "SELECT payload FROM outbox WHERE id = $id" >"$T/sent/$id.json"
  printf '%s %s %s %s\n' "$rcpt" "$T/sent/$id.eml" "$T/p1/$rcpt.html" \
    "$T/sent/$id.json" >>"$T/check.list"
  printf '%s\n' "$mid" >"$T/sent/$id.mid"
done <"$T/rows"
is "$(sql "SELECT count(*) FROM outbox WHERE state = 'queued'")" 5 \
  "the rows are queued again after the test sender gave them back"

# One line per check from the independent parser: "ok NAME" or
# "fail NAME<TAB>DETAIL".
"$PYTHON3" - "$T/check.list" >"$T/py.out" 2>"$T/py.err" <<'PY'
import html.parser, json, re, sys, urllib.parse
import email
from email import policy
from email.utils import parseaddr, parsedate_to_datetime, getaddresses

LIST = "lists.example.org"
REQ = "digest-request@" + LIST
SITE = "https://www.shortscience.org"
# Formulas of the sample feed each reader's digest shows, as Unicode.
MATH = {
    "math@example.net": ["β₁"],   # Adam's \beta_1 (ResNet's 10^{-4} is past its excerpt)
    "many@example.com": ["10⁻⁴", "β₁ᵗ"],  # in their excerpts: 10^{-4}, \beta_1^t
}
NAMES = {"juergen@example.de": ["Jürgen Schmidhuber", "Günter Klambauer"]}

def check(cond, name, detail=""):
    if cond:
        print("ok\t" + name)
    else:
        print("fail\t%s\t%s" % (name, str(detail).replace("\n", " ")[:400]))

class Html(html.parser.HTMLParser):
    """Anchors with their text, images, the lang attribute, and which
    elements are hidden (display:none on them or an ancestor)."""
    VOID = {"br", "img", "meta", "hr", "link", "input", "wbr", "col"}
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.anchors, self.imgs = [], [], []
        self.lang, self.scripts, self.first_body_el = None, 0, None
        self.hidden_texts, self.cur = [], None
    def hidden(self):
        return any(h for _, h in self.stack)
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "script":
            self.scripts += 1
        style = (a.get("style") or "").replace(" ", "").lower()
        hid = "display:none" in style
        if self.first_body_el is None and any(t == "body" for t, _ in self.stack):
            self.first_body_el = (tag, hid)
        if tag == "img":
            self.imgs.append(a)
        if tag in self.VOID:
            return
        self.stack.append((tag, hid))
        if tag == "a":
            self.cur = {"href": a.get("href", ""), "text": "", "hidden": self.hidden()}
            self.anchors.append(self.cur)
        if hid:
            self.hidden_texts.append("")
    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag == "a":
            self.cur = None
    def handle_data(self, d):
        if self.cur is not None:
            self.cur["text"] += d
        if self.hidden() and self.hidden_texts:
            self.hidden_texts[-1] += d

def mailto(href):
    u = urllib.parse.urlsplit(href)
    q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
    return u.path, {k: v[0] for k, v in q.items()}

for line in open(sys.argv[1], encoding="utf-8"):
    rcpt, eml, html_file, payload_file = line.split()
    raw = open(eml, "rb").read()
    payload = json.load(open(payload_file, encoding="utf-8"))
    mid = open(payload_file[:-5] + ".mid", encoding="utf-8").read().strip()
    # The compact form (outbox.h): the keywords once, items [id, k...].
    items = [{"id": it[0], "kw": [payload["kw"][k] for k in it[1:]]}
             for it in payload["items"]]
    p = rcpt + ": "

    # Lines: CRLF only, at most 998 octets before the CRLF.
    check(b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b""),
          p + "every line ends in CRLF (no bare CR or LF)")
    longest = max(len(l) for l in raw.split(b"\r\n"))
    check(longest <= 998, p + "no line over 998 octets", "longest %d" % longest)
    check(raw.endswith(b"\r\n"), p + "the message ends with CRLF")

    try:
        msg = email.message_from_bytes(raw, policy=policy.strict)
        err = None
    except Exception as e:  # policy.strict raises on the first defect
        msg, err = None, e
    check(msg is not None, p + "parses under policy.strict", err)
    if msg is None:
        continue
    defects = [(part.get_content_type(), d) for part in msg.walk() for d in part.defects]
    hdefects = [(k, d) for part in msg.walk() for k, v in part.items() for d in v.defects]
    check(not defects and not hdefects, p + "no MIME or header defects", defects + hdefects)

    want = ["DKIM-Signature", "From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
            "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Help",
            "List-Post", "Auto-Submitted", "Precedence"]
    for h in want:
        check(len(msg.get_all(h, [])) == 1, p + "exactly one %s header" % h,
              msg.get_all(h))
    if any(len(msg.get_all(h, [])) != 1 for h in want):
        continue
    dkim = re.sub(r"\s+", "", str(msg["DKIM-Signature"]))
    signed = (re.search(r";h=([^;]*)", dkim) or re.search("()", "")).group(1).lower().split(":")
    check(raw.startswith(b"DKIM-Signature:") and ";d=%s;" % LIST in dkim and
          all(h in signed for h in ("from", "subject", "date", "message-id", "list-unsubscribe",
                                    "list-unsubscribe-post")),
          p + "DKIM-signed first, d=%s, the one-click headers among the signed (RFC 8058)" % LIST,
          dkim[:200])
    check(msg["From"].addresses[0].addr_spec == "digest@" + LIST,
          p + "From is the list address", msg["From"])
    check([a.addr_spec for a in msg["To"].addresses] == [rcpt], p + "To is the reader", msg["To"])
    n = len(items)
    check(msg["Date"].datetime is not None and
          msg["Date"].datetime.isoformat() == "2026-11-23T10:00:00+00:00",
          p + "Date is the run's time", msg["Date"])
    check(str(msg["Message-ID"]) == "<%s>" % mid,
          p + "Message-ID is the outbox row's", "%s vs <%s>" % (msg["Message-ID"], mid))
    check(str(msg["MIME-Version"]) == "1.0", p + "MIME-Version: 1.0")
    check(str(msg["List-Id"]).endswith("<digest.%s>" % LIST), p + "List-Id <digest.%s>" % LIST,
          msg["List-Id"])
    lu = re.findall(r"<([^>]*)>", str(msg["List-Unsubscribe"]))
    check(len(lu) == 2 and re.fullmatch(re.escape(SITE) + r"/u/[a-z2-7]+", lu[0]) and
          re.fullmatch(r"mailto:digest\+unsub-[a-z2-7]+@" + re.escape(LIST) + r"\?subject=unsubscribe", lu[1]),
          p + "List-Unsubscribe: an https URL, then a mailto", lu)
    check(str(msg["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click",
          p + "List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    check(re.fullmatch(r"<mailto:%s\?subject=help>" % re.escape(REQ), str(msg["List-Help"])),
          p + "List-Help is a mailto to the request address", msg["List-Help"])
    check(str(msg["List-Post"]) == "NO", p + "List-Post: NO")
    check(str(msg["Auto-Submitted"]) == "auto-generated", p + "Auto-Submitted: auto-generated")
    check(str(msg["Precedence"]) == "list", p + "Precedence: list")

    # Structure.
    check(msg.get_content_type() == "multipart/alternative", p + "multipart/alternative",
          msg.get_content_type())
    parts = list(msg.iter_parts())
    check([q.get_content_type() for q in parts] == ["text/plain", "text/html"],
          p + "text/plain first, then text/html", [q.get_content_type() for q in parts])
    check([q.get_content_charset() for q in parts] == ["utf-8", "utf-8"],
          p + "both parts are utf-8", [q.get_content_charset() for q in parts])
    if [q.get_content_type() for q in parts] != ["text/plain", "text/html"]:
        continue
    # get_content() keeps the CRLFs of the wire: lines end in "\n" here.
    text = parts[0].get_content().replace("\r\n", "\n")
    htm = parts[1].get_content().replace("\r\n", "\n")
    check(htm.encode() == open(html_file, "rb").read().replace(b"\r\n", b"\n"),
          p + "the HTML part is the one preview --html wrote")

    # Text part.
    caddrs = re.findall(r"^Comment by replying to: (digest\+c-[a-z2-7]+@%s)$" % re.escape(LIST),
                        text, re.M)
    check(len(caddrs) == n and len(set(caddrs)) == n,
          p + "text: each of the %d summaries has its own reply address digest+c-…@%s" % (n, LIST),
          caddrs)
    for w in MATH.get(rcpt, []):
        check(w in text, p + "text: math as Unicode (%s)" % w)
    check("10^{-4}" not in text and "\\mathbb{R}" not in text and "\\beta_1" not in text,
          p + "text: converted formulas leave no TeX behind")
    for w in NAMES.get(rcpt, []):
        check(w in text and w in htm, p + "non-ASCII name %s in both parts" % w)
    more = payload.get("more", 0)
    if more:
        check(("And %d more on %s" % (more, SITE)) in text, p + "text: \"And %d more\"" % more)
        check(("And %d more on the site" % more) in htm, p + "html: \"And %d more\"" % more)
    else:
        check("more on" not in text, p + "text: no \"And K more\" when nothing more")

    # HTML part.
    h = Html()
    h.feed(htm)
    h.close()
    check(bool(h.lang), p + "html: <html lang=…>", h.lang)
    check(h.scripts == 0, p + "html: no <script>")
    anchors = h.anchors
    kw_pairs = [(it["id"], k) for it in items for k in it["kw"]]
    dels = [a for a in anchors if a["href"].startswith("mailto:" + REQ + "?")]
    found = 0
    for _, k in kw_pairs:
        for a in dels:
            path, q = mailto(a["href"])
            if (path == REQ and q.get("subject") == "del " + k and q.get("body") == "del " + k
                    and a["text"].strip() == k):
                found += 1
                break
    check(found == len(kw_pairs) and sum(1 for a in dels if a["text"].strip() != "Help") == len(kw_pairs),
          p + "html: a mailto with \"del KEYWORD\" per matched keyword (%d)" % len(kw_pairs),
          "found %d of %d: %s" % (found, len(kw_pairs), [a["href"] for a in dels][:3]))
    comments = [a for a in anchors if a["text"].strip() == "Comment"]
    ok_c = len(comments) == n
    detail = [a["href"] for a in comments][:2]
    for i, a in enumerate(comments[:n]):
        path, q = mailto(a["href"])
        if not (a["href"].startswith("mailto:") and i < len(caddrs) and path == caddrs[i]
                and q.get("subject", "").startswith("Re: ")):
            ok_c = False
    check(ok_c, p + "html: \"Comment\" per summary, to its digest+c- address, Subject prefilled",
          detail)
    follows = [a for a in anchors if a["text"].strip() == "Follow"]
    ok_f = len(follows) == n
    for i, a in enumerate(follows[:n]):
        path, q = mailto(a["href"])
        if not (i < len(caddrs) and path == caddrs[i] and q.get("subject") == "follow"
                and q.get("body") == "follow"):
            ok_f = False
    check(ok_f, p + "html: \"Follow\" per summary: \"follow\" to its digest+c- address",
          [a["href"] for a in follows][:2])
    titles = re.findall(r"^Re: (.*)$", "\n".join(mailto(a["href"])[1].get("subject", "") for a in comments), re.M)
    check(len(titles) == n and all(t in text for t in titles),
          p + "html: each comment Subject is Re: the summary's title", titles[:2])
    # The Subject names the first papers: "FaceNet, YOLO and 4 more · LIST".
    def short(t):
        c = t.find(":")
        t = t[:c] if 2 <= c <= 40 else t
        if len(t) > 48:  # at a space, about 40 characters, and an ellipsis
            k = 40
            while k > 20 and t[k] != " ":
                k -= 1
            t = t[:k] + "…"
        return t
    names = [short(t) for t in titles[:2]]
    if n == 1:
        subject = "%s · ShortScience digest" % names[0]
    elif n == 2:
        subject = "%s and %s · ShortScience digest" % tuple(names)
    else:
        subject = "%s, %s and %d more · ShortScience digest" % (names[0], names[1], n - 2)
    check(len(titles) == n and all(len(x) <= 49 for x in names) and str(msg["Subject"]) == subject,
          p + "Subject names the first titles and counts the rest",
          "%r != %r" % (str(msg["Subject"]), subject))
    unsub = [a for a in anchors if a["text"].strip() == "Unsubscribe"]
    manage = [a for a in anchors if a["text"].strip() == "Manage keywords"]
    check(len(unsub) == 1 and not unsub[0]["hidden"] and unsub[0]["href"] == lu[0],
          p + "html: a visible Unsubscribe link, the List-Unsubscribe URL", unsub)
    check(len(manage) == 1 and not manage[0]["hidden"] and
          re.fullmatch(re.escape(SITE) + r"/k/[a-z2-7]+", manage[0]["href"]),
          p + "html: a visible Manage keywords link", manage)
    check(all((i.get("alt") or "").strip() for i in h.imgs),
          p + "html: every image has alt text", [i.get("alt") for i in h.imgs])
    if rcpt == "juergen@example.de":
        check(len(h.imgs) >= 2, p + "html: the layout item's images are there", len(h.imgs))
    check(h.first_body_el is not None and h.first_body_el[1] and h.hidden_texts and titles
          and h.hidden_texts[0].strip().startswith(titles[0]),
          p + "html: a hidden preheader first in the body, starting with the first title",
          (h.first_body_el, h.hidden_texts[:1]))
PY
ok $? "the independent parser ran"
sed 's/^/#   /' "$T/py.err"
while IFS="$(printf '\t')" read -r res name detail; do
  if [ "$res" = ok ]; then ok 0 "$name"; else
    ok 1 "$name"
    printf '#   %s\n' "$detail"
  fi
done <"$T/py.out"

# The inbound module (GMime) reads each digest back.
while read -r rcpt eml _; do
  "$INBOUND_PARSE" "$eml" >"$T/in.out" 2>"$T/in.err"
  ok $? "inbound_parse reads the digest to $rcpt"
  cp "$T/in.out" "$T/in-$rcpt.out"
  n=$(grep -c '^Comment by replying to: digest+c-' "$T/in.out")
  subject=$(sed -n 's/^subject: //p' "$T/in.out")
  case $n in
  1 | 2) want="· ShortScience digest" ;;
  *) want="and $((n - 2)) more · ShortScience digest" ;;
  esac
  case $subject in
  *"$want") ok 0 "inbound: Subject of $rcpt's digest ends in \"$want\"" ;;
  *) ok 1 "inbound: Subject of $rcpt's digest ends in \"$want\"" && echo "#   got: $subject" ;;
  esac
  like "$T/in.out" '^from: digest@lists\.example\.org$' "inbound: From of $rcpt's digest"
  like "$T/in.out" '^text-from-html: 0$' "inbound: it takes the text/plain part"
  like "$T/in.out" "^You get this because $rcpt follows .+ on ShortScience digest\\." "inbound: the text part's footer names the reader's keywords"
done <"$T/check.list"
like "$T/in-vision@example.com.out" 'Generating Long Sequences with Sparse Transformers' \
  "inbound: a summary's title in the text"

done_testing
