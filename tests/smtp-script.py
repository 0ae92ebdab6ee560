#!/usr/bin/env python3
"""smtp-script.py: an SMTP server on loopback that answers by a script,
for the reply sequences Postfix's smtp-sink cannot produce.

    smtp-script.py PORT LOG MODE...

MODE is how the server treats transaction N (the Nth MAIL FROM of all
sessions), the last one repeating:
    ok       354 to DATA, 250 to the final dot (a normal server)
    data250  250 to DATA, as if the message had been taken, and no 354
    data220  220 (a greeting) to DATA
    dot221   354 to DATA, then 221 (closing) to the final dot, and hangs up
    dot220   354 to DATA, then 220 (a greeting) to the final dot
    rcpt550  550 5.1.1 to RCPT TO (this recipient does not exist)
EHLO offers AUTH PLAIN; the answer to AUTH is $SCRIPT_AUTH_REPLY (by
default "235 2.7.0 Authentication successful"), for the reply shapes a
server may give it (a bare "235").
LOG gets one line per transaction: "N MODE taken" when the final dot was
answered 250, "N MODE not-taken" otherwise. Sessions are served one after
the other; it runs until killed. No PIPELINING or CHUNKING is offered, so
the client waits for each reply.
"""
import os
import socket
import sys


def serve(conn, modes, log, state):
    f = conn.makefile("rb")

    def say(line):
        conn.sendall(line.encode() + b"\r\n")

    def note(taken):
        log.write("%d %s %s\n" % (state["n"], mode,
                                   "taken" if taken else "not-taken"))
        log.flush()

    say("220 script.example.org ESMTP")
    mode = None
    while True:
        line = f.readline()
        if not line:
            return
        cmd = line.strip().upper()
        if cmd.startswith(b"EHLO") or cmd.startswith(b"HELO"):
            say("250-script.example.org")
            say("250 AUTH PLAIN")
        elif cmd.startswith(b"AUTH"):
            if cmd == b"AUTH PLAIN":  # no initial response: ask for it
                say("334 ")
                if not f.readline():
                    return
            say(os.environ.get("SCRIPT_AUTH_REPLY",
                               "235 2.7.0 Authentication successful"))
        elif cmd.startswith(b"MAIL FROM:"):
            state["n"] += 1
            mode = modes[min(state["n"], len(modes)) - 1]
            say("250 2.1.0 Ok")
        elif cmd.startswith(b"RCPT TO:"):
            if mode == "rcpt550":
                say("550 5.1.1 <%s>: Recipient address rejected: User unknown"
                    % line[8:].strip().decode(errors="replace").strip("<>"))
                note(False)
            else:
                say("250 2.1.5 Ok")
        elif cmd == b"DATA":
            if mode == "data250":
                say("250 2.0.0 Ok: queued as DATA250")
                note(False)
                continue
            if mode == "data220":
                say("220 script.example.org ESMTP")
                note(False)
                continue
            say("354 End data with <CR><LF>.<CR><LF>")
            while True:
                d = f.readline()
                if not d or d == b".\r\n":
                    break
            if not d:
                return
            if mode == "dot221":
                say("221 2.0.0 Bye")
                note(False)
                return
            if mode == "dot220":
                say("220 script.example.org ESMTP")
                note(False)
            else:
                say("250 2.0.0 Ok: queued")
                note(True)
        elif cmd == b"RSET" or cmd == b"NOOP":
            say("250 2.0.0 Ok")
        elif cmd == b"QUIT":
            say("221 2.0.0 Bye")
            return
        else:
            say("502 5.5.2 Error: command not recognized")


def main():
    port, logname, modes = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(8)
    state = {"n": 0}
    with open(logname, "a") as log:
        while True:
            conn, _ = s.accept()
            try:
                serve(conn, modes, log, state)
            except OSError:
                pass
            finally:
                conn.close()


if __name__ == "__main__":
    main()
