# tests/look.py: how the browser tests look at a page (look.sh,
# look-dark.sh), over tests/cdp.py. Python's standard library only.
#
#   show(b, s, url, width)   loads url at width (375: a phone, with its
#                            mobile layout) in a window as tall as the
#                            page, so that what is measured next and the
#                            screenshot are one and the same rendering;
#                            returns the page's height
#   shoot(b, s, path)        the screenshot of that rendering, kept in
#                            path; returns the PNG as base64
#   text_runs(b, s)          every piece of visible text: its box in the
#                            screenshot's pixels and what it says
#   pixel_contrast(b, png, runs)
#                            the contrast of each run's text against its
#                            background, read from the screenshot's pixels
#
# Why one window as tall as the page: a phone-sized window (mobile) lets
# Chromium enlarge text to fit ("text autosizing"), and how much depends
# on the window's height. Measuring in an 800 px window and shooting in a
# taller one measured a page that was not the one in the picture (the
# digest's code block came out at 1.00:1 while the picture read well).
import base64
import json

MAX_HEIGHT = 6000


def show(b, s, url, width):
    m = {"width": width, "height": 800, "deviceScaleFactor": 1,
         "mobile": width < 600}
    b.call("Page.bringToFront", session=s)
    b.call("Emulation.setDeviceMetricsOverride", m, session=s)
    b.drop_events("Page.loadEventFired", s)
    b.call("Page.navigate", {"url": url}, session=s)
    b.wait_event("Page.loadEventFired", s)
    # The window's height changes the layout (autosizing), and the layout
    # the page's height: settle on a height that holds the whole page.
    h = b.evaluate(s, "document.documentElement.scrollHeight")
    for _ in range(5):
        m["height"] = max(400, min(h, MAX_HEIGHT))
        b.call("Emulation.setDeviceMetricsOverride", m, session=s)
        now = b.evaluate(s, "document.documentElement.scrollHeight")
        if now == h or (h >= MAX_HEIGHT and now >= MAX_HEIGHT):
            break
        h = now
    return h


def shoot(b, s, path):
    data = b.call("Page.captureScreenshot", {"format": "png"},
                  session=s)["data"]
    with open(path, "wb") as f:
        f.write(base64.b64decode(data))
    return data


# Each line of each text node, in the page's pixels: the window holds
# the whole page, unscrolled, at a device scale of 1, so they are the
# screenshot's pixels too. A line's box is the union of its characters'
# boxes (white space left out: pre-wrap keeps spaces at line ends, whose
# box holds no ink), and a line with no letter or digit is left out (a
# lone "." or "·" is too small for any of its pixels to reach the text's
# colour). Text that is not drawn (hidden, transparent, clipped away,
# covered by something else) is left out: its box shows something else.
TEXT_RUNS = r"""(function () {
  function hidden(e) {
    for (; e && e.nodeType === 1; e = e.parentElement) {
      var cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden' ||
          parseFloat(cs.opacity) === 0 ||
          (cs.overflow === 'hidden' && e.getBoundingClientRect().height < 2))
        return true;
    }
    return false;
  }
  var out = [], w = document.documentElement.clientWidth, r = document.createRange();
  function flush(e, line) {
    if (!line || !/[\p{L}\p{N}]/u.test(line.text)) return;
    var x = Math.max(0, Math.floor(line.l)), y = Math.floor(line.t);
    var bw = Math.ceil(line.r) - x, bh = Math.ceil(line.b) - y;
    if (bw < 2 || bh < 4 || line.r <= 0 || line.l >= w) return;
    var top = document.elementFromPoint((line.l + line.r) / 2, (line.t + line.b) / 2);
    if (!top || !(top === e || e.contains(top) || top.contains(e))) return;
    out.push({x: x, y: y, w: bw, h: bh,
              text: e.tagName + ' "' + line.text.trim().slice(0, 40) + '"'});
  }
  var walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (var n = walk.nextNode(); n; n = walk.nextNode()) {
    var v = n.nodeValue, e = n.parentElement;
    if (!v.trim() || /^(STYLE|SCRIPT|TITLE)$/.test(e.tagName) || hidden(e)) continue;
    var cs = getComputedStyle(e);
    if (parseFloat(cs.fontSize) < 2 || /rgba\(.*, 0\)$/.test(cs.color)) continue;
    var line = null;
    for (var i = 0; i < v.length; i++) {
      var k = v.charCodeAt(i) >= 0xd800 && v.charCodeAt(i) < 0xdc00 ? 2 : 1;
      var ch = v.substr(i, k);
      if (/\s/.test(ch)) { if (line) line.text += ' '; i += k - 1; continue; }
      r.setStart(n, i); r.setEnd(n, i + k);
      var b = r.getBoundingClientRect();
      i += k - 1;
      if (b.width === 0 && b.height === 0) continue;
      if (line && Math.abs(b.top - line.t) < b.height / 2) {
        line.l = Math.min(line.l, b.left); line.r = Math.max(line.r, b.right);
        line.b = Math.max(line.b, b.bottom); line.text += ch;
      } else {
        flush(e, line);
        line = {l: b.left, r: b.right, t: b.top, b: b.bottom, text: ch};
      }
    }
    flush(e, line);
  }
  return JSON.stringify(out);
})()"""


