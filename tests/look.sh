#!/bin/sh
# look.sh: every kind of message (tests/mail-lib.sh) and every page of
# `shortmail serve` (unsubscribe, keywords, confirmation, error) in
# headless Chromium at 375 px (a phone) and 1024 px, in the light and the
# dark colour scheme (prefers-color-scheme), as a reader sees them. On
# each: no horizontal scroll, body text at least 14 px, text against its
# background at a contrast of at least 4.5:1 (WCAG AA), and every link
# with an href that is not empty. Messages with an HTML part are shown
# as they are; text-only ones as a mail program shows text/plain
# (format=flowed joined, in a proportional font). The digest and the
# pages must declare both colour schemes. Each page is measured and
# shot in one window as tall as the page (tests/look.py): the screenshot
# is the rendering measured. Screenshots are kept in
# $top_builddir/test-artifacts/look/.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/mail-lib.sh"
. "$top_srcdir/tests/serve-lib.sh"
. "$top_srcdir/tests/look-lib.sh"

: "${CHROMIUM:=chromium}"
art=$top_builddir/test-artifacts/look
if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
  ok 1 "chromium is installed (scripts/install-deps installs it)"
  done_testing
  exit 1
fi

look_pages "$T/m"
ok $? "one message of every kind, each as a page"
sed 's/^/#   /' "$T/receive.out" | grep -i 'error' | head -5
echo "# kinds: $mail_kinds_made"
for k in digest-math confirm welcome reply comment notice; do
  [ -s "$T/m/$k.eml" ]
  ok $? "a $k message"
done
sed 's/^/#   /' "$T/pages.out"
for k in confirm welcome reply comment notice; do
  [ -s "$T/pages/$k.html" ] || continue
  grep -q "^$k: text/plain; format=flowed" "$T/pages.out"
  ok $? "$k: text/plain with format=flowed"
done
grep -q 'name="color-scheme" content="light dark"' "$T/pages/digest-math.html"
ok $? "the digest declares both colour schemes"
grep -q 'prefers-color-scheme: dark' "$T/pages/digest-math.html"
ok $? "the digest has a dark palette"

# The pages of serve, at their own addresses.
look_serve
ok $? "shortmail serve runs"
pages="$look_pages $look_urls"

rm -rf "$art"
mkdir -p "$art"
# shellcheck disable=SC2086
"$PYTHON3" - "$CHROMIUM" "$T/chrome" "$art" $pages >"$T/look.json" 2>"$T/look.err" <<'PY'
import json, os, sys
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests"))
sys.dont_write_bytecode = True  # nothing written into the source tree
import cdp
import look

chrome, profile, art = sys.argv[1:4]
targets = [a.split("=", 1) for a in sys.argv[4:]]
b = cdp.Browser(chrome, profile, profile + ".log", timeout=100)

