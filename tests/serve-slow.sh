#!/bin/sh
# serve-slow.sh: `shortmail serve` against slow and broken clients
# (tests/serve-slow.py): 200 slow-loris connections from 50 addresses
# while a normal request is answered within 1 s; a per-address limit;
# a deadline for the request head; 400 at once for a garbage request
# line; 413 for an oversized chunked body.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/serve-lib.sh"

serve_store
ok $? "a store with readers"
serve_start
ok $? "shortmail serve listens on $base"
for case in loris per-addr deadline garbage chunked; do
  "$PYTHON3" "$top_srcdir/tests/serve-slow.py" "$port" "$case" >"$T/slow.out" 2>&1
  while IFS= read -r line; do
    case "$line" in
    "ok - "*) ok 0 "$case: ${line#ok - }" ;;
    "not ok - "*) ok 1 "$case: ${line#not ok - }" ;;
    *) diag "$line" ;;
    esac
  done <"$T/slow.out"
  grep -q '^\(not \)\?ok - ' "$T/slow.out" || ok 1 "$case: the driver reported nothing"
done
kill -0 "$serve_pid" 2>/dev/null
ok $? "serve is still running after all that"
done_testing