def text_runs(b, s):
    return json.loads(b.evaluate(s, TEXT_RUNS))


# In a page of its own (about:blank, so the screenshot's data: URL does
# not taint the canvas): the screenshot decoded by Chromium, then for
# each run the colour that fills most of its box (its background) and
# the contrast of its text against that: the third strongest pixel, so
# that a stray pixel does not count and the core of a glyph does (text
# is drawn with antialiasing: its edges are blends).
PIXELS = r"""(function (png, runs) {
  return new Promise(function (done, fail) {
    var img = new Image();
    img.onerror = function () { fail('the screenshot does not decode'); };
    img.onload = function () {
      var c = document.createElement('canvas');
      c.width = img.width; c.height = img.height;
      var g = c.getContext('2d', {willReadFrequently: true});
      g.drawImage(img, 0, 0);
      function lin(v) {
        v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
      }
      var lums = {};  // by colour: a page has few, a box many pixels
      function lum(r, gg, b) {
        var k = (r << 16) | (gg << 8) | b;
        if (!(k in lums)) lums[k] = 0.2126 * lin(r) + 0.7152 * lin(gg) + 0.0722 * lin(b);
        return lums[k];
      }
      var out = [];
      runs.forEach(function (r) {
        var w = Math.min(r.w, c.width - r.x), h = Math.min(r.h, c.height - r.y);
        if (w < 4 || h < 4) return;
        var d = g.getImageData(r.x, r.y, w, h).data, count = {}, best = 0, bg = 0;
        for (var i = 0; i < d.length; i += 4) {
          var k = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
          count[k] = (count[k] || 0) + 1;
          if (count[k] > best) { best = count[k]; bg = k; }
        }
        var lb = lum(bg >> 16, (bg >> 8) & 255, bg & 255), top = [0, 0, 0], fg = [0, 0, 0];
        for (i = 0; i < d.length; i += 4) {
          var l = lum(d[i], d[i + 1], d[i + 2]);
          var ratio = (Math.max(l, lb) + 0.05) / (Math.min(l, lb) + 0.05);
          for (var j = 0; j < 3; j++) {
            if (ratio > top[j]) {
              top.splice(j, 0, ratio); top.pop();
              fg.splice(j, 0, [d[i], d[i + 1], d[i + 2]]); fg.pop();
              break;
            }
          }
        }
        if (top[2] <= 1.01) return;  // no ink: nothing drawn in the box
        out.push({text: r.text, x: r.x, y: r.y, ratio: +top[2].toFixed(2),
                  fg: 'rgb(' + fg[2].join(',') + ')',
                  bg: 'rgb(' + [bg >> 16, (bg >> 8) & 255, bg & 255].join(',') + ')'});
      });
      done(JSON.stringify(out));
    };
    img.src = 'data:image/png;base64,' + png;
  });
})"""


def pixel_contrast(b, png, runs):
    """Each run's contrast, from the pixels of the screenshot png (base64),
    in a page of its own, made on first use."""
    if not hasattr(b, "pixel_page"):
        # In the background: a tab in front of the measured one would
        # leave that one hidden, and a hidden tab draws no frames for its
        # screenshot (which then waits, and the run times out).
        target = b.call("Target.createTarget",
                        {"url": "about:blank", "background": True})["targetId"]
        b.pixel_page = b.call("Target.attachToTarget",
                              {"targetId": target, "flatten": True})["sessionId"]
    r = b.call("Runtime.evaluate",
               {"expression": "%s(%s, %s)" % (PIXELS, json.dumps(png),
                                             json.dumps(runs)),
                "awaitPromise": True, "returnByValue": True},
               session=b.pixel_page)
    if "exceptionDetails" in r:
        raise RuntimeError("pixels: %s" % r["exceptionDetails"])
    return json.loads(r["result"]["value"])
