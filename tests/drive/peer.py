#!/usr/bin/env python3
"""The kernel side of the drive tests: a textbook server (socket, bind,
listen, accept) or client (socket, connect), written the way a C programmer
would, reporting what it saw in a directory of small files.

  peer.py server ADDR PORT MODE DIR [--mss N] [--expect N] [--reply FILE]
  peer.py client ADDR PORT MODE DIR [--send FILE] [--timeout SEC]

server MODEs (what tcpshake connect's --close will do):
  active   read the request, reply, read until EOF, record `ss` (the socket
           should be in CLOSE-WAIT), wait, close
  passive  read the request, reply, close first
  rst      read the request, reply, read again: expect ECONNRESET
  none     read the request, reply, wait 1 s, record `ss` (still ESTAB)
client MODEs (what tcpshake listen does):
  shut     connect, send, read the reply, shutdown(SHUT_WR), read EOF
  wait     connect, send, read the reply, read EOF (the server closes first)
--reply FILE / --send FILE: send this file's bytes instead of the fixed reply
or request (the server's `got` then holds what it received, the client's the
reply).  --timeout: the client's socket timeout (default 10 s).
Files written in DIR: ready, got (bytes received), ss, result, error.
"""
import errno
import os
import socket
import subprocess
import sys
import time


def put(d, name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(d, name), mode) as f:
        f.write(data)


def ss_state(port, state):
    out = subprocess.run(["ss", "-Htan", "state", state, "( sport = :%d or dport = :%d )" % (port, port)],
                         capture_output=True, text=True).stdout
    return out


def server(addr, port, mode, d, mss, expect, reply):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if mss:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
    s.bind((addr, port))
    s.listen(16)
    s.settimeout(20)
    put(d, "ready", "")
    c, _ = s.accept()
    c.settimeout(10)
    got = b""
    while len(got) < expect:
        b = c.recv(65536)
        if not b:
            break
        got += b
    put(d, "got", got)
    c.sendall(reply if reply is not None else b"reply from the kernel server\n")
    try:
        if mode == "active":
            b = c.recv(100)
            put(d, "result", "eof" if b == b"" else "data %r" % b)
            put(d, "ss", ss_state(port, "close-wait"))
            time.sleep(0.3)  # our ACK of their FIN stays alone on the wire
            c.close()
        elif mode == "passive":
            time.sleep(0.1)
            c.close()
            put(d, "result", "closed")
            time.sleep(1)
        elif mode == "rst":
            b = c.recv(100)
            put(d, "result", "eof" if b == b"" else "data %r" % b)
        elif mode == "none":
            time.sleep(1)
            put(d, "ss", ss_state(port, "established"))
            put(d, "result", "open")
    except OSError as e:
        put(d, "result", errno.errorcode.get(e.errno, str(e.errno)))


def client(addr, port, mode, d, request, timeout):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.settimeout(timeout)
    try:
        c.connect((addr, port))
        put(d, "connected", "")
        c.sendall(request if request is not None else b"request from the kernel client\n")
        # send() is ACKed: nothing left unacknowledged in the send queue
        for _ in range(100):
            if ss_state(port, "established").split()[1:2] == ["0"]:  # Send-Q
                break
            time.sleep(0.01)
        put(d, "ss", ss_state(port, "established"))
        got = b""
        while not got.endswith(b"\n"):
            b = c.recv(1000)
            if not b:
                break
            got += b
        put(d, "got", got)
        if mode == "shut":
            c.shutdown(socket.SHUT_WR)
        b = c.recv(1000)
        put(d, "result", "eof" if b == b"" else "data %r" % b)
        c.close()
    except OSError as e:
        put(d, "result", errno.errorcode.get(e.errno, str(e)))


def main():
    role, addr, port, mode, d = sys.argv[1:6]
    rest = sys.argv[6:]
    mss = int(rest[rest.index("--mss") + 1]) if "--mss" in rest else 0
    expect = int(rest[rest.index("--expect") + 1]) if "--expect" in rest else 1
    timeout = float(rest[rest.index("--timeout") + 1]) if "--timeout" in rest else 10
    data = None
    for opt in ("--reply", "--send"):
        if opt in rest:
            with open(rest[rest.index(opt) + 1], "rb") as f:
                data = f.read()
    try:
        if role == "server":
            server(addr, int(port), mode, d, mss, expect, data)
        else:
            client(addr, int(port), mode, d, data, timeout)
    except Exception as e:  # reported, so the test can say what went wrong
        put(d, "error", repr(e))


if __name__ == "__main__":
    main()
