#!/bin/sh
# dkim.sh: with [dkim] key_file set, every message is signed
# (relaxed/relaxed; rsa-sha256 with an RSA key, ed25519-sha256 with an
# Ed25519 one) so that two independent verifiers accept it: Python's dkimpy
# (python3-dkim) and Perl's Mail::DKIM (libmail-dkim-perl), each given the
# key through its own DNS hook (there is no DNS here). Both check messages
# of every shape our signer may meet (long lines, trailing white space,
# empty bodies, folded and 8-bit headers, a signed name twice), and a
# digest as preview writes it, with both List-Unsubscribe fields signed
# (RFC 8058); a changed byte breaks it; the signature is the same on a
# retry. `shortmail dkim-record` prints the record of the key, checked
# against openssl's own rendering of the public key.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/smtp-lib.sh"

PY=$PYTHON3
"$PY" -c 'import dkim, nacl' 2>/dev/null || PY=/usr/bin/python3
"$PY" -c 'import dkim, nacl' ||
  { ok 1 "python3-dkim and python3-nacl are installed (scripts/install-deps)"; done_testing; exit 1; }
perl -MMail::DKIM::Verifier -MCrypt::PK::Ed25519 -MNet::DNS -e 1 ||
  { ok 1 "libmail-dkim-perl and libcryptx-perl are installed (scripts/install-deps)"; done_testing; exit 1; }
SIGN=$top_builddir/tests/dkim-sign

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.key" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$T/ed.key" 2>/dev/null
# The p= of each, as openssl renders the public half: the whole DER for
# RSA, the last 32 bytes (the raw key) of it for Ed25519 (RFC 8463 4.2).
openssl pkey -in "$T/rsa.key" -pubout -outform DER 2>/dev/null | base64 -w0 > "$T/rsa.pub"
openssl pkey -in "$T/ed.key" -pubout -outform DER 2>/dev/null | tail -c 32 | base64 -w0 > "$T/ed.pub"
printf 'v=DKIM1; k=rsa; p=%s' "$(cat "$T/rsa.pub")" > "$T/rsa.txt"
printf 'v=DKIM1; k=ed25519; p=%s' "$(cat "$T/ed.pub")" > "$T/ed.txt"

