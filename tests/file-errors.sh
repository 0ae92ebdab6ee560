#!/bin/sh
# file-errors.sh: every failed file operation is named with its path,
# what failed and why (strerror), with the sysexits code an operator can
# act on: 73 cannot create, 74 I/O error, 77 permission. The failures are
# real: a path under a regular file, a directory where a file goes, a
# full device (/dev/full), a directory without write permission (as
# root, with CAP_DAC_OVERRIDE dropped by setpriv, since root's
# permission bits stop nothing), and a log file that cannot be opened.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/digest-lib.sh"

digest_store || { ok 1 "the sample store"; done_testing; exit; }
a=math@example.net
prev() { sm preview --now "$SHORTMAIL_NOW" "$@" "$a"; }

# The good case first: the same command writes its file.
prev --eml "$T/good.eml"
is "$rc" 0 "preview --eml into a writable place: exit 0"
test -s "$T/good.eml"
ok $? "and the message is there"

# A path under a regular file: the directory cannot exist.
: > "$T/plain"
prev --eml "$T/plain/digest.eml"
is "$rc" 73 "--eml under a regular file: exit 73 (EX_CANTCREAT)"
like "$T/err" "error: --eml $T/plain/digest.eml: cannot write: Not a directory$" \
  "and names the option, the path, the operation and the reason"

# A directory where the file goes.
mkdir "$T/adir"
prev --eml "$T/adir"
is "$rc" 73 "--eml naming a directory: exit 73"
like "$T/err" "error: --eml $T/adir: cannot write: Is a directory$" \
  "and says it is a directory"

# A missing directory.
prev --html "$T/nodir/x.html" --eml "$T/ok2.eml"
is "$rc" 73 "--html in a missing directory: exit 73"
like "$T/err" "error: --html $T/nodir/x.html: cannot write: No such file or directory$" \
  "and says there is no such directory"

# A full disk: the open works, the write does not.
if [ -w /dev/full ]; then
  prev --eml /dev/full
  is "$rc" 74 "--eml on a full device: exit 74 (EX_IOERR)"
  like "$T/err" "error: --eml /dev/full: cannot write.*: No space left on device$" \
    "and says the device is full"
  # Standard output on a full device.
  "$SHORTMAIL" preview --now "$SHORTMAIL_NOW" "$a" >/dev/full 2>"$T/err"
  rc=$?
  is "$rc" 74 "preview to a full standard output: exit 74"
  like "$T/err" "error: standard output: cannot write: No space left on device$" \
    "and says so, once"
  is "$(grep -c 'standard output' "$T/err")" 1 "only once"
  "$SHORTMAIL" sub list >/dev/full 2>"$T/err"
  rc=$?
  is "$rc" 74 "any command whose output is lost: exit 74"
  like "$T/err" "error: standard output: cannot write: No space left on device$" \
    "with the reason"
else
  ok 1 "/dev/full is writable here (needed for the full-disk cases)"
fi

# Permission: a directory without write permission. As root the bits
# stop nothing: drop CAP_DAC_OVERRIDE (and DAC_READ_SEARCH) instead.
mkdir "$T/ro"
chmod 555 "$T/ro"
if [ "$(id -u)" = 0 ]; then
  nodac="setpriv --inh-caps=-all --bounding-set=-dac_override,-dac_read_search --"
else
  nodac=""
fi
$nodac "$SHORTMAIL" preview --now "$SHORTMAIL_NOW" --eml "$T/ro/d.eml" "$a" \
  >"$T/out" 2>"$T/err"
rc=$?
is "$rc" 77 "--eml in a read-only directory: exit 77 (EX_NOPERM)"
like "$T/err" "error: --eml $T/ro/d.eml: cannot write: Permission denied$" \
  "and says permission was denied"
test ! -e "$T/ro/d.eml"
ok $? "and writes nothing"
chmod 755 "$T/ro"

# A log file that cannot be opened: named, with the reason; the command
# still runs (stderr carries its messages), and receive's contract holds.
cp "$T/shortmail.conf" "$T/log.conf"
printf '[log]\nfile = %s/plain/shortmail.log\n' "$T" >> "$T/log.conf"
sm -c "$T/log.conf" sub list
is "$rc" 0 "a log file under a regular file: the command still runs"
like "$T/err" "warning: $T/plain/shortmail.log: cannot open the log file \(\[log\] file\): Not a directory$" \
  "and the log file, the operation and the reason are named"
cp "$T/shortmail.conf" "$T/log2.conf"
printf '[log]\nfile = %s/adir\n' "$T" >> "$T/log2.conf"
sm -c "$T/log2.conf" sub list
like "$T/err" "warning: $T/adir: cannot open the log file \(\[log\] file\): Is a directory$" \
  "a directory as the log file: named too"
if [ -w /dev/full ]; then
  cp "$T/shortmail.conf" "$T/log3.conf"
  printf '[log]\nfile = /dev/full\n' >> "$T/log3.conf"
  sm -c "$T/log3.conf" preview --now "$SHORTMAIL_NOW" --eml "$T/plain/x" "$a"
  like "$T/err" "warning: /dev/full: cannot write the log file: No space left on device$" \
    "a log file on a full device: the write failure is named"
  is "$(grep -c 'cannot write the log file' "$T/err")" 1 "once, not per line"
  like "$T/err" "error: --eml $T/plain/x: cannot write: Not a directory$" \
    "and the command's own error still reaches stderr"
fi

# Files read: the reason, not only the path.
cp "$T/shortmail.conf" "$T/pw.conf"
printf '[smtp]\nhost = 127.0.0.1\nport = 1\nuser = u\npassword_file = %s/adir\n' \
  "$T" >> "$T/pw.conf"
sm -c "$T/pw.conf" send
like "$T/err" "$T/adir: cannot read the SMTP password \(\[smtp\] password_file\): Is a directory$" \
  "an SMTP password file that is a directory: the reason"
cp "$T/shortmail.conf" "$T/dk.conf"
printf '[dkim]\nkey_file = %s/nokey.pem\nselector = s\n' \
  "$T" >> "$T/dk.conf"
sm -c "$T/dk.conf" preview --now "$SHORTMAIL_NOW" "$a"
like "$T/err" "$T/nokey.pem: cannot read a PEM private key for DKIM: No such file or directory$" \
  "a missing DKIM key: the reason"

done_testing
