# tests/cdp.py: headless Chromium driven over the DevTools protocol on a
# pipe (--remote-debugging-pipe), for the browser tests
# (digest-browser.sh, serve-browser.sh). Python's standard library only.
#
#   b = cdp.Browser(chromium, profile_dir, log_path)
#   s = b.new_page()                 # a tab; returns its session id
#   b.call("Page.navigate", {"url": u}, session=s)
#   b.wait_event("Page.loadEventFired", s)
#   b.evaluate(s, "document.title")  # a JavaScript expression's value
#   b.screenshot(s, "out.png")
#   b.close()
#
# Every wait is bounded by one deadline for the whole browser run, so a
# hung browser fails the test instead of hanging `make check`.
import base64
import fcntl
import json
import os
import subprocess
import time


class Browser:
    def __init__(self, chrome, profile, log_path, timeout=50, args=()):
        # The browser reads commands on fd 3 and writes answers on fd 4
        # (JSON, each message ended by a NUL). Move the pipe ends above 4
        # first so that the dup2 calls in the child clobber none of them.
        cmd_r, cmd_w = os.pipe()
        res_r, res_w = os.pipe()
        cmd_r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)
        res_w = fcntl.fcntl(res_w, fcntl.F_DUPFD, 10)

        def child():
            os.dup2(cmd_r, 3)
            os.dup2(res_w, 4)

        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [chrome, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--hide-scrollbars",
             "--user-data-dir=%s" % profile, "--remote-debugging-pipe"]
            + list(args) + ["about:blank"],
            close_fds=False, preexec_fn=child, stdin=subprocess.DEVNULL,
            stdout=self.log, stderr=self.log)
        os.close(cmd_r)
        os.close(res_w)
        self.wf = os.fdopen(cmd_w, "wb", 0)
        self.rf = os.fdopen(res_r, "rb", 0)
        self.pending = b""
        self.last = 0
        self.queue = []
        self.deadline = time.time() + timeout

    def receive(self):
        while b"\0" not in self.pending:
            if time.time() > self.deadline:
                raise TimeoutError("browser too slow")
            chunk = self.rf.read(1 << 16)
            if not chunk:
                raise EOFError("browser closed the pipe; see %s" % self.log_path)
            self.pending += chunk
        m, self.pending = self.pending.split(b"\0", 1)
        return json.loads(m)

    def call(self, method, params=None, session=None):
        self.last += 1
        m = {"id": self.last, "method": method, "params": params or {}}
        if session:
            m["sessionId"] = session
        self.wf.write(json.dumps(m).encode() + b"\0")
        while True:
            r = self.receive()
            if r.get("id") == self.last:
                if "error" in r:
                    raise RuntimeError("%s: %s" % (method, r["error"]))
                return r["result"]
            self.queue.append(r)

    def wait_event(self, name, session):
        while True:
            for i, e in enumerate(self.queue):
                if e.get("method") == name and e.get("sessionId") == session:
                    return self.queue.pop(i)
            self.queue.append(self.receive())

    def drop_events(self, name, session):
        """Forgets queued events `name` (before an action that fires it)."""
        self.queue = [e for e in self.queue
                      if not (e.get("method") == name
                              and e.get("sessionId") == session)]

    def new_page(self):
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        s = self.call("Target.attachToTarget",
                      {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=s)
        return s

    def evaluate(self, session, expr):
        r = self.call("Runtime.evaluate",
                      {"expression": expr, "returnByValue": True},
                      session=session)
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expr[:60], r["exceptionDetails"]))
        return r["result"].get("value")

    def screenshot(self, session, path):
        shot = self.call("Page.captureScreenshot", {"format": "png"},
                         session=session)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot))

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
