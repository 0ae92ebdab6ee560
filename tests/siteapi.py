#!/usr/bin/env python3
"""siteapi.py: a real HTTP server standing in for the site's comment API.

usage: siteapi.py PORT LOG --token TOKEN [--fail-first N] [--fail-status CODE]
                  [--reject-key KEY]... [--hang-first N] [--hang SECONDS]

Listens on 127.0.0.1:PORT. POST /api/comments takes a comment as the site
does: it wants "Authorization: Bearer TOKEN" (else 401), Content-Type
application/json (else 415), a JSON object with the string fields summary,
author, body, message_id, created_at (else 400) and an Idempotency-Key
header (else 400). A key it has accepted before is answered 200 with the
same comment id and "duplicate": true, and no second comment is made:
that is the contract shortmail relies on (src/site.h).

  --fail-first N     answer the first N posts of this process with
                     --fail-status (default 503) before looking at them
  --reject-key KEY   answer 400 to the post with this Idempotency-Key
  --hang-first N     accept the first N new comments, then wait --hang
                     seconds before answering (the client times out:
                     the site has the comment, the client does not know)

Every request is logged to LOG as one JSON object per line:

  {"method": "POST", "path": "/api/comments", "status": 201,
   "created": true, "comment_id": 1, "headers": {...}, "body": "..."}

where "created" says whether this request made a new comment. The log is
also the site's memory: a restarted server reads the keys it accepted
from it, as a real site keeps them in its database.

Stops cleanly on SIGTERM.
"""

import argparse
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FIELDS = ("summary", "author", "body", "message_id", "created_at")
# The site's comment action takes (text, paper, summarizer); a request
# names both, or null when the summary's link does not (doc/site-api.md).
SITE_FIELDS = ("paper", "summarizer")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "shortmail-test-siteapi/1"

    def log_message(self, fmt, *args):
        pass  # the JSON log below is the one the tests read

    def record(self, status, body, created=False, comment_id=None):
        entry = {
            "method": self.command,
            "path": self.path,
            "status": status,
            "created": created,
            "comment_id": comment_id,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
        }
        with self.server.lock:
            with open(self.server.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry, sort_keys=True) + "\n")

    def answer(self, status, obj):
        data = (json.dumps(obj) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def do_GET(self):
        self.record(405, b"")
        self.answer(405, {"error": "comments are POSTed"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        srv = self.server
        if self.path != "/api/comments":
            self.record(404, body)
            self.answer(404, {"error": "no such endpoint"})
            return
        with srv.lock:
            srv.posts += 1
            failing = srv.posts <= srv.fail_first
        if failing:
            self.record(srv.fail_status, body)
            self.answer(srv.fail_status, {"error": "try again later"})
            return
        if self.headers.get("Authorization") != "Bearer " + srv.token:
            self.record(401, body)
            self.answer(401, {"error": "bad or missing bearer token"})
            return
        ctype = (self.headers.get("Content-Type") or "").split(";")[0]
        if ctype.strip().lower() != "application/json":
            self.record(415, body)
            self.answer(415, {"error": "JSON only"})
            return
        key = self.headers.get("Idempotency-Key")
        try:
            obj = json.loads(body.decode("utf-8"))
            ok = isinstance(obj, dict) and all(
                isinstance(obj.get(f), str) for f in FIELDS) and all(
                f in obj and (obj[f] is None or isinstance(obj[f], str))
                for f in SITE_FIELDS)
        except (UnicodeDecodeError, ValueError):
            ok = False
        if not ok or not key:
            self.record(400, body)
            self.answer(400, {"error": "malformed comment"})
            return
        if key in srv.reject:
            self.record(400, body)
            self.answer(400, {"error": "unknown summary " + obj["summary"]})
            return
        with srv.lock:
            cid = srv.keys.get(key)
            created = cid is None
            if created:
                srv.next_id += 1
                cid = srv.keys[key] = srv.next_id
                srv.new += 1
                hang = srv.new <= srv.hang_first
            else:
                hang = False
        self.record(201 if created else 200, body, created, cid)
        if hang:
            time.sleep(srv.hang)
        self.answer(201 if created else 200,
                    {"id": cid, "duplicate": not created})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("log")
    ap.add_argument("--token", required=True)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--fail-status", type=int, default=503)
    ap.add_argument("--reject-key", action="append", default=[])
    ap.add_argument("--hang-first", type=int, default=0)
    ap.add_argument("--hang", type=float, default=5.0)
    args = ap.parse_args()

    httpd = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    httpd.daemon_threads = True
    httpd.log_path = args.log
    httpd.lock = threading.Lock()
    httpd.token = args.token
    httpd.fail_first = args.fail_first
    httpd.fail_status = args.fail_status
    httpd.reject = set(args.reject_key)
    httpd.hang_first = args.hang_first
    httpd.hang = args.hang
    httpd.posts = 0
    httpd.new = 0
    httpd.keys = {}
    httpd.next_id = 0
    try:
        with open(args.log, encoding="utf-8") as f:
            for line in f:
                e = json.loads(line)
                if e.get("created"):
                    httpd.keys[e["headers"]["idempotency-key"]] = \
                        e["comment_id"]
                    httpd.next_id = max(httpd.next_id, e["comment_id"])
    except FileNotFoundError:
        pass

    def stop(signum, frame):
        # shutdown() waits for serve_forever to return: not from its thread.
        threading.Thread(target=httpd.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        httpd.serve_forever(poll_interval=0.1)
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
