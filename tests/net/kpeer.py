#!/usr/bin/env python3
"""kpeer: the kernel's side of a bulk transfer, for tests/drive/root-net.sh
and bench/drive-net (both directions at once, timed the same way whoever the
other side is: tcpshake or another kpeer).

  kpeer.py server ADDR PORT DIR [options]     accept one connection
  kpeer.py client ADDR PORT DIR [options]     connect once

options:
  --expect N      read N bytes (then go on reading until EOF; more than N is
                  an error: "extra")
  --send FILE     send this file's bytes: a client at once, a server after
                  the first byte it reads (at once with --expect 0)
  --echo          send back every byte read (instead of --send)
  --rcvbuf N      SO_RCVBUF before connect()/listen() (a small window)
  --stall SEC     read nothing for SEC seconds after the connection opens
                  (a zero window), then read as usual
  --hold          after the stall, write DIR/resume and wait (up to 10 s) for
                  DIR/go before reading: the harness loses the window
                  update in between
  --timeout SEC   socket timeout, and the limit of every wait (default 30)

The transfer is "done" when N bytes were read and everything sent is
acknowledged by the other side (SIOCOUTQ: nothing unsent or unacknowledged).
Its time, in seconds from accept() returning (server) or from just before
connect() (client), goes to DIR/time.  Then we shut down our sending side
(FIN) and read until EOF (the other side's FIN), and close.

Files written in DIR: ready (server listening), got (the bytes read, up to
N), time, result ("ok", or what went wrong), error (an exception).
Exit 0 when the result is ok, 1 otherwise.
"""
import fcntl
import os
import signal
import socket
import struct
import sys
import threading
import time

SIOCOUTQ = 0x5411  # TIOCOUTQ: for TCP, bytes not yet acknowledged


def put(d, name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    tmp = os.path.join(d, "." + name)
    with open(tmp, mode) as f:
        f.write(data)
    os.rename(tmp, os.path.join(d, name))  # appears whole


def outq(s):
    return struct.unpack("i", fcntl.ioctl(s.fileno(), SIOCOUTQ, b"\0\0\0\0"))[0]


class Killed(Exception):
    pass


def killed(signo, frame):
    raise Killed()


def main():
    signal.signal(signal.SIGTERM, killed)
    role, addr, port, d = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    rest = sys.argv[5:]

    def opt(name, conv, default):
        return conv(rest[rest.index(name) + 1]) if name in rest else default

    expect = opt("--expect", int, 0)
    sendfile = opt("--send", str, None)
    echo = "--echo" in rest
    rcvbuf = opt("--rcvbuf", int, 0)
    stall = opt("--stall", float, 0.0)
    hold = "--hold" in rest
    tmo = opt("--timeout", float, 30.0)
    data = open(sendfile, "rb").read() if sendfile else b""

    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if role == "server":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(4)
        s.settimeout(tmo)
        put(d, "ready", "")
        c, _ = s.accept()
        t0 = time.monotonic()
        s.close()
    else:
        c = s
        c.settimeout(tmo)
        t0 = time.monotonic()
        c.connect((addr, port))
    c.settimeout(tmo)
    deadline = t0 + tmo

    got = bytearray()
    state = {"eof": False, "extra": 0, "err": None, "sent": 0}
    first = threading.Event()
    read_enough = threading.Event()
    lock = threading.Lock()  # sendall from two threads (echo) never interleaves

    def reader():
        try:
            if stall:
                time.sleep(stall)
            if hold:
                put(d, "resume", "")
                while not os.path.exists(os.path.join(d, "go")) and time.monotonic() < deadline:
                    time.sleep(0.01)
            while True:
                b = c.recv(65536)
                if not b:
                    state["eof"] = True
                    break
                first.set()
                room = expect - len(got)
                if room > 0:
                    got.extend(b[:room])
                state["extra"] += max(0, len(b) - max(room, 0))
                if echo:
                    with lock:
                        c.sendall(b)
                        state["sent"] += len(b)
                if len(got) >= expect:
                    read_enough.set()
        except OSError as e:
            state["err"] = "read: %s" % e
        first.set()
        read_enough.set()

    r = threading.Thread(target=reader, daemon=True)
    r.start()
    if expect == 0:
        read_enough.set()
    result = "ok"
    try:
        if data:
            if role == "server" and expect > 0:
                first.wait(tmo)
            with lock:
                c.sendall(data)
                state["sent"] += len(data)
        read_enough.wait(max(0.0, deadline - time.monotonic()))
        # everything we sent acknowledged
        while outq(c) > 0 and time.monotonic() < deadline:
            time.sleep(0.0005)
        done = time.monotonic()
        if len(got) < expect:
            result = "short: read %d of %d bytes" % (len(got), expect)
        elif outq(c) > 0:
            result = "unacknowledged: %d bytes" % outq(c)
        else:
            put(d, "time", "%.6f\n" % (done - t0))
        c.shutdown(socket.SHUT_WR)
        r.join(max(0.0, deadline - time.monotonic()))
        if result == "ok":
            if state["err"]:
                result = state["err"]
            elif not state["eof"]:
                result = "no EOF"
            elif state["extra"]:
                result = "extra: %d bytes beyond the %d expected" % (state["extra"], expect)
    except OSError as e:
        result = "%s (read %d of %d bytes)" % (e, len(got), expect)
    except Killed:
        result = "killed (read %d of %d bytes)" % (len(got), expect)
    put(d, "got", bytes(got))
    put(d, "result", result + "\n")
    c.close()
    return 0 if result == "ok" else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # reported, so the test can say what went wrong
        put(sys.argv[4], "error", repr(e) + "\n")
        sys.exit(1)
