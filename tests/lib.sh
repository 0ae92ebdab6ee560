# tests/lib.sh: TAP helpers for the shell tests. Source it, call the
# checks, end with done_testing. Each test gets its own temporary
# directory ($T) with a configuration file ($T/shortmail.conf) and a store
# ($T/store.db), removed on exit unless KEEP_TMP=1.

: "${SHORTMAIL:=$top_builddir/shortmail}"
: "${PYTHON3:=python3}"
tap_n=0
tap_failed=0

T=$(mktemp -d "${TMPDIR:-/tmp}/shortmail-test.XXXXXX")
sm_cleanup_hooks=""
sm_cleanup() {
  for h in $sm_cleanup_hooks; do "$h" || true; done
  [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$T"
}
trap sm_cleanup EXIT
at_exit() { sm_cleanup_hooks="$1 $sm_cleanup_hooks"; }

cat > "$T/shortmail.conf" <<CONF
[list]
address = digest@lists.example.org
[site]
url = https://www.shortscience.org
[store]
path = $T/store.db
[secret]
file = $T/secret
[templates]
dir = $top_srcdir/templates
[arxiv]
# Tests never reach the real arXiv; tests/ingest-site.sh turns it on
# against tests/httpd.py.
enabled = no
CONF
printf 'test-secret-0123456789abcdef0123456789abcdef\n' > "$T/secret"
chmod 600 "$T/secret"
SHORTMAIL_CONFIG=$T/shortmail.conf
export SHORTMAIL_CONFIG
unset SHORTMAIL_DB

# sm ARGS: runs shortmail, output in $T/out, $T/err; status in $rc.
sm() {
  "$SHORTMAIL" "$@" >"$T/out" 2>"$T/err"
  rc=$?
  return 0
}

ok() { # ok STATUS NAME: passes when STATUS is 0
  tap_n=$((tap_n + 1))
  if [ "$1" -eq 0 ]; then
    echo "ok $tap_n - $2"
  else
    echo "not ok $tap_n - $2"
    tap_failed=$((tap_failed + 1))
  fi
}

is() { # is GOT WANT NAME
  if [ "$1" = "$2" ]; then ok 0 "$3"; else
    ok 1 "$3"
    printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
  fi
}

like() { # like FILE REGEX NAME: the file has a line matching REGEX
  if grep -E -q -- "$2" "$1"; then ok 0 "$3"; else
    ok 1 "$3"
    echo "#   no line of $(basename "$1") matches /$2/:"
    sed 's/^/#     /' "$1" | head -20
  fi
}

unlike() { # unlike FILE REGEX NAME
  if grep -E -q -- "$2" "$1"; then
    ok 1 "$3"
    echo "#   a line of $(basename "$1") matches /$2/:"
    grep -E -- "$2" "$1" | sed 's/^/#     /' | head -5
  else ok 0 "$3"; fi
}

diag() { echo "# $*"; }

skip_all() { echo "1..0 # SKIP $1"; trap - EXIT; rm -rf "$T"; exit 0; }

# ok_results FILE: one TAP check per line that a test's Python part
# wrote: "ok<TAB>NAME", "fail<TAB>NAME<TAB>DETAIL"; other lines (such as
# "# note") are passed on as they are.
ok_results() {
  while IFS="$(printf '\t')" read -r res name detail; do
    case "$res" in
    ok) ok 0 "$name" ;;
    fail)
      ok 1 "$name"
      printf '#   %s\n' "$detail"
      ;;
    *) printf '%s\n' "$res" ;;
    esac
  done <"$1"
}

done_testing() {
  echo "1..$tap_n"
  [ "$tap_failed" -eq 0 ]
}

# free_port: prints a TCP port free on 127.0.0.1 now.
free_port() {
  "$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT: waits up to 10 s for something to listen on PORT.
wait_port() {
  "$PYTHON3" - "$1" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
end = time.time() + 10
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

# start_httpd DOCROOT [ARGS...]: tests/httpd.py serving DOCROOT on a
# free port (ARGS: its options), logging to $T/http.log, stopped on exit;
# sets $base to its URL. Proxies from the environment are cleared: the
# server is on loopback. Bails out when it does not start.
start_httpd() {
  unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
  NO_PROXY='*'
  export NO_PROXY
  httpd_port=$(free_port)
  httpd_root=$1
  shift
  "$PYTHON3" "$top_srcdir/tests/httpd.py" "$httpd_port" "$httpd_root" \
    "$T/http.log" "$@" &
  httpd_pid=$!
  at_exit stop_httpd
  if ! wait_port "$httpd_port"; then
    echo "Bail out! tests/httpd.py did not start on port $httpd_port"
    exit 1
  fi
  base=http://127.0.0.1:$httpd_port
}
stop_httpd() { kill "$httpd_pid" 2>/dev/null; wait "$httpd_pid" 2>/dev/null; }

# sql QUERY: runs a query on the test store with the sqlite3 CLI.
sql() { "${SQLITE3_CLI:-sqlite3}" "$T/store.db" "$1"; }
