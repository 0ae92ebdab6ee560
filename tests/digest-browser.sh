#!/bin/sh
# digest-browser.sh: the HTML part of every digest (`shortmail preview
# --html`) in headless Chromium, as a phone (375 px, mobile viewport) and
# a desktop (1024 px) show it: no horizontal scrolling, no element wider
# than the screen, images within their column, a single centred column of
# at most 600 px, visible footer links and a hidden preheader. It holds
# also with the <style> block removed (mail programs that drop it keep
# only inline styles). Full-page screenshots are kept as test artifacts in
# $top_builddir/test-artifacts/digest-browser/.
#
# Chromium is driven over the DevTools protocol on a pipe
# (--remote-debugging-pipe, tests/cdp.py): one browser per width, every page a
# navigation in it. Its window cannot be narrower than 500 px, so the
# widths are device-metrics overrides.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/digest-lib.sh"

: "${CHROMIUM:=chromium}"
art=$top_builddir/test-artifacts/digest-browser

if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
  ok 1 "chromium is installed (scripts/install-deps installs it)"
  done_testing
  exit 1
fi

digest_store --layout
ok $? "a store from the sample feed (and a layout test item) with five readers"
digest_previews "$T/p"
ok $? "shortmail preview --html for every reader"

# The same pages without their <style> block.
pages=""
for a in $digest_readers; do
  "$PYTHON3" - "$T/p/$a.html" "$T/p/$a.inline.html" <<'PY'
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
t = re.sub(r"<style[^>]*>.*?</style>", "", s, flags=re.S)
open(sys.argv[2], "w", encoding="utf-8").write(t)
sys.exit(0 if t != s else 1)
PY
  ok $? "$a: the HTML has a <style> block to strip"
  pages="$pages $a.html $a.inline.html"
done
rm -rf "$art"
mkdir -p "$art"

# browse WIDTH PAGE...: loads each page of $T/p at WIDTH and prints one
# JSON object per page; screenshots go to $art/PAGE-WIDTH.png.
browse() {
  bw=$1
  shift
  "$PYTHON3" - "$CHROMIUM" "$T/chrome" "$bw" "$T/p" "$art" "$@" <<'PY'
import json, os, sys
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests"))
sys.dont_write_bytecode = True  # nothing written into the source tree
import cdp

chrome, profile, width, pagedir, art = sys.argv[1:6]
width = int(width)
pages = sys.argv[6:]
b = cdp.Browser(chrome, "%s-%d" % (profile, width),
                profile + "-%d.log" % width)
call, wait_event = b.call, b.wait_event

# A phone: a mobile viewport of `width` CSS pixels, which honours the
# viewport meta tag (and, like a phone, would zoom out to fit a page that
# is too wide: innerWidth then grows past the device width).
def metrics(h):
    return {"width": width, "height": h, "deviceScaleFactor": 1,
            "mobile": width < 600}

MEASURE = r"""(function (w) {
  var d = document.documentElement, out = {};
  out.iw = window.innerWidth; out.sw = d.scrollWidth; out.h = d.scrollHeight;
  function hidden(e) {
    for (; e && e.nodeType === 1; e = e.parentNode)
      if (getComputedStyle(e).display === 'none') return true;
    return false;
  }
  function label(e) {
    return e.tagName + ' ' + (e.getAttribute('alt') || e.textContent || '')
      .replace(/\s+/g, ' ').slice(0, 50);
  }
  // Elements that stick out of the screen (inside a scrolling box they
  // may: only the box itself counts).
  out.wide = [];
  var all = document.body.getElementsByTagName('*');
  for (var i = 0; i < all.length; i++) {
    var e = all[i], r = e.getBoundingClientRect(), p, clipped = false;
    if (r.width === 0 || r.right <= w + 0.5) continue;
    for (p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      var ox = getComputedStyle(p).overflowX;
      if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') {
        if (p.getBoundingClientRect().right <= w + 0.5) clipped = true;
        break;
      }
    }
    if (!clipped) out.wide.push(label(e) + ' right=' + Math.round(r.right));
  }
  out.imgs = [];
  var im = document.images;
  for (i = 0; i < im.length; i++) {
    var b = im[i].getBoundingClientRect(), col = im[i].closest('td');
    out.imgs.push({alt: im[i].alt, natural: im[i].naturalWidth,
                   width: Math.round(b.width),
                   col: col ? Math.round(col.getBoundingClientRect().width) : 0});
  }
  var card = document.querySelector('table table') || document.querySelector('table');
  var cr = card.getBoundingClientRect();
  out.card = {left: Math.round(cr.left), right: Math.round(cr.right),
              width: Math.round(cr.width)};
  out.links = {};
  var as = document.getElementsByTagName('a');
  for (i = 0; i < as.length; i++) {
    var t = as[i].textContent.trim();
    if (t !== 'Unsubscribe' && t !== 'Manage keywords') continue;
    var ar = as[i].getBoundingClientRect(), cs = getComputedStyle(as[i]);
    out.links[t] = !hidden(as[i]) && ar.width > 0 && ar.height > 0 &&
      ar.left >= 0 && ar.right <= w + 0.5 && cs.visibility === 'visible' &&
      parseFloat(cs.fontSize) >= 11;
  }
  var pre = document.body.firstElementChild;
  out.preheader = pre ? {hidden: hidden(pre) || pre.getBoundingClientRect().height === 0,
                         text: pre.textContent.slice(0, 60)} : null;
  // TeX that a reader would see raw: environments have a one-line form.
  var txt = document.body.innerText;
  out.rawtex = (txt.match(/\\(begin|end)\{[a-z]*\}?/g) || []).slice(0, 3);
  out.cases = txt.indexOf('f(x) = { x, if x > 0; α(eˣ - 1), otherwise }') >= 0;
  out.pmatrix = txt.indexOf('R = (cos θ, -sin θ; sin θ, cos θ)') >= 0;
  var body = document.querySelector('.sm-body p') || document.querySelector('td p');
  out.font = body ? parseFloat(getComputedStyle(body).fontSize) : 0;
  return JSON.stringify(out);
})(%d)""" % width

try:
    s = b.new_page()
    # Hermetic: remote images (and anything else off the machine) fail at
    # once instead of being fetched.
    call("Network.enable", session=s)
    call("Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*"]},
         session=s)
    for page in pages:
        call("Emulation.setDeviceMetricsOverride", metrics(800), session=s)
        call("Page.navigate", {"url": "file://%s/%s" % (pagedir, page)}, session=s)
        wait_event("Page.loadEventFired", s)
        r = call("Runtime.evaluate", {"expression": MEASURE, "returnByValue": True},
                 session=s)["result"]["value"]
        r = json.loads(r)
        r["page"] = page
        # The whole page in one picture: a viewport as tall as the page.
        h = max(1, min(r["h"], 16000))
        call("Emulation.setDeviceMetricsOverride", metrics(h), session=s)
        name = "%s/%s-%d.png" % (art, page[:-5], width)
        b.screenshot(s, name)
        r["shot"] = name
        print(json.dumps(r), flush=True)