MEASURE = r"""(function () {
  var d = document.documentElement, out = {iw: innerWidth, sw: d.scrollWidth};
  function rgba(s) {
    var m = s.match(/[\d.]+/g) || [0, 0, 0, 0];
    return [+m[0], +m[1], +m[2], m.length > 3 ? +m[3] : 1];
  }
  function lum(c) {
    var a = [c[0], c[1], c[2]].map(function (v) {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * a[0] + 0.7152 * a[1] + 0.0722 * a[2];
  }
  // The colour behind an element: the first opaque background up the
  // tree, else the canvas of the scheme in use.
  var dark = matchMedia('(prefers-color-scheme: dark)').matches &&
             /dark/.test(getComputedStyle(d).colorScheme + ' ' +
               ((document.querySelector('meta[name=color-scheme]') || {}).content || ''));
  function bg(e) {
    for (; e && e.nodeType === 1; e = e.parentElement) {
      var c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] >= 0.99) return c;
    }
    return dark ? [18, 18, 18, 1] : [255, 255, 255, 1];
  }
  function hidden(e) {
    for (; e && e.nodeType === 1; e = e.parentElement) {
      var cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden' ||
          (cs.overflow === 'hidden' && e.getBoundingClientRect().height < 2)) return true;
    }
    return false;
  }
  out.small = []; out.low = []; out.texts = 0;
  var all = document.body.getElementsByTagName('*');
  for (var i = 0; i < all.length; i++) {
    var e = all[i], t = '';
    for (var n = e.firstChild; n; n = n.nextSibling)
      if (n.nodeType === 3) t += n.nodeValue;
    t = t.replace(/\s+/g, ' ').trim();
    if (!t || hidden(e) || /^(STYLE|SCRIPT|TITLE)$/.test(e.tagName)) continue;
    out.texts++;
    var cs = getComputedStyle(e), fs = parseFloat(cs.fontSize);
    var label = e.tagName + ' "' + t.slice(0, 40) + '"';
    if (fs < 14) out.small.push(label + ' ' + fs + 'px');
    var fg = rgba(cs.color), back = bg(e);
    // A translucent colour is blended onto its background first.
    fg = [0, 1, 2].map(function (k) { return fg[k] * fg[3] + back[k] * (1 - fg[3]); });
    var l1 = lum(fg), l2 = lum(back);
    var ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (ratio < 4.5) out.low.push(label + ' ' + ratio.toFixed(2) + ' ' + cs.color +
                                  ' on rgb(' + back.slice(0, 3).join(',') + ')');
  }
  out.nohref = [];
  var as = document.getElementsByTagName('a');
  for (i = 0; i < as.length; i++) {
    var h = as[i].getAttribute('href');
    if (!h || !h.trim()) out.nohref.push(as[i].textContent.trim().slice(0, 40));
  }
  out.links = as.length;
  out.h = d.scrollHeight;
  return JSON.stringify(out);
})()"""

try:
    s = b.new_page()
    b.call("Network.enable", session=s)
    # Hermetic: nothing off the machine (remote images fail at once).
    b.call("Network.setBlockedURLs", {"urls": ["https://*", "http://www.*"]}, session=s)
    for width in (375, 1024):
        for scheme in ("light", "dark"):
            b.call("Emulation.setEmulatedMedia",
                   {"features": [{"name": "prefers-color-scheme", "value": scheme}]}, session=s)
            for name, url in targets:
                look.show(b, s, url, width)
                r = json.loads(b.evaluate(s, MEASURE))
                r.update(page=name, width=width, scheme=scheme)
                shot = "%s/%s-%d-%s.png" % (art, name, width, scheme)
                look.shoot(b, s, shot)
                r["shot"] = shot
                print(json.dumps(r), flush=True)
finally:
    b.close()
PY
ok $? "chromium rendered every message and page"
sed 's/^/#   /' "$T/look.err" | head -20
serve_stop

n=$(wc -l <"$T/look.json" | tr -d ' ')
want=$(( ($(echo $mail_kinds_made | wc -w) + 4) * 4 ))
is "$n" "$want" "every page at two widths in two schemes ($want)"
"$PYTHON3" - "$T/look.json" >"$T/check.out" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    p = "%s at %d px, %s: " % (r["page"], r["width"], r["scheme"])
    def check(cond, name, detail):
        print(("ok\t%s%s" % (p, name)) if cond else ("fail\t%s%s\t%s" % (p, name, json.dumps(detail)[:500])))
    check(r["sw"] <= r["iw"], "no horizontal scroll", [r["sw"], r["iw"]])
    check(r["texts"] > 0 and not r["small"], "body text at least 14 px", r["small"][:4])
    check(not r["low"], "text contrast at least 4.5:1", r["low"][:4])
    check(not r["nohref"], "every link has an href (%d links)" % r["links"], r["nohref"][:4])
PY
ok_results "$T/check.out"
echo "# screenshots: $art"
done_testing
