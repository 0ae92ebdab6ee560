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
  PATH?retry_after=VALUE         the file with "Retry-After: VALUE"
  /arxiv?id_list=A,B&max_results=N
                                 an answer in the form of arXiv's API
                                 (Atom, arxiv: and opensearch: elements)
                                 with an entry for each id listed in
                                 DOCROOT/arxiv.tsv ("ID<TAB>PRIMARY
                                 OTHER..."); ids it does not list get no
                                 entry, as arXiv answers ids it does not
                                 know; a malformed id gets arXiv's error
                                 entry (and nothing else). Combines with
                                 /slow/ and /status/CODE/.

Every request is logged to LOGFILE, one line each, so a test can assert
what the client sent:

  GET /feed.xml status=200 inm="..." ims="..." ae="..." ua="..." [gzip]

(arxiv requests add " t=SECONDS", the time of arrival, to their line.)

(double quotes inside header values are logged as single quotes; /slow/
requests are logged on arrival with status=sleeping.)

Stops cleanly on SIGTERM.
"""

import argparse
import email.utils
import gzip
import hashlib
import os
import re
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


def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "shortmail-test-httpd/1"

    def log_message(self, fmt, *args):
        pass  # the request log below is the one the tests read

    def log_request_line(self, status, gz=False):
        h = self.headers

        def q(name):
            return (h.get(name) or "").replace('"', "'")

        line = '%s %s status=%s inm="%s" ims="%s" ae="%s" ua="%s"%s%s\n' % (
            self.command, self.path, status, q("If-None-Match"),
            q("If-Modified-Since"), q("Accept-Encoding"), q("User-Agent"),
            " gzip" if gz else "",
            " t=%.3f" % self.arrived if "/arxiv?" in self.path else "")
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
        self.arrived = time.time()
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
        if path == "/arxiv":
            body = self.arxiv_answer(query)
            self.send_body(status, body, "application/atom+xml; charset=utf-8")
            return
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
        if query.get("retry_after"):
            headers["Retry-After"] = query["retry_after"][0]
        self.send_body(status, body, ctype, headers, gz)

    ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})"
                          r"(v\d+)?$")

    def arxiv_answer(self, query):
        """Atom as arXiv's API writes it, for the ids of the query."""
        ids = [i for i in (query.get("id_list") or [""])[0].split(",") if i]
        known = {}
        try:
            with open(os.path.join(self.server.root, "arxiv.tsv"),
                      encoding="utf-8") as f:
                for line in f:
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) == 2 and not line.startswith("#"):
                        known[parts[0]] = parts[1].split()
        except FileNotFoundError:
            pass
        q = "search_query=&id_list=%s&start=0&max_results=%s" % (
            ",".join(ids), (query.get("max_results") or ["10"])[0])
        os_ns = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
        head = ['<?xml version="1.0" encoding="UTF-8"?>',
                '<feed xmlns="http://www.w3.org/2005/Atom">',
                '  <link href="http://arxiv.org/api/query?%s" rel="self" '
                'type="application/atom+xml"/>' %
                xml_escape(urllib.parse.quote(q, safe="")),
                '  <title type="html">ArXiv Query: %s</title>' %
                xml_escape(q),
                '  <id>http://arxiv.org/api/%s</id>' %
                hashlib.sha1(q.encode()).hexdigest()[:27],
                '  <updated>2026-11-23T00:00:00-05:00</updated>']
        bad = [i for i in ids if not self.ARXIV_ID.match(i)]
        entries = []
        if bad:
            err = "incorrect_id_format_for_" + bad[0]
            entries.append(
                '  <entry>\n'
                '    <id>http://arxiv.org/api/errors#%s</id>\n'
                '    <title>Error</title>\n'
                '    <summary>incorrect id format for %s</summary>\n'
                '    <updated>2026-11-23T00:00:00-05:00</updated>\n'
                '    <link href="http://arxiv.org/api/errors#%s" '
                'rel="alternate" type="text/html"/>\n'
                '    <author>\n      <name>arXiv api core</name>\n'
                '    </author>\n  </entry>' % (xml_escape(err),
                                               xml_escape(bad[0]),
                                               xml_escape(err)))
        else:
            for i in ids:
                cats = known.get(i)
                if not cats:
                    continue
                cat_lines = "".join(
                    '    <category term="%s" '
                    'scheme="http://arxiv.org/schemas/atom"/>\n' % c
                    for c in cats)
                entries.append(
                    '  <entry>\n'
                    '    <id>http://arxiv.org/abs/%sv2</id>\n'
                    '    <updated>2016-12-10T19:51:55Z</updated>\n'
                    '    <published>2015-12-10T19:51:55Z</published>\n'
                    '    <title>Paper %s as arXiv lists\n  it</title>\n'
                    '    <summary>  An abstract that spans\nlines, as '
                    'arXiv\'s do.\n</summary>\n'
                    '    <author>\n      <name>A. Author</name>\n'
                    '      <arxiv:affiliation xmlns:arxiv='
                    '"http://arxiv.org/schemas/atom">Somewhere'
                    '</arxiv:affiliation>\n    </author>\n'
                    '    <author>\n      <name>B. Author</name>\n'
                    '    </author>\n'
                    '    <arxiv:doi xmlns:arxiv="http://arxiv.org/schemas/'
                    'atom">10.1000/x.%s</arxiv:doi>\n'
                    '    <link title="doi" href="http://dx.doi.org/10.1000/x"'
                    ' rel="related"/>\n'
                    '    <arxiv:comment xmlns:arxiv="http://arxiv.org/'
                    'schemas/atom">Tech report, 12 pages</arxiv:comment>\n'
                    '    <link href="http://arxiv.org/abs/%sv2" '
                    'rel="alternate" type="text/html"/>\n'
                    '    <link title="pdf" href="http://arxiv.org/pdf/%sv2" '
                    'rel="related" type="application/pdf"/>\n'
                    '    <arxiv:primary_category xmlns:arxiv="http://arxiv.org'
                    '/schemas/atom" term="%s" scheme="http://arxiv.org/'
                    'schemas/atom"/>\n'
                    '%s  </entry>' % (i, i, i, i, i, cats[0],
                                     cat_lines))
        total = len(entries) if bad else len(ids)
        head += ['  <opensearch:totalResults %s>%d</opensearch:totalResults>'
                 % (os_ns, total),
                 '  <opensearch:startIndex %s>0</opensearch:startIndex>'
                 % os_ns,
                 '  <opensearch:itemsPerPage %s>%d</opensearch:itemsPerPage>'
                 % (os_ns, len(entries))]
        return ("\n".join(head + entries + ["</feed>", ""])).encode()

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
