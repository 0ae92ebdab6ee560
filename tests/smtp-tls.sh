#!/bin/sh
# smtp-tls.sh: the smtp module against a real Postfix smtpd with STARTTLS
# (a test CA and a server certificate for localhost and 127.0.0.1, made
# here with openssl) and SASL AUTH (Cyrus SASL with a sasldb made here
# with saslpasswd2). Relaying needs AUTH; accepted mail is discarded.
# Checks: verified TLS + AUTH delivers, with per-recipient outcomes from
# the server's own access rules; a wrong CA and a wrong password end the
# session before MAIL with a clear error and every message deferred; the
# password never goes in clear text unless starttls = no.
#
# Needs root (the Postfix master runs as root), postfix, sasl2-bin and
# libsasl2-modules (scripts/install-deps).
. "$top_srcdir/tests/lib.sh"
# Postfix's relay domain is the recipients' (the pipe records deliveries).
PF_DOMAIN=example.com
. "$top_srcdir/tests/postfix-lib.sh"
. "$top_srcdir/tests/smtp-lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (the Postfix master runs as root)"
for p in postfix saslpasswd2 openssl; do
  command -v "$p" >/dev/null 2>&1 ||
    skip_all "$p not installed (scripts/install-deps)"
done

M=$T/msgs
smtp_messages "$M" 4
PASSWORD='s3cret pass-phrase'

# The PKI: a CA that signs the server's certificate, and an unrelated CA.
tls=$T/tls
mkdir -p "$tls"
(
  cd "$tls" || exit 1
  for ca in ca other-ca; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
      -nodes -keyout "$ca.key" -out "$ca.crt" -days 2 \
      -subj "/CN=shortmail test $ca" || exit 1
  done
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout server.key -out server.csr -subj /CN=localhost || exit 1
  printf 'subjectAltName = DNS:localhost, IP:127.0.0.1\n' >ext.cnf
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
    -CAcreateserial -days 2 -extfile ext.cnf -out server.crt || exit 1
  # The same key certified for another name only.
  printf 'subjectAltName = DNS:mail.example.net\n' >other.cnf
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
    -CAcreateserial -days 2 -extfile other.cnf -out other.crt || exit 1
) >"$T/openssl.log" 2>&1
ok $? "a test CA and a server certificate for localhost and 127.0.0.1"

# The SASL password database, readable by smtpd (it runs as postfix).
# Debian's Postfix reads smtpd.conf from $config_directory/sasl (its patch
# ignores cyrus_sasl_config_path).
sasl=$T/sasl
mkdir -p "$sasl" "$PF_ETC/sasl"
printf '%s' "$PASSWORD" |
  saslpasswd2 -p -c -f "$sasl/sasldb2" -u localhost digest
ok $? "saslpasswd2 creates the user digest"
cat >"$PF_ETC/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN CRAM-MD5
sasldb_path: $sasl/sasldb2
EOF

# A private Postfix (tests/postfix-lib.sh) whose pipe service keeps each
# delivered message in $T/got/RECIPIENT.
got=$T/got
mkdir -p "$got"
cat >"$T/record.sh" <<EOF
#!/bin/sh
cat >"$got/\$1"
EOF
chmod 0755 "$T/record.sh"
chown "$PF_USER" "$got"
# shellcheck disable=SC2016
postfix_start "$T/record.sh" '${recipient}'
st=$?
ok $st "a private Postfix starts on 127.0.0.1:$PF_PORT"
[ $st = 0 ] || {
  # 9. The right CA, but a certificate for another name: by name and by
# address, both refused.
postconf -c "$PF_ETC" -e "smtpd_tls_cert_file = $tls/other.crt" &&
  postfix -c "$PF_ETC" reload >/dev/null 2>&1
sleep 1
send -t required -C "$tls/ca.crt" -u digest -p /dev/stdin localhost "$PF_PORT" \
  "ok@example.com=$M/m1.eml" <<EOF
$PASSWORD
EOF
like "$T/err" "^smtp-send: session 1: localhost:$PF_PORT: STARTTLS required but the server's certificate did not verify: hostname mismatch$" \
  "a certificate for mail.example.net: refused for localhost"
is "$(line 1 | cut -d' ' -f1-5)" "1 deferred 0 - none" "and the message deferred"
send -t required -C "$tls/ca.crt" 127.0.0.1 "$PF_PORT" "ok@example.com=$M/m1.eml"
like "$T/err" "STARTTLS required but the server's certificate did not verify: IP address mismatch$" \
  "and for 127.0.0.1"

done_testing
  exit 1
}
chown -R "$PF_OWNER" "$sasl" "$tls"
chmod 0700 "$sasl" "$tls"
# Mail needs AUTH (no trusted networks); two recipients get the replies a
# real server gives for them.
postconf -c "$PF_ETC" -e \
  "mynetworks = 192.0.2.1/32" \
  "smtpd_relay_restrictions = permit_sasl_authenticated, reject" \
  "smtpd_recipient_restrictions = check_recipient_access inline:{ {soft@example.com = 450 4.2.1 mailbox busy}, {hard@example.com = 550 5.1.1 no such user} }" \
  "smtpd_error_sleep_time = 0" \
  "smtpd_tls_security_level = may" \
  "smtpd_tls_cert_file = $tls/server.crt" \
  "smtpd_tls_key_file = $tls/server.key" \
  "smtpd_tls_loglevel = 1" \
  "smtpd_sasl_auth_enable = yes" \
  "smtpd_sasl_type = cyrus" \
  "smtpd_sasl_path = smtpd" \
  "smtpd_sasl_local_domain = localhost" \
  "smtpd_sasl_security_options = noanonymous" \
  "smtpd_tls_auth_only = no" &&
  postconf -c "$PF_ETC" -M "tlsmgr/unix=tlsmgr unix - - n 1000? 1 tlsmgr" &&
  postfix -c "$PF_ETC" reload >/dev/null 2>&1