finally:
    b.close()
PY
}

# check WIDTH: the assertions on $T/browse-WIDTH.json, "ok NAME" or
# "fail NAME<TAB>DETAIL" per line.
check() {
  "$PYTHON3" - "$1" "$T/browse-$1.json" <<'PY'
import json, struct, sys
width = int(sys.argv[1])
def check(cond, name, detail=""):
    if cond:
        print("ok\t" + name)
    else:
        print("fail\t%s\t%s" % (name, json.dumps(detail)[:600]))
for line in open(sys.argv[2], encoding="utf-8"):
    r = json.loads(line)
    p = "%d px: %s: " % (width, r["page"])
    inline = ".inline." in r["page"]
    check(r["iw"] == width, p + "the viewport is the screen's width (not zoomed out)",
          r["iw"])
    check(r["sw"] <= r["iw"], p + "no horizontal scroll (scrollWidth <= innerWidth)",
          {"scrollWidth": r["sw"], "innerWidth": r["iw"], "wide": r["wide"][:5]})
    check(not r["wide"], p + "no element sticks out of the screen", r["wide"][:5])
    # Only a style attribute on <img> could scale an image down where
    # <style> is dropped (render.c emits none): there a wide image must at
    # least stay inside its summary's scrolling box ("no element sticks
    # out" above).
    if not inline:
        check(all(i["width"] <= i["col"] for i in r["imgs"]),
              p + "images fit their column", r["imgs"])
    if r["page"].startswith("juergen@"):
        wide = [i for i in r["imgs"] if i["natural"] == 1200]
        check(len(wide) == 1, p + "the 1200 px figure loaded", r["imgs"])
        if not inline:
            check(all(i["width"] < 1200 for i in wide),
                  p + "the 1200 px figure is scaled down to the column", wide)
    check(not r["rawtex"], p + "no raw TeX environment shows", r["rawtex"])
    if r["page"].startswith("juergen@"):
        check(r["cases"] and r["pmatrix"],
              p + "cases and pmatrix read as one line each",
              {"cases": r["cases"], "pmatrix": r["pmatrix"]})
    check(r["card"]["width"] <= 602, p + "a single column of at most 600 px", r["card"])
    if width >= 700:
        check(abs(r["card"]["left"] - (r["iw"] - r["card"]["right"])) <= 2,
              p + "the column is centred", r["card"])
    check(r["links"].get("Unsubscribe") is True, p + "the Unsubscribe link is visible", r["links"])
    check(r["links"].get("Manage keywords") is True, p + "the Manage keywords link is visible",
          r["links"])
    check(r["preheader"] and r["preheader"]["hidden"] and r["preheader"]["text"].strip(),
          p + "the preheader is first and hidden", r["preheader"])
    check(r["font"] >= 14, p + "summary text is at least 14 px", r["font"])
    try:
        head = open(r["shot"], "rb").read(24)
        w, h = struct.unpack(">II", head[16:24])
        good = head[:8] == b"\x89PNG\r\n\x1a\n" and w == width and h >= 400
    except OSError as e:
        good, w, h = False, 0, str(e)
    check(good, p + "a full-page screenshot was kept", (r["shot"], w, h))
PY
}

for w in 375 1024; do
  # shellcheck disable=SC2086
  browse "$w" $pages >"$T/browse-$w.json" 2>"$T/browse-$w.err"
  ok $? "chromium rendered the pages at $w px"
  sed 's/^/#   /' "$T/browse-$w.err"
  is "$(wc -l <"$T/browse-$w.json" | tr -d ' ')" 10 "ten pages measured at $w px"
  check "$w" >"$T/check-$w.out" 2>"$T/check-$w.err"
  ok $? "the measurements at $w px were read"
  sed 's/^/#   /' "$T/check-$w.err"
  while IFS="$(printf '\t')" read -r res name detail; do
    if [ "$res" = ok ]; then ok 0 "$name"; else
      ok 1 "$name"
      printf '#   %s\n' "$detail"
    fi
  done <"$T/check-$w.out"
done
echo "# screenshots: $art"

done_testing
