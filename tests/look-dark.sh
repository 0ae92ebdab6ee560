#!/bin/sh
# look-dark.sh: every kind of message and every page of `shortmail serve`
# (the ones look.sh looks at, from tests/look-lib.sh) in Chromium's forced
# dark mode (--force-dark-mode --enable-features=WebContentsForceDark, what
# a reader who asks every site to be dark gets), at 375 px and 1024 px.
# Forced dark recolours what is drawn, not the computed styles, so the
# contrast of text against its background (at least 4.5:1, WCAG AA) is
# read from the pixels of each screenshot (tests/look.py): for every line
# of visible text, the colour filling most of its box is the background
# and the text's colour is that of its strongest pixels. The screenshot
# is of the very rendering measured (one window as tall as the page).
# Two pages of our own prove the test can see: black text on white with
# no colour scheme must come out dark (forced dark is on), and grey text
# on grey must fail the checker. Screenshots are kept in
# $top_builddir/test-artifacts/look-dark/.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/mail-lib.sh"
. "$top_srcdir/tests/serve-lib.sh"
. "$top_srcdir/tests/look-lib.sh"

: "${CHROMIUM:=chromium}"
art=$top_builddir/test-artifacts/look-dark
if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
  ok 1 "chromium is installed (scripts/install-deps installs it)"
  done_testing
  exit 1
fi

look_pages "$T/m"
ok $? "one message of every kind, each as a page"
look_serve
ok $? "shortmail serve runs"

# The pages that prove the checker: plain black on white, which forced
# dark must darken, and grey on grey (3.0:1 and less), which must fail.
cat >"$T/fixture-plain.html" <<'HTML'
<!DOCTYPE html><html lang=en><head><meta charset=utf-8>
<meta name=viewport content="width=device-width, initial-scale=1"></head>
<body style="margin:8px;background:#fff;color:#000;font:16px/1.5 Arial,sans-serif">
<p>Black on white, with no colour scheme declared: forced dark recolours it.</p>
</body></html>
HTML
cat >"$T/fixture-grey.html" <<'HTML'
<!DOCTYPE html><html lang=en><head><meta charset=utf-8>
<meta name=viewport content="width=device-width, initial-scale=1"></head>
<body style="margin:8px;font:16px/1.5 Arial,sans-serif">
<p style="background:#8a8a8a;color:#b0b0b0;padding:8px">Grey text on a grey
background, built to fail the contrast check.</p>
</body></html>
HTML
pages="$look_pages $look_urls fixture-plain=file://$T/fixture-plain.html fixture-grey=file://$T/fixture-grey.html"

rm -rf "$art"
mkdir -p "$art"
# shellcheck disable=SC2086
"$PYTHON3" - "$CHROMIUM" "$T/chrome" "$art" $pages >"$T/dark.json" 2>"$T/dark.err" <<'PY'
import json, os, sys, time
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests"))
sys.dont_write_bytecode = True  # nothing written into the source tree
import cdp
import look

chrome, profile, art = sys.argv[1:4]
targets = [a.split("=", 1) for a in sys.argv[4:]]
b = cdp.Browser(chrome, profile, profile + ".log", timeout=90,
                args=["--force-dark-mode",
                      "--enable-features=WebContentsForceDark"])
try:
    s = b.new_page()
    b.call("Network.enable", session=s)
    # Hermetic: nothing off the machine (remote images fail at once).
    b.call("Network.setBlockedURLs", {"urls": ["https://*", "http://www.*"]}, session=s)
    for width in (375, 1024):
        for name, url in targets:
            # Each page within 90 s however busy the machine is (the other
            # tests, the other jobs): a hung browser still fails the test.
            b.deadline = time.time() + 90
            h = look.show(b, s, url, width)
            runs = look.text_runs(b, s)
            shot = "%s/%s-%d.png" % (art, name, width)
            png = look.shoot(b, s, shot)
            after = b.evaluate(s, "document.documentElement.scrollHeight")
            measured = look.pixel_contrast(b, png, runs)
            low = sorted((m for m in measured if m["ratio"] < 4.5),
                         key=lambda m: m["ratio"])
            print(json.dumps({
                "page": name, "width": width, "h": h, "after": after,
                "runs": len(runs), "measured": len(measured),
                "min": min([m["ratio"] for m in measured] or [0]),
                "low": low, "shot": shot,
                "bgs": sorted(set(m["bg"] for m in measured)),
            }), flush=True)
finally:
    b.close()
PY
ok $? "chromium rendered every message and page in forced dark mode"
sed 's/^/#   /' "$T/dark.err" | head -20
serve_stop

n=$(wc -l <"$T/dark.json" | tr -d ' ')
want=$(( ($(echo $look_pages $look_urls | wc -w) + 2) * 2 ))
is "$n" "$want" "every page and both fixtures at two widths ($want)"
"$PYTHON3" - "$T/dark.json" >"$T/check.out" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    p = "%s at %d px: " % (r["page"], r["width"])
    def check(cond, name, detail):
        print(("ok\t%s%s" % (p, name)) if cond else ("fail\t%s%s\t%s" % (p, name, json.dumps(detail)[:600])))
    print("# %s%d lines of text measured, lowest contrast %.2f:1" % (p, r["measured"], r["min"]))
    check(r["h"] == r["after"], "the screenshot is the rendering measured", [r["h"], r["after"]])
    if r["page"] == "fixture-grey":
        check(r["low"] != [], "grey on grey fails the checker (%.2f:1)" % r["min"], r["low"][:2])
        continue
    if r["page"] == "fixture-plain":
        # Forced dark is on: the white page came out dark behind its text.
        dark = [bg for bg in r["bgs"]
                if max(int(v) for v in bg[4:-1].split(",")) < 80]
        check(r["measured"] > 0 and dark == r["bgs"],
              "black on white comes out dark (forced dark is on)", r["bgs"])
        continue
    check(r["measured"] > 0 and r["measured"] >= r["runs"] // 2,
          "its text is measured (%d of %d lines)" % (r["measured"], r["runs"]),
          [r["measured"], r["runs"]])
    check(not r["low"], "text contrast at least 4.5:1 in the pixels", r["low"][:4])
PY
ok_results "$T/check.out"
echo "# screenshots: $art"
done_testing