ok $? "STARTTLS and SASL AUTH configured"
sleep 1 # the reload restarts the services

# log_since MARK: the maillog's lines after line MARK.
log_lines() { wc -l <"$PF_LOG" | tr -d ' '; }
log_since() { tail -n +"$(($1 + 1))" "$PF_LOG"; }

# 1. Required TLS with the right CA, the right password: one session,
# three recipients, the server's verdict for each.
mark=$(log_lines)
send -t required -C "$tls/ca.crt" -u digest -p /dev/stdin localhost "$PF_PORT" \
  "ok@example.com=$M/m1.eml" "soft@example.com=$M/m2.eml" \
  "hard@example.com=$M/m3.eml" "ok2@example.com=$M/m4.eml" <<EOF
$PASSWORD
EOF
is "$rc" 0 "verified TLS + AUTH: the session ends normally"
like "$T/err" '^smtp-send: session 1: tls=verified auth=PLAIN$' \
  "TLS verified; AUTH PLAIN inside it"
like "$T/out" '^1 sent 250 2\.0\.0 dot Ok: ([0-9]+ bytes )?queued as [0-9A-Za-z]+$' \
  "ok@example.com: sent, with Postfix's queue ID"
is "$(line 2)" "2 deferred 450 4.2.1 rcpt <soft@example.com>: Recipient address rejected: mailbox busy" \
  "soft@example.com: deferred 450 4.2.1 at RCPT, Postfix's text"
is "$(line 3)" "3 failed 550 5.1.1 rcpt <hard@example.com>: Recipient address rejected: no such user" \
  "hard@example.com: failed 550 5.1.1 at RCPT"
like "$T/out" '^4 sent 250 2\.0\.0 dot ' "the message after them is sent"
sleep 0.5
log_since "$mark" >"$T/log1"
like "$T/log1" 'smtpd\[[0-9]+\]: Anonymous TLS connection established from localhost\[127\.0\.0\.1\]' \
  "the server saw a TLS session"
like "$T/log1" 'client=localhost\[127\.0\.0\.1\], sasl_method=PLAIN, sasl_username=digest@localhost' \
  "the server saw AUTH PLAIN as digest"
is "$(grep -c -E 'qmgr\[[0-9]+\]: [0-9A-F]+: from=<bounce\+[14]@lists\.example\.org>' "$T/log1")" 2 \
  "the server queued two messages with their VERP senders"
postfix_wait_delivered 2
ok $? "Postfix delivers both"
# What Postfix delivers: its Return-Path and Received headers, then the
# message as sent (through BDAT: Postfix offers CHUNKING), LF line ends.
"$PYTHON3" - "$got" "$M" >"$T/cmp" <<'PY'
import re, sys
got, src = sys.argv[1], sys.argv[2]
for rcpt, n in (("ok@example.com", 1), ("ok2@example.com", 4)):
    d = open("%s/%s" % (got, rcpt), "rb").read()
    m = re.match(rb"Return-Path: <bounce\+%d@lists\.example\.org>\nReceived: [^\n]*\n(?:[ \t][^\n]*\n)*" % n, d)
    want = open("%s/m%d.eml" % (src, n), "rb").read().replace(b"\r\n", b"\n")
    print("%s %s" % (rcpt, "identical" if m and d[m.end():] == want else "DIFFERENT"))
PY
is "$(tr '\n' ' ' <"$T/cmp")" "ok@example.com identical ok2@example.com identical " \
  "both arrive byte-identical, from their VERP senders"

# 2. The same by IP address: the certificate's IP subjectAltName verifies
# (libesmtp's own name check knows no IP addresses; OpenSSL's does).
send -t required -C "$tls/ca.crt" -u digest -p /dev/stdin 127.0.0.1 "$PF_PORT" \
  "ok@example.com=$M/m1.eml" <<EOF
