# tests/digest-lib.sh: a store with the sample feed and five readers, for
# the tests of what a reader sees (digest-mime.sh, digest-browser.sh,
# digest-spam.sh). Source it after tests/lib.sh.
#
#   digest_store [--layout]   ingest data/sample-feed.xml (and, with
#                             --layout, a one-item feed made here whose
#                             summary is built to break layouts: a
#                             1200 px wide image, a long code line, a
#                             heading, a quote) and add the readers
#   digest_previews DIR       `shortmail preview` of every reader into
#                             DIR/ADDRESS.eml and DIR/ADDRESS.html
#   digest_queue              `shortmail digest`: one outbox row per reader
#
# The readers, each with keywords in canonical form:
#   many@example.com     cs.lg: more than max_items matches ("And K more")
#   math@example.net     optimization, "batch normalization",
#                        activation-functions: Adam, ResNet, BN, GELU...
#   juergen@example.de   author:schmidhuber, author:klambauer,
#                        author:günter, author:ångström: non-ASCII names
#                        and keywords (and the layout item with --layout)
#   gan.fan@example.org  gan, author:hinton
#   vision@example.com   cs.cv, efficient-attention (a 700-character URL
#                        and a 300-character word)
#
# Everything runs at SHORTMAIL_NOW, a Monday (the default weekly day)
# just after the sample feed's last week.

SHORTMAIL_NOW=2026-11-23T10:00:00Z
export SHORTMAIL_NOW
digest_readers="many@example.com math@example.net juergen@example.de gan.fan@example.org vision@example.com"

# A feed with one summary that stresses the layout of the HTML part.
digest_layout_feed() {
  "$PYTHON3" - "$1" <<'PY'
import base64, struct, sys, zlib

def png(w, h):
    # A plain RGB image with a stripe, small once deflated.
    row = b"".join(bytes((30, 77, 128)) if (x // 40) % 2 else bytes((220, 220, 210))
                   for x in range(w))
    raw = b"".join(b"\0" + row for _ in range(h))
    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))

img = "data:image/png;base64," + base64.b64encode(png(1200, 240)).decode()
# TeX environments, which mail shows as one line each (render_math.c).
envs = r"""The activation is $$f(x) = \begin{cases} x & \text{if } x > 0 \\ \alpha(e^x - 1) & \text{otherwise} \end{cases}$$ with a rotation $R = \begin{pmatrix} \cos\theta & -\sin\theta \\ \sin\theta & \cos\theta \end{pmatrix}$."""
md = f"""A summary written to break layouts: the figure below is 1200 pixels wide.

{envs}

![Figure 1: a wide figure, 1200 pixels]({img})

# A first-level heading in a summary

> A quoted sentence from the paper, which should look like a quote and not
> like the reader's own text.

    for (int i = 0; i < n; i++) total += weights_for_the_layer_with_a_long_name[i] * inputs_for_the_layer_with_a_long_name[i];

A last paragraph with an external picture ![a diagram](https://www.shortscience.org/static/img/layout-diagram.png) inline.
"""
feed = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:shortscience="https://www.shortscience.org/ns/1.0">
<channel><title>layout test</title><link>https://www.shortscience.org/</link>
<description>one summary</description>
<item>
<title>A Layout Stress Test for Digest Emails</title>
<link>https://www.shortscience.org/paper?bibtexKey=test/layout</link>
<guid isPermaLink="false">shortmail-layout-test</guid>
<pubDate>Sat, 21 Nov 2026 12:00:00 +0000</pubDate>
<author>noreply@shortscience.org (Zoë Ångström)</author>
<description><![CDATA[{md}]]></description>
<category>cs.DL</category>
<shortscience:bibtexkey>test/layout</shortscience:bibtexkey>
<shortscience:votes>1</shortscience:votes>
<shortscience:authors>Zoë Ångström, Łukasz Żółć</shortscience:authors>
<shortscience:venue>arXiv</shortscience:venue>
<shortscience:year>2026</shortscience:year>
</item></channel></rss>
"""
open(sys.argv[1], "w", encoding="utf-8").write(feed)
PY
}

digest_store() {
  # These tests look at how formulas, figures and quotes render, deep in
  # the sample summaries: excerpts as long as they were before the
  # default became 75 words (tests/digest-size.sh measures the default).
  printf '[digest]\nexcerpt_words = 120\n' >>"$T/shortmail.conf"
  sm ingest "file://$top_srcdir/data/sample-feed.xml"
  if [ "$rc" -ne 0 ]; then
    echo "# ingest of the sample feed failed:"
    sed 's/^/#   /' "$T/err"
    return 1
  fi
  if [ "${1:-}" = --layout ]; then
    digest_layout_feed "$T/layout.xml" || return 1
    sm ingest "file://$T/layout.xml"
    if [ "$rc" -ne 0 ]; then
      echo "# ingest of the layout feed failed:"
      sed 's/^/#   /' "$T/err"
      return 1
    fi
  fi
  sql "INSERT INTO subscribers (id, address, status, created_at, confirmed_at, changed_at) VALUES
         (1, 'many@example.com', 'confirmed', 0, 0, 0),
         (2, 'math@example.net', 'confirmed', 0, 0, 0),
         (3, 'juergen@example.de', 'confirmed', 0, 0, 0),
         (4, 'gan.fan@example.org', 'confirmed', 0, 0, 0),
         (5, 'vision@example.com', 'confirmed', 0, 0, 0);
       INSERT INTO interests (subscriber_id, keyword, created_at) VALUES
         (1, 'cs.lg', 0),
         (2, 'optimization', 0), (2, '\"batch normalization\"', 0),
         (2, 'activation-functions', 0),
         (3, 'author:schmidhuber', 0), (3, 'author:klambauer', 0),
         (3, 'author:günter', 0), (3, 'author:ångström', 0),
         (4, 'gan', 0), (4, 'author:hinton', 0),
         (5, 'cs.cv', 0), (5, 'efficient-attention', 0);"
}

digest_previews() {
  mkdir -p "$1"
  for a in $digest_readers; do
    sm preview --now "$SHORTMAIL_NOW" --eml "$1/$a.eml" --html "$1/$a.html" "$a"
    if [ "$rc" -ne 0 ] || [ ! -s "$1/$a.eml" ]; then
      echo "# preview $a failed ($rc):"
      sed 's/^/#   /' "$T/out" "$T/err"
      return 1
    fi
  done
}

digest_queue() {
  sm digest --now "$SHORTMAIL_NOW"
  [ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"
  return "$rc"
}
