#!/bin/sh
# digest-size.sh: a digest of ten real ShortScience summaries
# (tests/data/feed-real.xml, from ../shared/seeds/: long single
# paragraphs, headings that lost their line ends, long lists) stays
# short: every item an excerpt of at most [digest] excerpt_words words
# with a "Read the full summary" link, a text part under 12 KB and, in
# headless Chromium at 375 px, an HTML page whose height is printed in
# phone screens (812 px: the phones 375 px wide, iPhone X to 13 mini).
# Issue 13 asks for under five. With 120-word excerpts and the first card
# layout it measured 7.4 (6016 px); with 75-word excerpts, one line of
# links per item and tighter card spacing about 4.8 (3917 px, in this
# machine's DejaVu fonts, which are wider than a phone's). The
# screenshot is kept in
# $top_builddir/test-artifacts/digest-size/.
. "$top_srcdir/tests/lib.sh"

: "${CHROMIUM:=chromium}"
SHORTMAIL_NOW=2026-11-23T10:00:00Z
export SHORTMAIL_NOW
art=$top_builddir/test-artifacts/digest-size

sm ingest "file://$top_srcdir/tests/data/feed-real.xml"
is "$rc" 0 "ingest the ten real summaries"
sql "INSERT INTO subscribers (id, address, status, created_at, confirmed_at, changed_at)
       VALUES (1, 'reader@example.com', 'confirmed', 0, 0, 0);
     INSERT INTO interests (subscriber_id, keyword, created_at) VALUES (1, 'cs.lg', 0);"
sm preview --now "$SHORTMAIL_NOW" --eml "$T/d.eml" --html "$T/d.html" reader@example.com
is "$rc" 0 "preview the reader's digest"

# Sizes and the shape of each item, from the message as sent.
"$PYTHON3" - "$T/d.eml" >"$T/size.out" 2>&1 <<'PY'
import email, re, sys
from email import policy
msg = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=policy.default)
text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
html = msg.get_body(("html",)).get_content()
print("subject\t%s" % msg["Subject"])
print("text_bytes\t%d" % len(text.encode()))
print("html_bytes\t%d" % len(html.encode()))
items = text.split("\n________________________________________\n")[1:-1]
print("items\t%d" % len(items))
longest = 0
for it in items:
    body = it.strip().split("\n\n", 1)[1].split("\nRead the full summary: ")[0]
    longest = max(longest, len(body.split()))
print("longest_excerpt_words\t%d" % longest)
# Markup shown as text: a heading's #s or a bullet inside a paragraph
# (summaries that lost their line ends), in either part.
lost = 0
for it in items:
    body = it.strip().split("\n\n", 1)[1].split("\nRead the full summary: ")[0]
    for para in body.split("\n\n"):
        if para.startswith("  "):
            continue  # a list or a code block, as the text part indents them
        lost += len(re.findall(r"(?:^|\s)(?:#{1,6}|[*+-])(?=\s)", para))
for para in re.findall(r"<p[ >].*?</p>", html, re.S):
    lost += len(re.findall(r"(?:^|[\s>])(?:#{1,6}|\*)(?=\s)", para))
print("lost_markup\t%d" % lost)
print("read_more_text\t%d" % text.count("\nRead the full summary: https://www.shortscience.org/paper?bibtexKey="))
print("read_more_html\t%d" % len(re.findall(r'<a href="https://www\.shortscience\.org/paper\?bibtexKey=[^"]+"[^>]*>Read the full summary</a>', html)))
PY
ok $? "the digest parses"
sed 's/^/#   /' "$T/size.out"
val() { sed -n "s/^$1	//p" "$T/size.out"; }
is "$(val items)" 10 "ten items"
[ "$(val text_bytes)" -lt 12288 ]
ok $? "the text part is under 12 KB ($(val text_bytes) bytes)"
# 75 words (the default) and the words a formula, link or code span may
# add at most.
[ "$(val longest_excerpt_words)" -le 85 ]
ok $? "every excerpt is about 75 words at most (longest $(val longest_excerpt_words))"
is "$(val lost_markup)" 0 "no # or bullet shows as text inside a paragraph"
is "$(val read_more_text)" 10 "text: a Read the full summary link under every item"
is "$(val read_more_html)" 10 "html: a Read the full summary link under every item"
like "$T/size.out" "^subject	Deep Residual Learning for Image Recognition, FaceNet and 8 more · ShortScience digest$|^subject	[^,]+, [^,]+ and 8 more · ShortScience digest$" \
  "the Subject names two titles and 8 more"

if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
  ok 1 "chromium is installed (scripts/install-deps installs it)"
  done_testing
  exit 1
fi
rm -rf "$art"
mkdir -p "$art"
"$PYTHON3" - "$CHROMIUM" "$T/chrome" "$T/d.html" "$art/digest-375.png" >"$T/h.out" 2>"$T/h.err" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests"))
sys.dont_write_bytecode = True
import cdp
chrome, profile, page, shot = sys.argv[1:5]
b = cdp.Browser(chrome, profile, profile + ".log")
try:
    s = b.new_page()
    b.call("Network.enable", session=s)
    b.call("Network.setBlockedURLs", {"urls": ["http://*", "https://*"]}, session=s)
    b.call("Emulation.setDeviceMetricsOverride",
           {"width": 375, "height": 812, "deviceScaleFactor": 1, "mobile": True}, session=s)
    b.call("Page.navigate", {"url": "file://" + page}, session=s)
    b.wait_event("Page.loadEventFired", s)
    h = b.evaluate(s, "document.documentElement.scrollHeight")
    b.call("Emulation.setDeviceMetricsOverride",
           {"width": 375, "height": min(h, 16000), "deviceScaleFactor": 1, "mobile": True},
           session=s)
    b.screenshot(s, shot)
    print(h)
finally:
    b.close()
PY
ok $? "chromium measured the page at 375 px"
sed 's/^/#   /' "$T/h.err"
h=$(cat "$T/h.out")
echo "# html height at 375 px: ${h:-?} px ($(awk "BEGIN{printf \"%.1f\", ${h:-0}/812}") screens of 812 px)"
[ -n "$h" ] && [ "$h" -lt $((5 * 812)) ]
ok $? "the HTML page is under five phone screens at 375 px (${h:-?} px)"
done_testing
