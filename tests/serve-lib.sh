# tests/serve-lib.sh: a store with readers and links to them, and a real
# `shortmail serve` on a free loopback port, for serve.sh and
# serve-browser.sh. Source it after tests/lib.sh.
#
#   serve_store          the sample feed and readers of digest-lib.sh;
#                        [serve] max_body = 2K
#   serve_links ADDRESS  `shortmail preview` of ADDRESS's next digest;
#                        sets $u_path and $k_path to its /u/TOKEN and
#                        /k/TOKEN links (paths, without the site)
#   serve_start [NAME=VALUE...]
#                        starts `shortmail serve` (with those variables
#                        in its environment) on a free port; sets $base
#                        (http://127.0.0.1:PORT) and $serve_pid; the
#                        server is stopped at exit or by serve_stop
#   serve_stop           SIGTERM and wait; its exit status in $serve_rc
#
# Tokens come from the commands that make them for readers: preview
# renders the digest's links, `sub add` queues a confirmation request.

. "$top_srcdir/tests/digest-lib.sh"

serve_store() {
  printf '[serve]\nmax_body = 2K\n' >>"$T/shortmail.conf"
  digest_store
}

serve_links() {
  sm preview --now "$SHORTMAIL_NOW" --html "$T/links.html" "$1"
  if [ "$rc" -ne 0 ]; then
    sed 's/^/#   /' "$T/err"
    return 1
  fi
  u_path=$(grep -o 'https://www.shortscience.org/u/[a-z2-7]*' "$T/links.html" | head -1)
  k_path=$(grep -o 'https://www.shortscience.org/k/[a-z2-7]*' "$T/links.html" | head -1)
  u_path=${u_path#https://www.shortscience.org}
  k_path=${k_path#https://www.shortscience.org}
  [ -n "$u_path" ] && [ -n "$k_path" ]
}

serve_pid=""
serve_start() {
  port=$(free_port)
  base=http://127.0.0.1:$port
  env "$@" "$SHORTMAIL" serve --listen "127.0.0.1:$port" \
    >>"$T/serve.out" 2>>"$T/serve.err" &
  serve_pid=$!
  wait_port "$port"
}

serve_stop() {
  serve_rc=""
  if [ -n "$serve_pid" ]; then
    kill -TERM "$serve_pid" 2>/dev/null
    wait "$serve_pid"
    serve_rc=$?
    serve_pid=""
  fi
  return 0
}
at_exit serve_stop
