# tests/dovecot-lib.sh: a private Dovecot IMAP server for the tests of
# `shortmail fetch`. Source it after tests/lib.sh:
#
#   dovecot_test_start        what every fetch test starts with: the clock
#                             at 2026-11-23T10:00:00Z, the log in $log,
#                             and dovecot_start as the first TAP check
#                             (the test ends there if it fails)
#   dovecot_start             start a server on 127.0.0.1:$DC_PORT with
#                             one user ($DC_USER, password in
#                             $DC_PASSWORD_FILE) whose Maildir is $DC_MAIL,
#                             and point [imap] of $T/shortmail.conf at it
#   dovecot_mail              deliver standard input as a message
#                             ($T/mailN.eml)
#   dovecot_deliver FILE...   deliver each file into the INBOX, as an MTA
#                             delivers into a Maildir (tmp/, then new/)
#   dovecot_count [FOLDER]    prints how many messages FOLDER holds
#                             (default INBOX)
#   dovecot_grep REGEX [FOLDER]
#                             prints how many messages of FOLDER have a
#                             line matching REGEX
#   dovecot_stop              stop it (registered with at_exit)
#
# Everything lives under $T/dovecot: the configuration file (dovecot -c),
# the base_dir with the master's pid and sockets, the log, the Maildir.
# The system's /etc/dovecot is never read. Needs root (the master runs as
# root; the mail is the user nobody's, and login processes run as
# dovenull, as the Debian package sets them up).

: "${DC_USER:=list}"
: "${DC_MAIL_UID:=nobody}"
DC_DIR=$T/dovecot
DC_CONF=$DC_DIR/dovecot.conf
DC_LOG=$DC_DIR/dovecot.log
DC_MAIL=$DC_DIR/mail/$DC_USER
DC_PASSWORD_FILE=$T/imap-password
DC_PORT=
dc_started=0
dc_seq=0

# dc_diag FILE: the file's lines as TAP diagnostics.
dc_diag() { [ -f "$1" ] && sed 's/^/#   /' "$1"; return 0; }

dovecot_start() {
  if [ "$(id -u)" != 0 ]; then
    echo "# dovecot_start: needs root (the Dovecot master runs as root)"
    return 1
  fi
  if ! [ -x /usr/sbin/dovecot ] || ! [ -x /usr/lib/dovecot/imap ]; then
    echo "# dovecot_start: dovecot-imapd is not installed (scripts/install-deps)"
    return 1
  fi
  DC_PORT=$(free_port)
  mkdir -p "$DC_DIR/run" "$DC_MAIL/cur" "$DC_MAIL/new" "$DC_MAIL/tmp"
  printf 'imap-test-password-7\n' > "$DC_PASSWORD_FILE"
  chmod 600 "$DC_PASSWORD_FILE"
  printf '%s:{PLAIN}imap-test-password-7\n' "$DC_USER" > "$DC_DIR/passwd"
  # The mail processes run as $DC_MAIL_UID: they must reach the Maildir.
  chmod 0711 "$T" "$DC_DIR" "$DC_DIR/mail"
  chown -R "$DC_MAIL_UID" "$DC_MAIL"
  chmod 0644 "$DC_DIR/passwd"
  cat > "$DC_CONF" <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $DC_DIR/run
state_dir = $DC_DIR/run/state
instance_name = shortmail-test-$DC_PORT
log_path = $DC_LOG
info_log_path = $DC_LOG
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# nobody's uid is high; the default range would refuse nothing, but say
# it: this server takes whatever user the test gives it.
first_valid_uid = 1
mail_location = maildir:$DC_DIR/mail/%u
default_login_user = dovenull
default_internal_user = dovecot
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DC_DIR/passwd
}
userdb {
  driver = static
  args = uid=$DC_MAIL_UID gid=nogroup home=$DC_DIR/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $DC_PORT
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
# Quick failures: a wrong password is answered at once.
auth_failure_delay = 0
EOF
  /usr/sbin/dovecot -c "$DC_CONF" -F > "$DC_DIR/foreground.log" 2>&1 &
  dc_pid=$!
  dc_started=1
  at_exit dovecot_stop
  if ! wait_port "$DC_PORT"; then
    echo "# dovecot did not start:"
    dc_diag "$DC_DIR/foreground.log"
    dc_diag "$DC_LOG"
    return 1
  fi
  cat >> "$T/shortmail.conf" <<EOF
[imap]
url = imap://127.0.0.1:$DC_PORT
user = $DC_USER
password_file = $DC_PASSWORD_FILE
allow_plaintext = yes
timeout = 20
EOF
  return 0
}

dovecot_stop() {
  [ "$dc_started" = 1 ] || return 0
  dc_started=0
  kill "$dc_pid" 2>/dev/null
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 "$dc_pid" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -9 "$dc_pid" 2>/dev/null
  return 0
}

dovecot_test_start() {
  SHORTMAIL_NOW=2026-11-23T10:00:00Z
  export SHORTMAIL_NOW
  log=$T/shortmail.log
  printf '[log]\nfile = %s\n' "$log" >>"$T/shortmail.conf"
  if ! dovecot_start; then
    ok 1 "a private Dovecot starts"
    done_testing
    exit 1
  fi
  ok 0 "a private Dovecot starts"
}

dc_mail_n=0
dovecot_mail() {
  dc_mail_n=$((dc_mail_n + 1))
  cat >"$T/mail$dc_mail_n.eml"
  dovecot_deliver "$T/mail$dc_mail_n.eml"
}

# dovecot_deliver FILE...: each file becomes one new message of INBOX.
dovecot_deliver() {
  for f in "$@"; do
    dc_seq=$((dc_seq + 1))
    name=$(date +%s).M${dc_seq}P$$.shortmail-test
    cp "$f" "$DC_MAIL/tmp/$name"
    chown "$DC_MAIL_UID" "$DC_MAIL/tmp/$name"
    mv "$DC_MAIL/tmp/$name" "$DC_MAIL/new/$name"
  done
}

# dc_folder_dir FOLDER: the Maildir++ directory of a folder.
dc_folder_dir() {
  if [ "${1:-INBOX}" = INBOX ]; then echo "$DC_MAIL"; else echo "$DC_MAIL/.$1"; fi
}

dovecot_count() {
  d=$(dc_folder_dir "${1:-INBOX}")
  find "$d/cur" "$d/new" -type f 2>/dev/null | wc -l | tr -d ' '
}

dovecot_grep() {
  d=$(dc_folder_dir "${2:-INBOX}")
  n=0
  for f in "$d"/cur/* "$d"/new/*; do
    [ -f "$f" ] || continue
    grep -E -q -- "$1" "$f" && n=$((n + 1))
  done
  echo "$n"
}
