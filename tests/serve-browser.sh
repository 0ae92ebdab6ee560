#!/bin/sh
# serve-browser.sh: the pages of `shortmail serve` in headless Chromium
# (tests/cdp.py), as a reader uses them: open the unsubscribe link, press
# the button (a real mouse click), and find the reader unsubscribed in
# the store; open the keywords link, change a keyword and the frequency,
# press Save, and find the change in the store. The style sheet must load
# under the page's Content-Security-Policy, and every form control must
# have a label. Screenshots are kept as test artifacts:
# $top_builddir/tests/serve-browser-*.png.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/serve-lib.sh"

: "${CHROMIUM:=chromium}"
if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
  ok 1 "chromium is installed (scripts/install-deps installs it)"
  done_testing
  exit 1
fi
art=$top_builddir/tests
mkdir -p "$art"
rm -f "$art"/serve-browser-*.png

serve_store
ok $? "a store with five confirmed readers"
serve_links vision@example.com
ok $? "vision@example.com's unsubscribe link"
u_path_v=$u_path
serve_links juergen@example.de
ok $? "juergen@example.de's keywords link"
k_path_j=$k_path
serve_start
ok $? "shortmail serve listens on $base"

"$PYTHON3" - "$CHROMIUM" "$T/chrome" "$base" "$u_path_v" "$k_path_j" "$art" \
  >"$T/browser.json" 2>"$T/browser.err" <<'PY'
import json, os, sys
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests"))
sys.dont_write_bytecode = True  # nothing written into the source tree
import cdp

chrome, profile, base, u_path, k_path, art = sys.argv[1:7]
b = cdp.Browser(chrome, profile, profile + ".log")
out = {}

# What the tests look at on each page: its heading, whether the style
# sheet applied (the page's background comes only from /web.css), and
# form controls without a label.
LOOK = r"""JSON.stringify({
  h1: (document.querySelector('h1') || {}).textContent || '',
  lang: document.documentElement.lang,
  status: (document.querySelector('[role=status]') || {}).textContent || '',
  styled: getComputedStyle(document.documentElement).backgroundColor,
  unlabelled: Array.prototype.filter.call(
    document.querySelectorAll('input:not([type=hidden]), textarea, select'),
    function (e) { return !e.labels || e.labels.length === 0; }).length,
  text: document.body.innerText.slice(0, 400)
})"""

def look(s):
    return json.loads(b.evaluate(s, LOOK))

def navigate(s, url):
    b.drop_events("Page.loadEventFired", s)
    b.call("Page.navigate", {"url": url}, session=s)
    b.wait_event("Page.loadEventFired", s)

def click(s, selector):
    """A real mouse click in the middle of the element, then the load of
    the page the form posts to."""
    r = json.loads(b.evaluate(s, """(function () {
      var e = document.querySelector(%s); e.scrollIntoView();
      var r = e.getBoundingClientRect();
      return JSON.stringify({x: r.left + r.width / 2, y: r.top + r.height / 2});
    })()""" % json.dumps(selector)))
    b.drop_events("Page.loadEventFired", s)
    for kind in ("mousePressed", "mouseReleased"):
        b.call("Input.dispatchMouseEvent",
               {"type": kind, "x": r["x"], "y": r["y"], "button": "left",
                "clickCount": 1}, session=s)

try:
    s = b.new_page()
    b.call("Emulation.setDeviceMetricsOverride",
           {"width": 800, "height": 900, "deviceScaleFactor": 1,
            "mobile": False}, session=s)
    # CSP violations and other console errors end up here.
    b.call("Runtime.enable", session=s)
    b.call("Log.enable", session=s)

    navigate(s, base + u_path)
    out["unsub_page"] = look(s)
    b.screenshot(s, art + "/serve-browser-unsubscribe.png")
    click(s, "button[type=submit]")
    b.wait_event("Page.loadEventFired", s)
    out["unsub_done"] = look(s)
    b.screenshot(s, art + "/serve-browser-unsubscribed.png")

    navigate(s, base + k_path)
    out["kw_page"] = look(s)
    b.screenshot(s, art + "/serve-browser-keywords.png")
    # Edit as a person would: replace one line of the text area, pick
    # "Daily" by clicking its label.
    b.evaluate(s, r"""(function () {
      var t = document.getElementById('keywords');
      t.focus();
      t.value = t.value.replace('author:klambauer', 'author:hochreiter');
      return t.value;
    })()""")
    click(s, "label[for=daily]")
    out["daily_checked"] = b.evaluate(s, "document.getElementById('daily').checked")
    click(s, "button[type=submit]")
    b.wait_event("Page.loadEventFired", s)
    out["kw_done"] = look(s)
    b.screenshot(s, art + "/serve-browser-keywords-saved.png")
    out["console_errors"] = [
        e["params"]["entry"]["text"] for e in b.queue
        if e.get("method") == "Log.entryAdded"
        and e["params"]["entry"].get("level") == "error"]
    out["exceptions"] = [e for e in b.queue
                         if e.get("method") == "Runtime.exceptionThrown"]
finally:
    b.close()
print(json.dumps(out))
PY
ok $? "chromium opened the pages and pressed the buttons"
sed 's/^/#   /' "$T/browser.err"

# field PATH: one value of the JSON the browser run printed.
field() {
  "$PYTHON3" -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k] if isinstance(v, dict) else v[int(k)]
print(v if not isinstance(v, (list, dict)) else json.dumps(v))' "$T/browser.json" "$1" 2>/dev/null
}

is "$(field unsub_page.h1)" "Unsubscribe" "the unsubscribe page's heading"
is "$(field unsub_page.lang)" "en" "its language"
is "$(field unsub_page.styled)" "rgb(244, 244, 240)" "the style sheet applied under the CSP"
is "$(field kw_done.styled)" "rgb(244, 244, 240)" "on every page"
is "$(field unsub_page.unlabelled)" 0 "no control without a label"
is "$(field unsub_done.h1)" "You are unsubscribed" "pressing the button: the page says unsubscribed"
is "$(sql "SELECT status FROM subscribers WHERE address = 'vision@example.com'")" unsubscribed \
  "and the store says so too"
is "$(sql "SELECT status FROM subscribers WHERE address = 'juergen@example.de'")" confirmed \
  "nobody else was unsubscribed"

is "$(field kw_page.h1)" "Your keywords" "the keywords page's heading"
is "$(field kw_page.unlabelled)" 0 "every control has a label"
is "$(field daily_checked)" "True" "clicking the label picked Daily"
is "$(field kw_done.status)" "removed author:klambauer; added author:hochreiter; digests now come daily" \
  "after Save, the page says what changed"
is "$(sql "SELECT group_concat(keyword, ' ') FROM (SELECT keyword FROM interests WHERE subscriber_id = 3 ORDER BY keyword)")" \
  "author:günter author:hochreiter author:schmidhuber author:ångström" "the store has the edited keywords"
is "$(sql "SELECT frequency FROM subscribers WHERE id = 3")" daily "and the frequency"
is "$(field console_errors)" "[]" "no console errors (CSP violations would be)"

for p in unsubscribe unsubscribed keywords keywords-saved; do
  f=$art/serve-browser-$p.png
  [ -s "$f" ] && [ "$(head -c 4 "$f" | tail -c 3)" = PNG ]
  ok $? "screenshot kept: tests/serve-browser-$p.png"
done

serve_stop
is "$serve_rc" 0 "the server stops cleanly"
done_testing
