#!/bin/sh
# install.sh: the steps of doc/install.md, in a scratch root: make install
# (DESTDIR), the systemd units checked by systemd-analyze verify, the user
# and the store's directory from sysusers.d and tmpfiles.d, the sample
# configuration edited by key, `db init` as root, then a reader who
# subscribes and confirms through a real Postfix piping into the
# installed binary, and a first digest delivered over SMTP.
#
# One stand-in: this machine gets no new user, so the pipe and the store
# belong to `nobody` where an installation has `shortmail`.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/postfix-lib.sh"
. "$top_srcdir/tests/smtp-lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (Postfix's master, chown)"

R=$T/root
make -s -C "$top_builddir" install DESTDIR="$R" >"$T/install.log" 2>&1
ok $? "make install DESTDIR=... succeeds"
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
eval "sysconfdir=$(sed -n 's/^sysconfdir = //p' "$top_builddir/Makefile" | sed 's/(/{/; s/)/}/')"
eval "localstatedir=$(sed -n 's/^localstatedir = //p' "$top_builddir/Makefile" | sed 's/(/{/; s/)/}/')"
bin=$R$prefix/bin/shortmail
conf=$R$sysconfdir/shortmail.conf

test -x "$bin"
ok $? "the binary is installed"
like "$conf" '^#address = digest@lists\.example\.org$' \
  "a commented sample configuration is in place"
test -f "$R$prefix/share/shortmail/shortmail.conf.sample"
ok $? "and the sample beside the templates"
like "$R$prefix/share/man/man5/shortmail.conf.5" "$sysconfdir/shortmail/secret" \
  "the installed man page names the configured secret path"
unlike "$R$prefix/share/man/man5/shortmail.conf.5" '@[a-z]+@' \
  "and no placeholder"
echo "# an operator's own line" >>"$conf"
make -s -C "$top_builddir" install DESTDIR="$R" >>"$T/install.log" 2>&1
like "$conf" "^# an operator's own line$" "a second make install keeps the operator's file"

# systemd: every unit and timer verifies, pointing at the installed binary.
units=$R$prefix/lib/systemd/system
for u in ingest digest send post; do
  test -f "$units/shortmail-$u.service" && test -f "$units/shortmail-$u.timer"
  ok $? "shortmail-$u.service and .timer are installed"
done
like "$units/shortmail-serve.service" '^ProtectSystem=strict$' "serve runs with ProtectSystem=strict"
like "$units/shortmail-send.service" "^ReadWritePaths=$localstatedir/lib/shortmail\$" \
  "and the store as its only writable path"
mkdir -p "$T/units"
for f in "$units"/shortmail-*; do
  sed "s|^ExecStart=$prefix/bin/|ExecStart=$R$prefix/bin/|" "$f" >"$T/units/${f##*/}"
done
if command -v systemd-analyze >/dev/null 2>&1; then
  systemd-analyze verify --man=no "$T"/units/* >"$T/verify.out" 2>&1
  st=$?
  is "$st" 0 "systemd-analyze verify passes on every unit"
  is "$(grep -v 'Failed to create .*/start: Unit sysinit.target not found' "$T/verify.out" | wc -l)" 0 \
    "with no warning" || sed 's/^/#   /' "$T/verify.out"
else
  ok 1 "systemd-analyze is not installed (scripts/install-deps)"
fi

# The user and the store's directory, as systemd-sysusers and
# systemd-tmpfiles make them at boot.
mkdir -p "$R/etc"
systemd-sysusers --root="$R" "$R$prefix/lib/sysusers.d/shortmail.conf" >/dev/null 2>&1
like "$R/etc/passwd" '^shortmail:x:[0-9]+:' "sysusers.d makes the user shortmail"
systemd-tmpfiles --root="$R" --create "$R$prefix/lib/tmpfiles.d/shortmail.conf" >/dev/null 2>&1
state=$R$localstatedir/lib/shortmail
is "$(stat -c %a "$state" 2>/dev/null)" 750 "tmpfiles.d makes the store's directory, mode 0750"
is "$(stat -c %u "$state")" "$(sed -n 's/^shortmail:x:\([0-9]*\):.*/\1/p' "$R/etc/passwd")" \
  "owned by shortmail"
chown nobody "$state"

