#!/bin/sh
# dkim.sh: with [dkim] key_file set, every message is signed (rsa-sha256,
# relaxed/relaxed) so that an independent verifier (python3-dkim) accepts
# it, with both List-Unsubscribe fields signed (RFC 8058); a changed byte
# breaks it; the signature is the same on a retry.
. "$top_srcdir/tests/lib.sh"

"$PYTHON3" -c 'import dkim' 2>/dev/null || /usr/bin/python3 -c 'import dkim' ||
  { ok 1 "python3-dkim is installed (scripts/install-deps)"; done_testing; exit 1; }
PY=$PYTHON3
"$PY" -c 'import dkim' 2>/dev/null || PY=/usr/bin/python3

openssl genrsa -out "$T/dkim.key" 2048 2>/dev/null
openssl rsa -in "$T/dkim.key" -pubout -outform DER 2>/dev/null | base64 -w0 > "$T/dkim.pub"
cat >> "$T/shortmail.conf" <<CONF
[dkim]
key_file = $T/dkim.key
selector = mail2026
CONF
export SHORTMAIL_NOW=2026-11-23T10:00:00Z
sm ingest "file://$top_srcdir/data/sample-feed.xml"
is "$rc" 0 "sample feed ingested"
sql "INSERT INTO subscribers (address, status, created_at, changed_at) VALUES ('ada@example.org', 'confirmed', 0, 0)"
sql "INSERT INTO interests VALUES (1, 'cs.lg', 0)"
sm preview --eml "$T/a.eml" ada@example.org
is "$rc" 0 "preview with DKIM configured"
sm preview --eml "$T/b.eml" ada@example.org
cmp -s "$T/a.eml" "$T/b.eml"; ok $? "the signed message is identical on a retry"
head -1 "$T/a.eml" > "$T/first"
like "$T/first" "^DKIM-Signature: " "the signature is the first field"

verify() {
  "$PY" - "$1" "$T/dkim.pub" <<'PY'
import sys, dkim
msg = open(sys.argv[1], 'rb').read()
pub = open(sys.argv[2]).read().strip()
def dns(name, timeout=5):
    if name == b'mail2026._domainkey.lists.example.org.':
        return ('v=DKIM1; k=rsa; p=' + pub).encode()
    return None
ok = dkim.verify(msg, dnsfunc=dns)
sig = dkim.DKIM(msg)
print("verified" if ok else "not verified")
sys.exit(0 if ok else 1)
PY
}
verify "$T/a.eml" > "$T/v" 2>&1; ok $? "python3-dkim verifies the signature"
"$PY" - "$T/a.eml" > "$T/tags" <<'PY'
import sys, re, email
raw = open(sys.argv[1], 'rb').read().decode()
field = re.search(r'^DKIM-Signature:(.*?)\r\n(?=\S)', raw, re.S | re.M).group(1)
tags = dict(t.strip().split('=', 1) for t in re.sub(r'\s+', '', field).split(';') if '=' in t)
print('a=' + tags['a']); print('c=' + tags['c']); print('d=' + tags['d'])
print('s=' + tags['s']); print('h=' + tags['h'].lower())
PY
like "$T/tags" "^a=rsa-sha256$" "rsa-sha256"
like "$T/tags" "^c=relaxed/relaxed$" "relaxed/relaxed"
like "$T/tags" "^d=lists.example.org$" "signed for the list's domain"
like "$T/tags" "^h=(.*:)?list-unsubscribe(:|$)" "List-Unsubscribe is signed"
like "$T/tags" "^h=(.*:)?list-unsubscribe-post(:|$)" "List-Unsubscribe-Post is signed"
like "$T/tags" "^h=(.*:)?from(:|$)" "From is signed"

sed 's/new summaries/new summarieS/' "$T/a.eml" > "$T/c.eml"
verify "$T/c.eml" > "$T/v" 2>&1
is "$?" 1 "a changed Subject fails verification"

printf '[dkim]\nkey_file = %s/nokey.pem\n' "$T" >> "$T/bad.conf"
cat "$T/shortmail.conf" | sed "s|^key_file = .*|key_file = $T/nokey.pem|" > "$T/bad.conf"
sm -c "$T/bad.conf" preview ada@example.org
is "$rc" 78 "a missing key file is a configuration error"
like "$T/err" "nokey.pem: cannot read a PEM private key" "naming the file"

# Least privilege: only send and preview sign, so only they read the key.
# receive (hostile mail) and sub work with the key file unreadable.
sm -c "$T/bad.conf" send
is "$rc" 78 "send reads the key: a missing one is a configuration error"
printf 'From: eve@example.net\r\nTo: digest-request@lists.example.org\r\nSubject: help\r\nMessage-ID: <nokey@example.net>\r\n\r\nhelp\r\n' > "$T/help.eml"
"$SHORTMAIL" -c "$T/bad.conf" receive --recipient digest-request@lists.example.org < "$T/help.eml" > "$T/out" 2> "$T/err"
is "$?" 0 "receive never reads the key: a missing one does not stop it"
unlike "$T/err" "nokey.pem" "nor is it named"
sm -c "$T/bad.conf" sub add nokey@example.org
is "$rc" 0 "sub add does not read the key either"
done_testing
