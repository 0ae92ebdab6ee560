# tests/look-lib.sh: what the browser tests look at, for look.sh (light
# and dark schemes, computed styles) and look-dark.sh (Chromium's forced
# dark mode, pixels). Source it after tests/lib.sh, tests/mail-lib.sh and
# tests/serve-lib.sh.
#
#   look_pages DIR   one message of every kind (mail_kinds) in DIR/KIND.eml,
#                    each as a page in $T/pages/KIND.html: its HTML part, or
#                    its text part as a mail program shows it (format=flowed
#                    joined, in a proportional font); what each was in
#                    $T/pages.out. Sets $look_pages to NAME=URL pairs.
#   look_serve       starts `shortmail serve` on the readers' store and sets
#                    $look_urls to NAME=URL pairs of its pages
#                    (unsubscribe, keywords, confirmation, error); the
#                    caller stops it with serve_stop.

look_pages() {
  mail_kinds "$1" || return 1
# Each message as a page: its HTML part, or its text part as a mail
# program shows it.
"$PYTHON3" - "$1" "$T/pages" $mail_kinds_made >"$T/pages.out" 2>&1 <<'PY'
import email, html, os, re, sys
from email import policy
src, dst = sys.argv[1:3]
os.makedirs(dst, exist_ok=True)
def unflow(text, delsp=False):
    # RFC 3676: a line ending in a space continues on the next one.
    out, cur = [], ""
    for line in text.split("\n"):
        if line.startswith(" "):
            line = line[1:]  # space-stuffed
        if line.endswith(" ") and line != "-- ":
            cur += line[:-1] if delsp else line
        else:
            out.append(cur + line)
            cur = ""
    if cur:
        out.append(cur)
    return "\n".join(out)
for k in sys.argv[3:]:
    msg = email.message_from_bytes(open("%s/%s.eml" % (src, k), "rb").read(),
                                   policy=policy.default)
    part = msg.get_body(("html",))
    if part is not None:
        page = part.get_content()
    else:
        part = msg.get_body(("plain",))
        text = part.get_content().replace("\r\n", "\n")
        if part.get_param("format") == "flowed":
            text = unflow(text)
        links = re.sub(r"(https?://[^\s<>\"]+)", r'<a href="\1">\1</a>', html.escape(text, False))
        page = ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
                "<meta name=viewport content='width=device-width, initial-scale=1'>"
                "<meta name=color-scheme content='light dark'></head>"
                "<body style='margin:8px;font:16px/1.5 Arial,sans-serif'>"
                "<div style='white-space:pre-wrap;overflow-wrap:anywhere'>%s</div>"
                "</body></html>") % links
        print("%s: text/plain%s" % (k, "; format=flowed" if part.get_param("format") == "flowed" else ""))
    open("%s/%s.html" % (dst, k), "w", encoding="utf-8").write(page)
PY
  [ $? -eq 0 ] || return 1
  look_pages=""
  for k in $mail_kinds_made; do look_pages="$look_pages $k=file://$T/pages/$k.html"; done
}

look_serve() {
  serve_links vision@example.com && serve_start || return 1
  cpath=$(sql "SELECT payload FROM outbox WHERE kind = 'confirm'" |
    grep -o 'https://www.shortscience.org/confirm/[a-z2-7]*' | head -1)
  sql "UPDATE subscribers SET status = 'pending' WHERE address = 'newbie@example.com'"
  look_urls="page-unsubscribe=$base$u_path page-keywords=$base$k_path page-confirm=$base${cpath#https://www.shortscience.org} page-error=$base/u/not-a-token"
}
