#!/usr/bin/env python3
"""lwip_peer: a network namespace whose only link is a tap device with lwIP
(tests/peers/lwip-echo) on its far end, for tests that want a TCP peer that is
not Linux.  Inside the namespace the kernel owns 198.18.11.1/24 on the tap
(the client side: tcpshake runs there, `ip netns exec NS ...`) and lwIP owns
198.18.11.2, serving an echo on port 7 and a port that closes right after the
handshake on port 13; every other port answers RST.

    with lwip_peer("lw1", "build/tests/peers/lwip-echo") as peer:
        ...  # peer == {"ns": "lw1", "addr": "198.18.11.2", "echo_port": 7,
             #          "close_port": 13, "tap": "lwtap0", "client": ...}

On leaving (also on an exception) lwip-echo is stopped (SIGTERM, then
SIGKILL) and the namespace deleted, which takes the tap with it.  If
lwip-echo died on its own before that, or did not exit 0 on SIGTERM, leaving
raises RuntimeError (after the cleanup, and only when nothing else is being
raised).  Needs root.  Only addresses of 198.18.11.0/24 and 2001:db8:11::/64.

    python3 lwip_peer.py NS EXE [--ipv6]     set up, print the dict, wait
                                            for Ctrl-C, tear down
"""
import contextlib
import os
import select
import signal
import subprocess
import sys
import tempfile
import time

ADDR = "198.18.11.2"
CLIENT = "198.18.11.1"
PREFIX = 24
ADDR6 = "2001:db8:11::2"
CLIENT6 = "2001:db8:11::1"
ECHO_PORT = 7
CLOSE_PORT = 13


def _ip(*args):
    subprocess.run(("ip",) + args, check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_ready(proc, timeout):
    """Read lwip-echo's stdout up to its "ready" line; False if it exited or
    the time ran out first."""
    fd = proc.stdout.fileno()
    got = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in got:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return False
        chunk = os.read(fd, 256)
        if not chunk:  # EOF: it exited
            return False
        got += chunk
    return got.split(b"\n", 1)[0] == b"ready"


def _stop(proc):
    """SIGTERM, SIGKILL after 5 s; returns its exit status, and whether it
    was still running when asked to stop."""
    running = proc.poll() is None
    if running:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.stdout.close()
    return proc.returncode, running


@contextlib.contextmanager
def lwip_peer(ns_name, exe, tap="lwtap0", ipv6=False, timeout=10.0):
    # Made outside the try: a namespace that already exists is someone
    # else's and must not be deleted by us.
    _ip("netns", "add", ns_name)
    proc = None
    errlog = tempfile.TemporaryFile()
    try:
        _ip("-n", ns_name, "link", "set", "lo", "up")
        _ip("-n", ns_name, "tuntap", "add", "dev", tap, "mode", "tap")
        if not ipv6:
            # Else the kernel's own IPv6 chatter on link-up (router
            # solicitations, MLD reports, DAD) lands in captures of the tap.
            subprocess.run(["ip", "netns", "exec", ns_name, "sysctl", "-qw",
                            f"net.ipv6.conf.{tap}.disable_ipv6=1"],
                           check=True, stdin=subprocess.DEVNULL)
        _ip("-n", ns_name, "addr", "add", f"{CLIENT}/{PREFIX}", "dev", tap)
        if ipv6:
            _ip("-n", ns_name, "addr", "add", f"{CLIENT6}/64", "dev", tap,
                "nodad")
        _ip("-n", ns_name, "link", "set", tap, "up")

        cmd = ["ip", "netns", "exec", ns_name, exe, "--tap", tap,
               "--addr", f"{ADDR}/{PREFIX}", "--gw", CLIENT,
               "--echo-port", str(ECHO_PORT), "--close-port", str(CLOSE_PORT)]
        if ipv6:
            cmd += ["--addr6", f"{ADDR6}/64"]
        # `ip netns exec` execs the program: proc.pid is lwip-echo's own.
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=errlog)
        if not _wait_ready(proc, timeout):
            raise RuntimeError("lwip-echo did not get ready: "
                               + _errtext(errlog).strip())

        peer = {"ns": ns_name, "addr": ADDR, "echo_port": ECHO_PORT,
                "close_port": CLOSE_PORT, "tap": tap, "client": CLIENT,
                "pid": proc.pid}
        if ipv6:
            peer.update(addr6=ADDR6, client6=CLIENT6)
        yield peer
    except BaseException:
        # The body's exception wins; cleanup errors must not replace it.
        if proc is not None:
            _stop(proc)
        subprocess.run(["ip", "netns", "del", ns_name],
                       stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        errlog.close()
        raise
    # Normal exit: clean up, then report a peer that died or failed.
    rc, running = _stop(proc)
    _ip("netns", "del", ns_name)
    err = _errtext(errlog).strip()
    errlog.close()
    if not running:
        raise RuntimeError(f"lwip-echo died during the test (status {rc}): "
                           + err)
    if rc != 0:
        raise RuntimeError(f"lwip-echo exited {rc} on SIGTERM: " + err)


def _errtext(f):
    f.seek(0)
    return f.read().decode(errors="replace")


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[3:] not in ([], ["--ipv6"]):
        sys.exit("usage: lwip_peer.py NS EXE [--ipv6]")
    with lwip_peer(sys.argv[1], sys.argv[2], ipv6=len(sys.argv) == 4) as p:
        print(p, flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