$PASSWORD
EOF
is "$(line 1 | cut -d' ' -f1-5)" "1 sent 250 2.0.0 dot" "by IP address: verified and sent"

# 3. Required TLS, the wrong CA: nothing but STARTTLS and QUIT.
mark=$(log_lines)
send -t required -C "$tls/other-ca.crt" -u digest -p /dev/stdin localhost \
  "$PF_PORT" "$M/m1.eml" "$M/m2.eml" <<EOF
$PASSWORD
EOF
is "$rc" 1 "wrong CA: the session fails"
like "$T/err" "^smtp-send: session 1: localhost:$PF_PORT: STARTTLS required but the server's certificate did not verify: unable to get local issuer certificate$" \
  "wrong CA: a clear error naming host:port and OpenSSL's reason"
is "$(grep -c "^[12] deferred 0 - none not tried: localhost:$PF_PORT: STARTTLS required but the server's certificate did not verify" "$T/out")" 2 \
  "wrong CA: every message deferred, not tried"
sleep 0.5
log_since "$mark" >"$T/log3"
unlike "$T/log3" 'sasl_username|from=<' "wrong CA: no AUTH and no MAIL reached the server"

# 5. A wrong password: a clear error, everything deferred, no MAIL sent.
mark=$(log_lines)
send -t required -C "$tls/ca.crt" -u digest -p /dev/stdin localhost "$PF_PORT" \
  "ok@example.com=$M/m1.eml" "hard@example.com=$M/m3.eml" <<EOF
wrong password
EOF
is "$rc" 1 "wrong password: the session fails"
like "$T/err" "^smtp-send: session 1: localhost:$PF_PORT: authentication as digest failed: 535 5\.7\.8 Error: authentication failed: " \
  "wrong password: a clear error with the server's reply"
is "$(grep -c '^[12] deferred 0 - none not tried: ' "$T/out")" 2 \
  "wrong password: both deferred (even hard@, which would fail)"
sleep 0.5
log_since "$mark" >"$T/log5"
like "$T/log5" 'authentication failed' "the server saw the failed AUTH"
unlike "$T/log5" 'from=<|NOQUEUE' "no MAIL FROM reached the server"

# 6. TLS offered but not verified (wrong CA, starttls = if-offered): the
# session is encrypted, but PLAIN and LOGIN would hand the password to
# whoever holds that certificate, so CRAM-MD5 is used.
send -t if-offered -C "$tls/other-ca.crt" -u digest -p /dev/stdin localhost \
  "$PF_PORT" "ok@example.com=$M/m1.eml" <<EOF
$PASSWORD
EOF
is "$rc" 0 "if-offered with an unverified certificate: the session works"
like "$T/err" '^smtp-send: session 1: tls=unverified auth=CRAM-MD5$' \
  "encrypted, unverified, and AUTH by CRAM-MD5, not PLAIN"
like "$T/out" '^1 sent 250 ' "and the message is sent"

# 7. starttls = no: the operator's explicit choice allows PLAIN in clear.
send -t no -u digest -p /dev/stdin localhost "$PF_PORT" \
  "ok@example.com=$M/m1.eml" <<EOF
$PASSWORD
EOF
like "$T/err" '^smtp-send: session 1: tls=none auth=PLAIN$' \
  "starttls = no: clear text, AUTH PLAIN"
like "$T/out" '^1 sent 250 ' "and the message is sent"

# 8. No AUTH configured: the server refuses the recipient (5xx: failed, as
# the server says; the caller sees stage rcpt).
send -t required -C "$tls/ca.crt" localhost "$PF_PORT" "ok@example.com=$M/m1.eml"
is "$(line 1)" "1 failed 554 5.7.1 rcpt <ok@example.com>: Recipient address rejected: Access denied" \
  "without AUTH: 554 5.7.1 at RCPT, failed as the server says"

# 9. The right CA, but a certificate for another name: by name and by
# address, both refused.
postconf -c "$PF_ETC" -e "smtpd_tls_cert_file = $tls/other.crt" &&
  postfix -c "$PF_ETC" reload >/dev/null 2>&1
sleep 1
send -t required -C "$tls/ca.crt" -u digest -p /dev/stdin localhost "$PF_PORT" \
  "ok@example.com=$M/m1.eml" <<EOF
$PASSWORD
EOF
like "$T/err" "^smtp-send: session 1: localhost:$PF_PORT: STARTTLS required but the server's certificate did not verify: hostname mismatch$" \
  "a certificate for mail.example.net: refused for localhost"
is "$(line 1 | cut -d' ' -f1-5)" "1 deferred 0 - none" "and the message deferred"
send -t required -C "$tls/ca.crt" 127.0.0.1 "$PF_PORT" "ok@example.com=$M/m1.eml"
like "$T/err" "STARTTLS required but the server's certificate did not verify: IP address mismatch$" \
  "and for 127.0.0.1"

done_testing
