#!/usr/bin/env python3
"""check-stacks: the stacks of stacks.py do what tests expect of them.

For stacks.linux (IPv4 and IPv6) and stacks.slirp, a client in s["ns"]:
- addr:7 (echo): sends 100 KB, reads the same 100 KB back, shuts down its
  sending side, then reads EOF (and nothing else);
- addr:13: EOF at once, no data;
- addr:9: the connection is refused (a RST; slirp too: it answers the SYN
  only once its own connect() to the host has succeeded, and relays the
  host's refusal as a RST).
Then nothing is left: no namespace, no process (the services, slirp4netns),
also when the with-block raises, and when the process is ended by SIGINT or
SIGTERM inside it.

usage: check-stacks.py
Exit 0 all as expected, 1 otherwise, 77 without root (or ip, ethtool).
A stack that cannot be made here (no slirp4netns) is skipped and said.
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = 100 * 1024


# ---------------------------------------------------------------- the client

def client(addr, echo_port, close_port, closed_port):
    """Run in the client's namespace: one line per check, "ok: ..." or
    "FAIL: ..."."""
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    bad = 0

    def say(ok, what):
        nonlocal bad
        bad += not ok
        print(("ok: " if ok else "FAIL: ") + what, flush=True)

    # echo
    data = os.urandom(SIZE)
    try:
        s = socket.create_connection((addr, echo_port), timeout=10)
        err = []

        def send():
            try:
                s.sendall(data)
            except OSError as e:
                err.append(e)
        t = threading.Thread(target=send, daemon=True)
        t.start()
        got = bytearray()
        while len(got) < SIZE:
            b = s.recv(65536)
            if not b:
                break
            got += b
        t.join(10)
        say(not err and bytes(got) == data,
            f"echo: {SIZE} bytes sent, {len(got)} read back"
            + ("" if bytes(got[:SIZE]) == data[:len(got)] else ", not the same bytes")
            + (f", send: {err[0]}" if err else ""))
        s.shutdown(socket.SHUT_WR)
        rest = s.recv(65536)
        extra = len(rest)
        while rest:
            rest = s.recv(65536)
            extra += len(rest)
        say(extra == 0, f"echo: EOF after our FIN ({extra} bytes more)")
        s.close()
    except OSError as e:
        say(False, f"echo: {e!r}")

    # closing service
    try:
        s = socket.create_connection((addr, close_port), timeout=5)
        t0 = time.monotonic()
        b = s.recv(100)
        dt = time.monotonic() - t0
        say(b == b"" and dt < 1.0, f"close: EOF at once ({len(b)} bytes, {dt * 1000:.1f} ms)")
        s.close()
    except OSError as e:
        say(False, f"close: {e!r}")

    # nothing listens
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((addr, closed_port))
        say(False, "closed port: connected")
    except ConnectionRefusedError:
        say(True, "closed port: refused")
    except OSError as e:
        say(False, f"closed port: {e!r}")
    s.close()
    return 1 if bad else 0


# ---------------------------------------------------------------- the checks

def main():
    sys.path.insert(0, HERE)
    import stacks

    why = stacks.missing()
    if why:
        print(f"skip: {why}")
        return 77
    tag = str(os.getpid())
    bad = 0
    ran = 0

    def check(ok, what, out=""):
        nonlocal bad
        bad += not ok
        print(("ok: " if ok else "FAIL: ") + what + ("" if ok or not out else "\n" + out),
              flush=True)

    def leftovers(t):
        names = [f"tk{t}{x}" for x in ("la", "lb", "sc", "sh")]
        left = [n for n in names if os.path.exists(f"/run/netns/{n}")]
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
            except OSError:
                continue
            words = [w.decode(errors="replace") for w in cmd]
            if ("serve" in words and "--tag" in words and t in words) or \
                    any(f"/run/netns/tk{t}s" in w for w in words):
                left.append(f"pid {pid}: {' '.join(words)}")
        return left

    kinds = [("linux IPv4", lambda t: stacks.linux(t, 4)),
             ("linux IPv6", lambda t: stacks.linux(t, 6))]
    why = stacks.slirp_missing()
    if why:
        print(f"skip: slirp: {why}")
    else:
        kinds.append(("slirp", lambda t: stacks.slirp(t)))

    for name, make in kinds:
        try:
            with make(tag) as s:
                p = subprocess.run(["ip", "netns", "exec", s["ns"], sys.executable,
                                    os.path.abspath(__file__), "client", s["addr"],
                                    str(s["echo_port"]), str(s["close_port"]),
                                    str(s["closed_port"])],
                                   capture_output=True, text=True, timeout=60)
                ran += 1
                for line in p.stdout.splitlines():
                    print(f"{name}: {line}")
                check(p.returncode == 0, f"{name}: the client's checks", p.stderr)
        except Exception as e:
            check(False, f"{name}: {e!r}")
        left = leftovers(tag)
        check(not left, f"{name}: nothing left", "\n".join(left))

    # an exception inside
    for name, make in kinds:
        try:
            with make(tag):
                raise LookupError("inside")
        except LookupError:
            pass
        except Exception as e:
            check(False, f"{name}: {e!r}")
        left = leftovers(tag)
        check(not left, f"{name}: nothing left after an exception inside", "\n".join(left))

    # killed inside, the contexts open in a process of their own
    prog = ("import sys, time; sys.path.insert(0, sys.argv[1]); import stacks\n"
            "with stacks.linux(sys.argv[2]) as a:\n"
            "    with (stacks.slirp(sys.argv[2]) if sys.argv[3] == '1' else a):\n"
            "        print('in', flush=True); time.sleep(60)\n")
    for sig in (signal.SIGINT, signal.SIGTERM):
        t = f"{tag}k"
        p = subprocess.Popen([sys.executable, "-c", prog, HERE, t,
                              "0" if stacks.slirp_missing() else "1"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = p.stdout.readline().strip()
        if line == "in":
            p.send_signal(sig)
        try:
            _, err = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
        ok = line == "in" and p.returncode != 0 and "stacks: cleanup" not in err
        check(ok, f"{signal.Signals(sig).name} inside: the process ends "
              f"(exit {p.returncode})", err)
        left = leftovers(t)
        check(not left, f"{signal.Signals(sig).name} inside: nothing left", "\n".join(left))

    print(f"{ran} stacks checked, {bad} failed")
    return 1 if bad or not ran else 0


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "client":
        sys.exit(client(sys.argv[2], *map(int, sys.argv[3:6])))
    sys.exit(main())
