#!/usr/bin/env python3
"""httpd.py: a real HTTP server for the feed tests.

usage: httpd.py PORT DOCROOT LOGFILE [--flaky N] [--slow SECONDS]

Listens on 127.0.0.1:PORT and serves the files of DOCROOT with an ETag
and a Last-Modified, answering If-None-Match / If-Modified-Since with 304.
Special paths, so one server covers every case of the tests:

  /PATH?gzip=1, /PATH.gz-serve   the file gzip-compressed
                                 (Content-Encoding: gzip)
  /redirect?to=PATH              302 to PATH
  /flaky/PATH                    500 for the first N requests of PATH
                                 (per path), then the file
  /slow/PATH                     waits SECONDS before answering
  /type/TYPE/SUBTYPE/PATH        the file with that Content-Type
  /status/CODE/PATH              the file's bytes with status CODE

Every request is logged to LOGFILE, one line each, so a test can assert
what the client sent:

  GET /feed.xml status=200 inm="..." ims="..." ae="..." ua="..." [gzip]

(double quotes inside header values are logged as single quotes; /slow/
requests are logged on arrival with status=sleeping.)

Stops cleanly on SIGTERM.
"""

import argparse
import email.utils
import gzip
import hashlib
import os
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain",
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "shortmail-test-httpd/1"

    def log_message(self, fmt, *args):
        pass  # the request log below is the one the tests read

    def log_request_line(self, status, gz=False):
        h = self.headers

        def q(name):
            return (h.get(name) or "").replace('"', "'")

        line = '%s %s status=%s inm="%s" ims="%s" ae="%s" ua="%s"%s\n' % (
            self.command, self.path, status, q("If-None-Match"),
            q("If-Modified-Since"), q("Accept-Encoding"), q("User-Agent"),
            " gzip" if gz else "")
        with self.server.log_lock:
            with open(self.server.log_path, "a", encoding="utf-8") as f:
                f.write(line)

    def send_body(self, status, body, ctype, extra=None, gz=False):
        self.log_request_line(status, gz)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        path = urllib.parse.unquote(url.path)
        status = 200
        ctype = None
        gz = query.get("gzip") == ["1"]

        if path == "/redirect":
            to = (query.get("to") or ["/"])[0]
            self.log_request_line(302)
            self.send_response(302)
            self.send_header("Location", to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path.startswith("/flaky/"):
            path = path[len("/flaky"):]
            with self.server.log_lock:
                n = self.server.flaky_seen.get(path, 0)
                self.server.flaky_seen[path] = n + 1
            if n < self.server.flaky:
                self.send_body(500, b"<html>oops</html>\n",
                               "text/html; charset=utf-8")
                return
        if path.startswith("/slow/"):
            # Logged on arrival: the client may be gone by the answer.
            self.log_request_line("sleeping")
            path = path[len("/slow"):]
            time.sleep(self.server.slow)
        if path.startswith("/type/"):
            parts = path.split("/", 4)  # '', type, TYPE, SUBTYPE, PATH
            if len(parts) < 5:
                self.send_body(400, b"bad /type/ path\n", "text/plain")
                return
            ctype = parts[2] + "/" + parts[3]
            path = "/" + parts[4]
        if path.startswith("/status/"):
            parts = path.split("/", 3)  # '', status, CODE, PATH
            status = int(parts[2])
            path = "/" + parts[3]
        if path.endswith(".gz-serve"):
            path = path[: -len(".gz-serve")]
            gz = True

        file = os.path.normpath(os.path.join(self.server.root,
                                             path.lstrip("/")))
        if not file.startswith(self.server.root + os.sep) or \
                not os.path.isfile(file):
            self.send_body(404, b"<html>Not Found</html>\n",
                           "text/html; charset=utf-8")
            return
        with open(file, "rb") as f:
            body = f.read()
        if ctype is None:
            ctype = TYPES.get(os.path.splitext(file)[1],
                              "application/octet-stream")
        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
        mtime = int(os.stat(file).st_mtime)
        headers = {"ETag": etag,
                   "Last-Modified": email.utils.formatdate(mtime,
                                                           usegmt=True)}
        if status == 200 and self.not_modified(etag, mtime):
            self.log_request_line(304)
            self.send_response(304)
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            return
        if gz and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        else:
            gz = False
        self.send_body(status, body, ctype, headers, gz)

    def not_modified(self, etag, mtime):
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            return etag in tags or "*" in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                return False
            return mtime <= since
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("root")
    ap.add_argument("log")
    ap.add_argument("--flaky", type=int, default=2,
                    help="500s before /flaky/PATH succeeds")
    ap.add_argument("--slow", type=float, default=5.0,
                    help="seconds /slow/PATH waits")
    args = ap.parse_args()

    httpd = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    httpd.daemon_threads = True
    httpd.root = os.path.realpath(args.root)
    httpd.log_path = args.log
    httpd.log_lock = threading.Lock()
    httpd.flaky = args.flaky
    httpd.flaky_seen = {}
    httpd.slow = args.slow

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
