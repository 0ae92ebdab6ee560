#!/usr/bin/env python3
"""imap-cut.py LISTEN_PORT SERVER_PORT READY_FILE: a TCP relay on
127.0.0.1 in front of an IMAP server that, on the first connection on
which the server starts sending a message body (a FETCH answer with
BODY[] and a literal), passes on the first bytes of that answer and then
closes both sides, as a server that dies or a network that drops in the
middle of a FETCH. Every later connection is relayed untouched. Writes
READY_FILE once it listens."""
import socket
import sys
import threading

listen_port, server_port, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
state = {"cut": False}
lock = threading.Lock()


def pipe(src, dst, watch):
    buf = b""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if watch:
                buf = (buf + data)[-4096:]
                at = buf.find(b"BODY[] {")
                with lock:
                    cut = at >= 0 and not state["cut"]
                    if cut:
                        state["cut"] = True
                if cut:
                    # The answer's first line and a little of the message.
                    start = data.find(b"BODY[] {")
                    dst.sendall(data[: max(start, 0) + 40])
                    break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def serve(client):
    try:
        server = socket.create_connection(("127.0.0.1", server_port))
    except OSError:
        client.close()
        return
    threading.Thread(target=pipe, args=(client, server, False), daemon=True).start()
    threading.Thread(target=pipe, args=(server, client, True), daemon=True).start()


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", listen_port))
ls.listen(16)
open(ready, "w").close()
while True:
    c, _ = ls.accept()
    serve(c)
