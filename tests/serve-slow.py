#!/usr/bin/env python3
"""serve-slow.py: slow and broken clients against `shortmail serve`.

    serve-slow.py PORT CASE

Prints "ok ..." or "not ok ..." lines (TAP bodies without numbers) for
serve-slow.sh to number. Cases:

  loris     200 connections from 50 loopback addresses send a request
            head one line every 2 s and never finish it; meanwhile a
            normal request from another address is answered within 1 s
  per-addr  40 connections from one address: the server keeps at most
            its per-address limit open and closes the rest at once
  deadline  one connection that sends a header line every 2 s is closed
            by the server once the deadline for the request head passed
  garbage   a request line that is not HTTP gets 400 at once
  chunked   a chunked body far over [serve] max_body gets 413
"""
import socket
import sys
import time

PORT = int(sys.argv[1])


def say(ok, what):
    print("%s - %s" % ("ok" if ok else "not ok", what))


def connect(src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", PORT))
    return s


def start_head(s, n):
    s.sendall(b"GET /u/slow%d HTTP/1.1\r\nHost: 127.0.0.1\r\n" % n)


def closed_by_server(s, wait):
    """Whether the server closed s within `wait` seconds."""
    s.settimeout(wait)
    try:
        while True:
            d = s.recv(4096)
            if not d:
                return True
    except socket.timeout:
        return False
    except OSError:
        return True


def status_of(s, wait):
    """The status code of the server's reply on s, or 0."""
    s.settimeout(wait)
    data = b""
    try:
        while b"\r\n" not in data:
            d = s.recv(4096)
            if not d:
                break
            data += d
    except OSError:
        pass
    parts = data.split(b" ", 2)
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return 0


def normal_request(src):
    t0 = time.monotonic()
    try:
        s = connect(src)
        s.sendall(b"GET /u/normal HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Connection: close\r\n\r\n")
        code = status_of(s, 5)
        s.close()
    except OSError:
        code = 0
    return code, time.monotonic() - t0


def loris():
    conns = []
    for i in range(200):
        try:
            s = connect("127.0.0.%d" % (10 + i % 50))
            start_head(s, i)
            conns.append(s)
        except OSError:
            pass
    say(len(conns) == 200, "200 slow connections opened (%d)" % len(conns))
    worst = 0.0
    codes = []
    for k in range(3):
        for s in conns:
            try:
                s.sendall(b"X-Slow-%d: a\r\n" % k)
            except OSError:
                pass
        code, took = normal_request("127.0.0.2")
        codes.append(code)
        worst = max(worst, took)
        time.sleep(1)
    held = sum(1 for s in conns if not closed_by_server(s, 0.01))
    say(all(c == 404 for c in codes),
        "a normal request is answered while they are open (%s)" % codes)
    say(worst < 1.0, "within 1 s (the slowest took %.3f s)" % worst)
    say(held >= 150, "the slow connections were not simply refused (%d held)" % held)
    for s in conns:
        s.close()


def per_addr():
    conns = []
    for i in range(40):
        try:
            s = connect("127.0.0.3")
            start_head(s, i)
            conns.append(s)
        except OSError:
            pass
    time.sleep(0.5)
    held = sum(1 for s in conns if not closed_by_server(s, 0.2))
    say(0 < held <= 16, "of 40 connections from one address, at most 16 stay open (%d)" % held)
    code, took = normal_request("127.0.0.4")
    say(code == 404 and took < 1.0,
        "another address is served meanwhile (%d in %.3f s)" % (code, took))
    for s in conns:
        s.close()


def deadline():
    s = connect("127.0.0.5")
    start_head(s, 0)
    t0 = time.monotonic()
    closed = False
    k = 0
    while time.monotonic() - t0 < 20:
        if closed_by_server(s, 2):
            closed = True
            break
        try:
            s.sendall(b"X-Slow-%d: a\r\n" % k)
        except OSError:
            closed = True
            break
        k += 1
    took = time.monotonic() - t0
    say(closed and took < 14,
        "a head still unfinished after the deadline is cut (after %.1f s)" % took)
    s.close()


def garbage():
    s = connect("127.0.0.6")
    t0 = time.monotonic()
    s.sendall(b"\x16\x03\x01 not http at all\r\n")
    code = status_of(s, 3)
    took = time.monotonic() - t0
    say(code == 400 and took < 1.0,
        "a garbage request line gets 400 at once (%d in %.3f s)" % (code, took))
    s.close()


def chunked():
    s = connect("127.0.0.7")
    s.sendall(b"POST /u/x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Type: application/x-www-form-urlencoded\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"a" * 65536
    try:
        for _ in range(64):  # 4 MB
            s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        s.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    code = status_of(s, 5)
    say(code == 413, "a 4 MB chunked body gets 413 (%d)" % code)
    s.close()


{"loris": loris, "per-addr": per_addr, "deadline": deadline,
 "garbage": garbage, "chunked": chunked}[sys.argv[2]]()