# dkimpy: verify FILE RECORD_FILE -> "ok" or why not.
pyverify() {
  "$PY" - "$@" <<'PY'
import sys, dkim
msg = open(sys.argv[1], 'rb').read()
rec = open(sys.argv[2], 'rb').read().strip()
def dns(name, timeout=5):
    return rec if name.endswith(b'._domainkey.lists.example.org.') else None
d = dkim.DKIM(msg)
try:
    good = d.verify(dnsfunc=dns)
except Exception as e:
    print('error', e); sys.exit(1)
print('ok' if good else 'fail'); sys.exit(0 if good else 1)
PY
}
# Mail::DKIM: plverify FILE ZONE_LINE_FILE: the record is read as a zone
# file line (the form dkim-record prints) and served by a resolver of our
# own through Mail::DKIM::DNS::resolver.
plverify() {
  perl - "$@" <<'PL'
use strict; use warnings;
use Mail::DKIM::Verifier; use Mail::DKIM::DNS; use Net::DNS;
package FakeResolver;
sub new { my ($c, $rr) = @_; return bless { rr => $rr }, $c }
sub send {
  my ($self, $name, $type) = @_;
  my $p = Net::DNS::Packet->new($name, $type);
  $p->header->rcode('NOERROR');
  $p->push(answer => $self->{rr}) if lc($name) eq lc($self->{rr}->owner);
  return $p;
}
sub errorstring { 'NOERROR' }
# Debian 12's Mail::DKIM (1.20230212) knows only rsa-*: ed25519-sha256
# is added here from its parts, Mail::DKIM's canonicalization and hashes
# and CryptX's Ed25519 (RFC 8463: the signature is over the header hash).
package Ed25519Sha256;
use base 'Mail::DKIM::Algorithm::rsa_sha256';
use MIME::Base64; use Crypt::PK::Ed25519;
sub verify {
  my $self = shift;
  my $pk = Crypt::PK::Ed25519->new;
  $pk->import_key_raw(decode_base64($self->signature->get_public_key->data), 'public');
  return unless $pk->verify_message(decode_base64($self->signature->data),
                                    $self->{header_digest}->digest);
  return $self->check_body_hash;
}
package main;
{
  no warnings 'redefine';
  my $class = Mail::DKIM::Signature->can('get_algorithm_class');
  *Mail::DKIM::Signature::get_algorithm_class = sub {
    return $_[1] eq 'ed25519-sha256' ? 'Ed25519Sha256' : $class->(@_);
  };
  my $check = Mail::DKIM::PublicKey->can('check');
  *Mail::DKIM::PublicKey::check = sub {
    my $key = shift;
    return $check->($key, @_) unless ($key->get_tag('k') // '') eq 'ed25519';
    die "invalid data\n" unless ($key->data // '') =~ m{^[A-Za-z0-9+/]{43}=$};
    return 1;
  };  # The RSA key size check (only fatal in Strict mode) asks for an
  # OpenSSL RSA object: the raw key's 32 bytes stand in.
  my $cork = Mail::DKIM::PublicKey->can('cork');
  *Mail::DKIM::PublicKey::cork = sub {
    my $key = shift;
    return $cork->($key, @_) unless ($key->get_tag('k') // '') eq 'ed25519';
    return bless {}, 'Ed25519Size';
  };
}
sub Ed25519Size::size { 32 }
my ($file, $zone) = @ARGV;
open my $z, '<', $zone or die; my $line = <$z>; chomp $line;
Mail::DKIM::DNS::resolver(FakeResolver->new(Net::DNS::RR->new($line)));
open my $f, '<:raw', $file or die;
my $v = Mail::DKIM::Verifier->new;
eval {
  while (read $f, my $chunk, 4096) { $v->PRINT($chunk) }
  $v->CLOSE;
  1;
} or do { print "error $@"; exit 1 };
print $v->result, ($v->result_detail ? ' ' . $v->result_detail : ''), "\n";
exit($v->result eq 'pass' ? 0 : 1);
PL
}

# ---- messages of every shape, signed and verified twice ----
"$PY" - "$T/m" <<'PY'
import os, sys
d = sys.argv[1]; os.makedirs(d)
H = ('From: Digest <digest@lists.example.org>\r\nTo: ada@example.org\r\n'
     'Subject: new summaries\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n'
     'Message-ID: <m1@lists.example.org>\r\nMIME-Version: 1.0\r\n'
     'Content-Type: text/plain; charset=utf-8\r\n')
L = ('List-Id: digest <digest.lists.example.org>\r\n'
     'List-Unsubscribe: <https://lists.example.org/u/x>,\r\n <mailto:digest+unsub-x@lists.example.org>\r\n'
     'List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n'
     'List-Help: <mailto:digest-request@lists.example.org?subject=help>\r\n'
     'List-Post: NO\r\nAuto-Submitted: auto-generated\r\nPrecedence: list\r\n')
cases = {
  'plain': H + L + '\r\nHello.\r\n',
  'long-lines': H + '\r\n' + ('x' * 990 + '\r\n') * 5 + ('word ' * 190).strip() + '\r\n',
  'trailing-ws': H + '\r\n' + 'a line  \r\n\tindented\t \r\n  \r\nruns  of \t space\r\n \r\n\r\n',
  'empty-body': H + '\r\n',
  'blank-body': H + '\r\n\r\n  \r\n\t\r\n',
  'no-final-crlf': H + '\r\nlast line without end',
  'folded': H.replace('To: ada@example.org\r\n',
      'To: ada@example.org,\r\n  bob@example.org,\r\n\tcy@example.org\r\n').replace(
      'Subject: new summaries\r\n', 'Subject: new\r\n summaries   for\r\n\tyou  \r\n') + L + '\r\nbody\r\n',
  'utf8-headers': ('From: "Zoë Ünïcode" <digest@lists.example.org>\r\nTo: Ωmega <ada@example.org>\r\n'
      'Subject: résumé — ∑ of “news” 日本語\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n'
      'Message-ID: <m2@lists.example.org>\r\n\r\nCafé ünïcode body ∑\r\n'),
  'encoded-words': H.replace('Subject: new summaries', 'Subject: =?UTF-8?Q?caf=C3=A9?=\r\n =?UTF-8?B?w7xiZXI=?=') + L + '\r\nx\r\n',
  'names-twice': H + 'References: <a@example.org>\r\nX-Other: 1\r\nReferences: <b@example.org>\r\n\r\nx\r\n',
  'odd-case': H.replace('Subject:', 'SUBJECT:').replace('From:', 'from:') + '\r\nx\r\n',
  'big': H + L + '\r\n' + ''.join('line %d with text   and\ttabs \r\n' % i for i in range(20000)) + '\r\n\r\n\r\n',
  'mime': H.replace('text/plain; charset=utf-8', 'multipart/alternative;\r\n boundary="=-b"') + L +
      '\r\n--=-b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ntext\r\n--=-b\r\n'
      'Content-Type: text/html; charset=utf-8\r\n\r\n<p>html</p>\r\n--=-b--\r\n',
}
for name, text in cases.items():
    open(os.path.join(d, name), 'wb').write(text.encode('utf-8'))
PY
# The zone file lines Mail::DKIM reads: openssl's p= in 255-byte strings.
for key in rsa ed; do
  "$PY" -c "import sys; t = open(sys.argv[1]).read(); print('s1._domainkey.lists.example.org. IN TXT ' + ' '.join('\"%s\"' % t[i:i + 255] for i in range(0, len(t), 255)))" "$T/$key.txt" > "$T/$key.zone"
done
for key in rsa ed; do
  for m in "$T"/m/*; do
    name=${m##*/}
    "$SIGN" "$T/$key.key" s1 lists.example.org 1795000000 < "$m" > "$T/s"
    is "$?" 0 "$key $name: signed"
    pyverify "$T/s" "$T/$key.txt" > "$T/v" 2>&1
    ok $? "$key $name: dkimpy verifies ($(cat "$T/v"))"
    plverify "$T/s" "$T/$key.zone" > "$T/v" 2>&1
    ok $? "$key $name: Mail::DKIM verifies ($(head -1 "$T/v"))"
  done
  # One changed byte in the body, in a signed field, and the other key's
  # record: each verifier refuses all three.
  "$SIGN" "$T/$key.key" s1 lists.example.org 1795000000 < "$T/m/folded" > "$T/s"
  sed 's/^body/bodY/' "$T/s" > "$T/s-body"
  sed 's/^\tyou/\tyoU/' "$T/s" > "$T/s-subject"
  cmp -s "$T/s" "$T/s-body" && ok 1 "the body edit changed nothing"
  cmp -s "$T/s" "$T/s-subject" && ok 1 "the Subject edit changed nothing"
  other=ed; [ "$key" = ed ] && other=rsa
  cp "$T/$other.zone" "$T/wrong.zone"
  for bad in s-body s-subject; do
    pyverify "$T/$bad" "$T/$key.txt" > "$T/v" 2>&1
    is "$?" 1 "$key: dkimpy refuses $bad"
    plverify "$T/$bad" "$T/$key.zone" > "$T/v" 2>&1
    is "$?" 1 "$key: Mail::DKIM refuses $bad"
  done
  pyverify "$T/s" "$T/$other.txt" > "$T/v" 2>&1
  is "$?" 1 "$key: dkimpy refuses the other key"
  plverify "$T/s" "$T/wrong.zone" > "$T/v" 2>&1
  is "$?" 1 "$key: Mail::DKIM refuses the other key"
done
"$SIGN" "$T/ed.key" s1 lists.example.org 1795000000 < "$T/m/plain" | head -3 > "$T/edsig"
like "$T/edsig" "a=ed25519-sha256" "an Ed25519 key signs ed25519-sha256"

# ---- a digest, as preview (and send) sign it ----
cat >> "$T/shortmail.conf" <<CONF
[dkim]
key_file = $T/rsa.key
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
awk 'length($0) > 999 { bad = 1 } END { exit bad }' "$T/a.eml"
ok $? "no line of the signed digest is longer than 998 octets"

sm dkim-record
is "$rc" 0 "dkim-record"
cp "$T/out" "$T/record"
plverify "$T/a.eml" "$T/record" > "$T/v" 2>&1
ok $? "Mail::DKIM verifies the digest with the record dkim-record prints ($(head -1 "$T/v"))"
pyverify "$T/a.eml" "$T/rsa.txt" > "$T/v" 2>&1
ok $? "dkimpy verifies the digest ($(cat "$T/v"))"
"$PY" - "$T/a.eml" > "$T/tags" <<'PY'
import sys, re
raw = open(sys.argv[1], 'rb').read().decode()
field = re.search(r'^DKIM-Signature:(.*?)\r\n(?=\S)', raw, re.S | re.M).group(1)
tags = dict(t.strip().split('=', 1) for t in re.sub(r'\s+', '', field).split(';') if '=' in t)
print('a=' + tags['a']); print('c=' + tags['c']); print('d=' + tags['d'])
print('s=' + tags['s']); print('h=' + tags['h'].lower()); print('t=' + tags['t'])
PY
like "$T/tags" "^a=rsa-sha256$" "rsa-sha256"
like "$T/tags" "^c=relaxed/relaxed$" "relaxed/relaxed"
like "$T/tags" "^d=lists.example.org$" "signed for the list's domain"
like "$T/tags" "^h=(.*:)?list-unsubscribe(:|$)" "List-Unsubscribe is signed"
like "$T/tags" "^h=(.*:)?list-unsubscribe-post(:|$)" "List-Unsubscribe-Post is signed"
like "$T/tags" "^h=(.*:)?from(:|$)" "From is signed"
like "$T/tags" "^t=1795428000$" "t= is the digest's time"

sed 's/new summaries/new summarieS/' "$T/a.eml" > "$T/c.eml"
pyverify "$T/c.eml" "$T/rsa.txt" > "$T/v" 2>&1
is "$?" 1 "a changed Subject fails verification"

# ---- dkim-record against openssl ----
"$PY" - "$T/record" "$T/rsa.txt" "rsa" > "$T/rec-check" <<'PY'
import re, sys
line = open(sys.argv[1]).read()
want = open(sys.argv[2]).read().strip()
m = re.fullmatch(r'mail2026\._domainkey\.lists\.example\.org\. IN TXT((?: "[^"]*")+)\n', line)
if not m:
    print('bad form: ' + line); sys.exit(1)
parts = re.findall(r'"([^"]*)"', m.group(1))
if any(len(p) > 255 for p in parts) or any(len(p) < 255 for p in parts[:-1]):
    print('bad split: %r' % [len(p) for p in parts]); sys.exit(1)
got = ''.join(parts)
print('same' if got == want else 'differs: %s' % got)
sys.exit(0 if got == want else 1)
PY
ok $? "dkim-record (RSA): openssl's public key in 255-byte strings ($(cat "$T/rec-check"))"
sed "s|^key_file = .*|key_file = $T/ed.key|" "$T/shortmail.conf" > "$T/ed.conf"
sm -c "$T/ed.conf" dkim-record
is "$rc" 0 "dkim-record with an Ed25519 key"
cp "$T/out" "$T/record-ed"
"$PY" - "$T/record-ed" "$T/ed.txt" > "$T/rec-check" <<'PY'
import sys
line = open(sys.argv[1]).read()
want = open(sys.argv[2]).read().strip()
exp = 'mail2026._domainkey.lists.example.org. IN TXT "%s"\n' % want
print('same' if line == exp else 'differs: ' + line)
sys.exit(0 if line == exp else 1)
PY
ok $? "dkim-record (Ed25519): k=ed25519 and the raw key ($(cat "$T/rec-check"))"
sm -c "$T/ed.conf" preview --eml "$T/ed.eml" ada@example.org
is "$rc" 0 "preview signs with the Ed25519 key"
plverify "$T/ed.eml" "$T/record-ed" > "$T/v" 2>&1
ok $? "Mail::DKIM verifies the Ed25519-signed digest ($(head -1 "$T/v"))"
pyverify "$T/ed.eml" "$T/ed.txt" > "$T/v" 2>&1
ok $? "dkimpy verifies the Ed25519-signed digest ($(cat "$T/v"))"
sm dkim-record --help
is "$rc" 0 "dkim-record --help"
like "$T/out" "^usage: shortmail dkim-record" "with its usage"
sed '/^\[dkim\]/,$d' "$T/shortmail.conf" > "$T/nodkim.conf"
sm -c "$T/nodkim.conf" dkim-record
is "$rc" 78 "dkim-record without a key is a configuration error"
like "$T/err" "no \\[dkim\\] key_file" "saying so"

# ---- refusals ----
cat "$T/shortmail.conf" | sed "s|^key_file = .*|key_file = $T/nokey.pem|" > "$T/bad.conf"
sm -c "$T/bad.conf" preview ada@example.org
is "$rc" 78 "a missing key file is a configuration error"
like "$T/err" "nokey.pem: cannot read a PEM private key" "naming the file"
openssl genpkey -algorithm ed448 -out "$T/ed448.key" 2>/dev/null
sed "s|^key_file = .*|key_file = $T/ed448.key|" "$T/shortmail.conf" > "$T/ed448.conf"
sm -c "$T/ed448.conf" preview ada@example.org
is "$rc" 78 "a key of another kind (Ed448) is a configuration error"
like "$T/err" "must be RSA or Ed25519" "saying which kinds sign"

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
# ---- send signs as preview does (the signatures are made ahead, in a
# worker thread, while the relay answers the messages before) ----
for i in 1 2 3 4 5 6 7 8 9 10 11; do
  sql "INSERT INTO subscribers (address, status, created_at, changed_at) VALUES ('r$i@example.org', 'confirmed', 0, 0)"
  sql "INSERT INTO interests SELECT id, 'cs.lg', 0 FROM subscribers WHERE address = 'r$i@example.org'"
done
for r in ada r1 r2 r3 r4 r5 r6 r7 r8 r9 r10 r11; do
  sm preview --eml "$T/p-$r.eml" "$r@example.org"
done
sm digest
like "$T/out" "12 digests queued" "twelve digests queued"
sink_start
at_exit sink_stop
cp "$T/shortmail.conf" "$T/send.conf"
printf '[smtp]\nhost = 127.0.0.1\nport = %s\nstarttls = no\n[send]\nbatch = 5\n' \
  "$SINK_PORT" >> "$T/send.conf"
sm -c "$T/send.conf" send
is "$rc" 0 "send with DKIM exits 0"
# Thirteen: the twelve and nokey's confirmation request (sub add above).
like "$T/out" "^send: 13 sent, 0 deferred, 0 failed" "and sends all thirteen, in three sessions"
is "$(sink_dumps)" 13 "the sink took thirteen messages"
# sink_files DIR: each message the sink took, as DIR/LOCALPART.eml: its
# own Received field taken off, the CRLF of the wire back.
sink_files() {
  "$PY" - "$SINK_DUMP" "$1" <<'PY'
import os, re, sys
dump, out = sys.argv[1:3]
os.makedirs(out, exist_ok=True)
for name in os.listdir(dump):
    d = open(os.path.join(dump, name), "rb").read()
    rcpt = re.search(rb"^X-Rcpt-Args: <([^@>]*)@", d, re.M).group(1).decode()
    i = d.index(b"\nReceived: ") + 1
    lines = d[i:].split(b"\n")
    k = 1
    while lines[k].startswith(b"\t"):
        k += 1
    body = b"\r\n".join(lines[k:])
    open(os.path.join(out, rcpt + ".eml"), "wb").write(body[:-2] if body.endswith(b"\r\n\r\n") else body)
PY
}
sink_files "$T/got"
for r in ada r1 r2 r3 r4 r5 r6 r7 r8 r9 r10 r11; do
  cmp -s "$T/got/$r.eml" "$T/p-$r.eml"
  ok $? "$r: the signed message sent is byte-identical to preview's"
  pyverify "$T/got/$r.eml" "$T/rsa.txt" > "$T/v" 2>&1
  ok $? "$r: dkimpy verifies the message sent ($(cat "$T/v"))"
done
for r in ada r6 r11; do
  plverify "$T/got/$r.eml" "$T/record" > "$T/v" 2>&1
  ok $? "$r: Mail::DKIM verifies the message sent ($(head -1 "$T/v"))"
done

# ---- a signature that cannot be made (a test hook fails the 3rd): that
# message fails, named in the log and in its row, none of its bytes go
# out (no unsigned copy), and the rest of its batch is signed and sent ----
for i in 1 2 3 4 5; do
  sql "INSERT INTO subscribers (address, status, created_at, changed_at) VALUES ('f$i@example.org', 'confirmed', 0, 0)"
  sql "INSERT INTO interests SELECT id, 'cs.lg', 0 FROM subscribers WHERE address = 'f$i@example.org'"
done
sm digest
like "$T/out" "5 digests queued" "five more digests queued"
before=$(sink_dumps)
SHORTMAIL_SIGN_FAIL_AT=3 sm -c "$T/send.conf" send
is "$rc" 0 "a signature that fails: send exits 0"
like "$T/out" "^send: 4 sent, 0 deferred, 1 failed" "the summary counts one failed"
is "$(sql "SELECT recipient || ' ' || state FROM outbox WHERE recipient LIKE 'f%' ORDER BY id" | tr '\n' ' ')" \
  "f1@example.org sent f2@example.org sent f3@example.org failed f4@example.org sent f5@example.org sent " \
  "the third is recorded as failed, the others as sent"
mid3=$(sql "SELECT message_id FROM outbox WHERE recipient = 'f3@example.org'")
sql "SELECT last_error FROM outbox WHERE recipient = 'f3@example.org'" > "$T/why"
like "$T/why" "^<$(printf '%s' "$mid3" | sed 's/[.+]/\\&/g')>: DKIM: signing failed: " \
  "its row says which message and why"
like "$T/err" "<$(printf '%s' "$mid3" | sed 's/[.+]/\\&/g')>: DKIM: signing failed" \
  "and so does the log"
is "$(($(sink_dumps) - before))" 4 "the sink took four messages"
is "$(grep -l '^X-Rcpt-Args: <f3@' "$SINK_DUMP"/* | wc -l | tr -d ' ')" 0 \
  "nothing of the third reached the sink, signed or not"
rm -rf "$T/got"
sink_files "$T/got"
for r in f1 f2 f4 f5; do
  pyverify "$T/got/$r.eml" "$T/rsa.txt" > "$T/v" 2>&1
  ok $? "$r: sent signed, and dkimpy verifies it ($(cat "$T/v"))"
done
sink_stop

done_testing