# The configuration, edited key by key as the guide says.
setkey() { # SECTION KEY VALUE: uncomment KEY in [SECTION] and set it
  awk -v s="[$1]" -v k="$2" -v v="$3" '
    /^\[/ { in_s = ($0 == s) }
    in_s && $0 ~ "^#" k " =" { print k " = " v; next }
    { print }' "$conf" >"$conf.new" && mv "$conf.new" "$conf"
}
at_exit sink_stop
sink_start
setkey list address digest@lists.example.org
setkey list weekday "$(LC_ALL=C date -u +%A | tr 'A-Z' 'a-z')"
setkey feed url "file://$top_srcdir/data/sample-feed.xml"
setkey arxiv enabled no # no network here: keywords come from the feed
setkey store path "$state/shortmail.db"
setkey secret file "$R$sysconfdir/shortmail/secret"
setkey templates dir "$R$prefix/share/shortmail/templates"
setkey smtp host 127.0.0.1
setkey smtp port "$SINK_PORT"
setkey smtp starttls no
"$bin" -c "$conf" config >"$T/out" 2>"$T/err"
is "$?" 0 "the edited sample is a valid configuration"

"$bin" -c "$conf" db init >"$T/out" 2>"$T/err"
is "$?" 0 "db init as root"
is "$(stat -c %U "$state/shortmail.db") $(stat -c %U "$R$sysconfdir/shortmail/secret")" \
  "nobody nobody" "the store and the secret belong to the service user"
is "$(stat -c %a "$R$sysconfdir/shortmail/secret")" 600 "the secret is 0600"

# A real Postfix pipes the list domain into the installed MTA entry
# (doc/mta.md), shortmail-receive.
recv=$R$prefix/libexec/shortmail/shortmail-receive
[ -x "$recv" ]
ok $? "make install puts shortmail-receive in libexec/shortmail"
# shellcheck disable=SC2016
postfix_start "$recv" -c "$conf" receive --recipient '${recipient}' --sender '${sender}'
st=$?
ok $st "Postfix pipes lists.example.org into the installed shortmail-receive"
[ $st = 0 ] || { done_testing; exit 1; }
chmod 0755 "$T" "$R" 2>/dev/null

printf '%s\n' "From: Ada <ada@example.com>" "To: digest-request@lists.example.org" \
  "Subject: subscribe" "Date: $(date -R)" "Message-ID: <inst-1.$$@example.com>" \
  "" "subscribe cs.LG" >"$T/m1"
postfix_send ada@example.com digest-request@lists.example.org "$T/m1" >/dev/null &&
  postfix_wait_delivered 1
ok $? "a subscription by mail goes through Postfix into receive"
runuser -u nobody -- "$bin" -c "$conf" send >"$T/out" 2>"$T/err"
is "$?" 0 "send, as the service user, delivers the confirmation"
reply_to=$("$PYTHON3" - "$SINK_DUMP" <<'PY'
import email, email.policy, os, sys
for n in sorted(os.listdir(sys.argv[1])):
    m = email.message_from_binary_file(open(os.path.join(sys.argv[1], n), "rb"),
                                       policy=email.policy.default)
    if "confirm" in str(m["Subject"]).lower():
        print(m["Reply-To"].addresses[0].addr_spec)
PY
)
like_str() { printf '%s\n' "$1" >"$T/s"; like "$T/s" "$2" "$3"; }
like_str "$reply_to" '^digest\+confirm-[A-Za-z0-9]+@lists\.example\.org$' \
  "the confirmation asks for a reply to its token address"
printf '%s\n' "From: Ada <ada@example.com>" "To: $reply_to" \
  "Subject: Re: Confirm" "Date: $(date -R)" "Message-ID: <inst-2.$$@example.com>" \
  "" "yes" >"$T/m2"
postfix_send ada@example.com "$reply_to" "$T/m2" >/dev/null && postfix_wait_delivered 1
ok $? "the reply confirming goes through Postfix"
runuser -u nobody -- "$bin" -c "$conf" sub list >"$T/out" 2>"$T/err"
like "$T/out" '^ada@example\.com +confirmed' "the reader is confirmed"

for c in ingest digest send; do
  runuser -u nobody -- "$bin" -c "$conf" "$c" >"$T/out" 2>"$T/err"
  is "$?" 0 "$c, as the service user"
done
"$PYTHON3" - "$SINK_DUMP" >"$T/digests" <<'PY'
import email, email.policy, os, sys
for n in sorted(os.listdir(sys.argv[1])):
    m = email.message_from_binary_file(open(os.path.join(sys.argv[1], n), "rb"),
                                       policy=email.policy.default)
    if m["List-Id"] and str(m["Message-ID"]).startswith("<digest."):
        print(m["To"], m.get_body(preferencelist=("plain",)) is not None)
PY
is "$(cat "$T/digests")" "ada@example.com True" "the first digest reached the reader"
runuser -u nobody -- "$bin" -c "$conf" stats >"$T/out" 2>"$T/err"
like "$T/out" '^sent .*digest 1' "and stats counts it"

done_testing
