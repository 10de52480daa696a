#!/usr/bin/env python3
"""stacks: real TCP stacks, each in network namespaces of its own, for
`tcpshake probe` to be pointed at.  Python 3 stdlib only; needs root.

    import stacks
    with stacks.linux(tag, family=4) as s:   # or family=6
        s["ns"]           # the namespace tcpshake runs in (the client side)
        s["addr"]         # the address to probe: 198.18.10.2 / 2001:db8:10::2
        s["echo_port"]    # 7
        s["close_port"]   # 13
        s["closed_port"]  # 9 (nothing listens)
    with stacks.slirp(tag) as s:             # IPv4 only: s["addr"] 198.18.12.2
        ...

Also in s: "kind" ("linux" or "slirp"), "family", "dev" (the client's
interface, for tcpdump -i), "client_addr", "stack_ns" (where the services
run), "tag".

The services, the same for every stack (this file run as
`stacks.py serve --tag TAG ADDR...`, threads, in the stack's namespace):
- echo, port 7 (RFC 862): every byte read is written back; at the peer's
  FIN, the service closes its side once everything is echoed;
- closing service, port 13: accepts and closes at once (no data), so the
  stack sends its FIN right after the handshake;
- port 9: nothing listens.

linux: two namespaces joined by a veth.  The stack's namespace
(tk<tag>lb) has 198.18.10.2/24 and 2001:db8:10::2/64, the client's
(tk<tag>la) 198.18.10.1/24 and 2001:db8:10::1/64 (nodad; DAD is off for
the fe80:: addresses too, so nothing is tentative).  GRO, TSO, GSO and
transmit checksum offload are off on both ends, so frames are MTU-sized,
with their checksums right, as on a real NIC.  The stack's tcp_rmem is
pinned to 4096 131072 6291456, so its SYN+ACK (mss 1460 / 1440, sackOK,
timestamps, wscale 7, window 65160 / 64260) is the same on every machine.

slirp: libslirp's own TCP is the stack under test.  The services listen on
127.0.0.1 in a namespace H (tk<tag>sh) that has nothing but loopback;
slirp4netns runs in H, its tap0 in the client's namespace C (tk<tag>sc),
configured 198.18.12.100/24 with the default route via 198.18.12.2.  A
connection from C to 198.18.12.2:PORT is terminated by slirp's TCP, which
opens a socket of its own to 127.0.0.1:PORT in H.  slirp's IPv6 (fd00::/64)
and its DNS forwarder are off; IPv6 is off on tap0 (C sends no router
solicitation, no MLD); since H has no route but loopback, slirp reaches
nothing else (a SYN to any other address gets ICMP net unreachable).

What slirp's TCP does (libslirp 4.7, slirp4netns 1.2):
- it answers a SYN only once its own connect() to the host has succeeded
  (SYN+ACK some 0.3-2 ms after the SYN on loopback; while the host does not
  answer, retransmitted SYNs get nothing); a refused connect() becomes a
  RST+ACK (seq 0, ack ISN+1, win 65535), never a SYN+ACK first;
- its SYN+ACK carries MSS 1460 only (no SACK, timestamps, window scale),
  window 65535, IP DF off, IP ids 0, 1, 2... per slirp4netns, predictable
  ISNs 1 + k * 64000 (64001 first; +64000 per connection and per half
  second of its slow timer); unacknowledged, it is
  sent again after 6 s, then every 12 s, and a RST+ACK ends it at 75 s;
- our FIN is acknowledged at once by a pure ACK (a shutdown(SHUT_WR) on the
  host side), its FIN follows when the host socket reads EOF;
- our RST makes it close() the host socket (the host sees a FIN); a host
  RST comes to us as a RST+ACK.

Names: tk<tag> + two letters, at most 15 characters (links are named after
their namespaces): tag is at most 11 characters (a pid fits).  A linux and a
slirp context may be open at once with the same tag; two of the same kind
may not.

Everything made (namespaces, links, processes) is removed when the
with-block ends, however it ends: an exception, KeyboardInterrupt (SIGINT),
or SIGTERM (while a context is open in the main thread and SIGTERM has its
default action, it raises SystemExit(143) instead of killing the process
outright).  SIGINT and SIGTERM arriving during the cleanup, or while one of
our commands runs (at most 10 s), are held until it is over.  Left behind only by SIGKILL: the services and slirp4netns exit by
themselves when this process dies (EOF on their stdin / slirp4netns'
--exit-fd), the namespaces stay (a later context with the same tag removes
them first).
"""
import atexit
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ECHO_PORT, CLOSE_PORT, CLOSED_PORT = 7, 13, 9
HERE = os.path.abspath(__file__)

LINUX_V4 = ("198.18.10.1", "198.18.10.2")
LINUX_V6 = ("2001:db8:10::1", "2001:db8:10::2")
SLIRP_CIDR = "198.18.12.0/24"
SLIRP_CLIENT, SLIRP_GATEWAY = "198.18.12.100", "198.18.12.2"

TIMEOUT = 10.0  # seconds: any one step of setting up or tearing down


class StackError(RuntimeError):
    pass


def missing():
    """Why the stacks cannot be made here (a string), or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    for tool in ("ip", "ethtool", "sysctl"):
        if not _which(tool):
            return f"needs {tool}"
    return None


def slirp_missing():
    """Why stacks.slirp() cannot be made here (a string), or None."""
    return missing() or (None if _which("slirp4netns") else "needs slirp4netns")


def _which(tool):
    for d in os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":") + \
            ["/usr/sbin", "/sbin"]:
        if d and os.access(os.path.join(d, tool), os.X_OK):
            return os.path.join(d, tool)
    return None


def _run(*cmd, check=True):
    # signals held: a KeyboardInterrupt inside subprocess.run() may leave the
    # command running on its own (`ip netns add` done after our cleanup)
    with _Held():
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    if check and p.returncode != 0:
        raise StackError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()}")
    return p


def _names(tag, a, b):
    tag = str(tag)
    if not tag or len(tag) > 11 or not all(c.isalnum() or c in "-_" for c in tag):
        raise ValueError(f"stacks: tag {tag!r}: 1 to 11 letters, digits, - or _")
    return f"tk{tag}{a}", f"tk{tag}{b}"


def _netns_exists(ns):
    return os.path.exists(os.path.join("/run/netns", ns))


# ---------------------------------------------------------------- signals

def _main_thread():
    return threading.current_thread() is threading.main_thread()


def _sigterm_exit(signo, frame):
    raise SystemExit(128 + signo)


class _Held:
    """SIGINT and SIGTERM held (recorded, not acted on) while the cleanup
    or a command runs; what was held is acted on at the end."""

    def __enter__(self):
        self.got = []
        self.old = {}
        if _main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                try:
                    self.old[sig] = signal.signal(sig, lambda s, f: self.got.append(s))
                except (ValueError, OSError):
                    pass
        return self

    def __exit__(self, *exc):
        for sig, h in self.old.items():
            signal.signal(sig, h)
        if exc[0] is None:
            for sig in self.got:
                h = self.old.get(sig)
                if callable(h):
                    h(sig, None)
                elif h == signal.SIG_DFL:
                    os.kill(os.getpid(), sig)
        return False


# ---------------------------------------------------------------- the base

class _Stack:
    kind = None

    def __init__(self, tag):
        self.tag = str(tag)
        self.undo = []          # (what, function), run last first
        self.procs = []
        self.namespaces = []
        self.info = None
        self.done = True
        self.old_term = None

    # what each kind makes
    def setup(self):
        raise NotImplementedError

    def __enter__(self):
        self.done = False
        atexit.register(self.cleanup)  # KeyboardInterrupt between __enter__ and the body
        if _main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            self.old_term = signal.signal(signal.SIGTERM, _sigterm_exit)
        try:
            self.setup()
        except BaseException:
            self.cleanup()
            raise
        return self.info

    def __exit__(self, *exc):
        self.cleanup()
        return False

    def cleanup(self):
        if self.done:
            return
        with _Held():
            errors = []
            while self.undo:
                what, fn = self.undo.pop()
                try:
                    fn()
                except Exception as e:  # go on: remove everything else
                    errors.append(f"{what}: {e}")
            self.done = True
            atexit.unregister(self.cleanup)
            if self.old_term is not None and _main_thread():
                signal.signal(signal.SIGTERM, self.old_term)
                self.old_term = None
        if errors:
            print("stacks: cleanup: " + "; ".join(errors), file=sys.stderr)

    # -- pieces

    def netns(self, ns):
        # left by a run killed outright with the same tag: gone first
        if _netns_exists(ns):
            self._del_netns(ns)
        self.undo.append((f"ip netns del {ns}", lambda: self._del_netns(ns)))
        _run("ip", "netns", "add", ns)
        self.namespaces.append(ns)

    @staticmethod
    def _del_netns(ns):
        if not _netns_exists(ns):
            return
        # what still runs there was started in our namespace, for this stack
        pids = _run("ip", "netns", "pids", ns, check=False).stdout.split()
        _kill_pids([int(p) for p in pids if p.isdigit()])
        _run("ip", "netns", "del", ns)

    def start(self, what, cmd, pass_fds=(), first=None):
        """Start cmd in a session of its own (a Ctrl-C on the terminal
        reaches us, not it: we end it, in order); stdin a pipe that only we
        hold, stderr kept in a file for the error message.  To stop it:
        first(), then _stop().  Signals are held while it starts: a
        KeyboardInterrupt inside Popen() would leave a child we know
        nothing of."""
        err = tempfile.TemporaryFile()
        with _Held():
            p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=err, pass_fds=pass_fds, start_new_session=True)
            p.errfile = err
            p.what = what

            def stop():
                if first:
                    first()
                _stop(p)
            self.undo.append((f"stop {what}", stop))
            self.procs.append(p)
        return p

    def serve(self, ns, addrs):
        p = self.start("the services",
                       ["ip", "netns", "exec", ns, sys.executable, HERE, "serve",
                        "--tag", self.tag] + list(addrs))
        line = _readline(p, TIMEOUT)
        if line != "ready":
            raise StackError(f"the services in {ns} did not start ({line!r}): {_err(p)}")
        return p


def _readline(p, timeout):
    """One line of p's stdout within timeout ("" if none)."""
    fd = p.stdout.fileno()
    buf = b""
    end = time.monotonic() + timeout
    while b"\n" not in buf:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            break
        b = os.read(fd, 256)
        if not b:
            break
        buf += b
    return buf.split(b"\n")[0].decode(errors="replace").strip()


def _err(p):
    try:
        p.errfile.seek(0)
        return p.errfile.read().decode(errors="replace").strip()
    except (OSError, ValueError):
        return ""


def _exited(pid):
    """Has pid (our child) ended?  Not reaped: while it is a zombie its pid,
    and so its process group's id, cannot be taken by another process."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _stop(p, grace=3.0):
    """End p and its process group (the session we started it in)."""
    try:
        if p.stdin:
            p.stdin.close()  # the services end at EOF on stdin
    except OSError:
        pass
    if p.returncode is None:  # not reaped: the group's id is still ours
        end = time.monotonic() + 1.0  # a moment to end by itself (EOF, exit fd)
        while not _exited(p.pid) and time.monotonic() < end:
            time.sleep(0.005)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                break
            end = time.monotonic() + grace
            while not _exited(p.pid) and time.monotonic() < end:
                time.sleep(0.01)
        try:
            p.wait(grace)
        except subprocess.TimeoutExpired:
            raise StackError(f"{p.what} (pid {p.pid}) does not end")
    for f in (p.stdout, p.errfile):
        try:
            f.close()
        except (OSError, AttributeError):
            pass


def _kill_pids(pids, grace=2.0):
    me = os.getpid()
    pids = [p for p in pids if p != me]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for p in pids:
            try:
                os.kill(p, sig)
            except ProcessLookupError:
                pass
        end = time.monotonic() + grace
        while time.monotonic() < end:
            pids = [p for p in pids if os.path.exists(f"/proc/{p}")]
            if not pids:
                return
            time.sleep(0.02)


def _wait(what, cond, timeout=TIMEOUT):
    end = time.monotonic() + timeout
    while True:
        if cond():
            return
        if time.monotonic() > end:
            raise StackError(f"timed out waiting for {what}")
        time.sleep(0.02)


# ---------------------------------------------------------------- linux

class linux(_Stack):
    """The Linux kernel's TCP, across a veth (see the module's doc)."""
    kind = "linux"

    def __init__(self, tag, family=4):
        super().__init__(tag)
        if family not in (4, 6):
            raise ValueError("stacks.linux: family is 4 or 6")
        self.family = family
        self.client, self.stack = _names(tag, "la", "lb")

    def setup(self):
        A, B = self.client, self.stack
        for ns in (A, B):
            self.netns(ns)
            # no DAD for the fe80:: address either: usable at once, as ours
            # (nodad); links made from now on take this
            _run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0")
        # the veth goes with its namespaces; named after them
        _run("ip", "link", "add", A, "netns", A, "type", "veth", "peer", "name", B, "netns", B)
        for ns, (a4, a6) in ((A, (LINUX_V4[0], LINUX_V6[0])), (B, (LINUX_V4[1], LINUX_V6[1]))):
            _run("ip", "-n", ns, "link", "set", "lo", "up")
            _run("ip", "-n", ns, "addr", "add", a4 + "/24", "dev", ns)
            _run("ip", "-n", ns, "addr", "add", a6 + "/64", "dev", ns, "nodad")
            # frames as on a real NIC: MTU-sized, and checksummed (a veth
            # passes the peer's partial checksums on, as a capture shows)
            _run("ip", "netns", "exec", ns, "ethtool", "-K", ns,
                 "gro", "off", "tso", "off", "gso", "off", "tx", "off")
            _run("ip", "-n", ns, "link", "set", ns, "up")
        for ns in (A, B):
            _wait(f"{ns} up", lambda ns=ns: "LOWER_UP" in
                  _run("ip", "-n", ns, "-o", "link", "show", "dev", ns).stdout)
            _wait(f"{ns}'s IPv6 address", lambda ns=ns: not
                  _run("ip", "-n", ns, "-6", "-o", "addr", "show", "dev", ns,
                       "tentative").stdout.strip())
        # its window scale follows its largest receive buffer: pinned (the
        # usual default), so its SYN+ACK is the same on every machine
        _run("ip", "netns", "exec", B, "sysctl", "-qw", "net.ipv4.tcp_rmem=4096 131072 6291456")
        self.serve(B, [LINUX_V4[1], LINUX_V6[1]])
        i = 0 if self.family == 4 else 1
        self.info = {
            "kind": "linux", "family": self.family, "tag": self.tag,
            "ns": A, "dev": A, "stack_ns": B,
            "addr": (LINUX_V4, LINUX_V6)[i][1], "client_addr": (LINUX_V4, LINUX_V6)[i][0],
            "echo_port": ECHO_PORT, "close_port": CLOSE_PORT, "closed_port": CLOSED_PORT,
        }


# ---------------------------------------------------------------- slirp

class slirp(_Stack):
    """libslirp's TCP, through slirp4netns (see the module's doc)."""
    kind = "slirp"

    def __init__(self, tag):
        super().__init__(tag)
        self.client, self.host = _names(tag, "sc", "sh")

    def setup(self):
        C, H = self.client, self.host
        exe = _which("slirp4netns")
        if not exe:
            raise StackError("slirp4netns is not installed")
        self.netns(C)
        self.netns(H)
        _run("ip", "-n", H, "link", "set", "lo", "up")
        # tap0 is born without IPv6: no router solicitation, no MLD report,
        # no fe80:: address (slirp's IPv6 stays off anyway)
        _run("ip", "netns", "exec", C, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
        self.serve(H, ["127.0.0.1"])

        # slirp4netns ends when the write end of its exit fd is closed: by
        # us, or by our death
        exit_r, exit_w = os.pipe()
        held = [exit_w]

        def close_exit():
            while held:
                os.close(held.pop())
        self.undo.append(("close slirp4netns' exit fd", close_exit))
        ready_r, ready_w = os.pipe()
        try:
            p = self.start("slirp4netns",
                           ["ip", "netns", "exec", H, exe,
                            "--configure", "--mtu", "1500", "--cidr", SLIRP_CIDR,
                            "--disable-dns", "--netns-type=path",
                            f"--ready-fd={ready_w}", f"--exit-fd={exit_r}",
                            f"/run/netns/{C}", "tap0"],
                           pass_fds=(ready_w, exit_r), first=close_exit)
        except BaseException:
            os.close(ready_r)
            raise
        finally:
            os.close(ready_w)
            os.close(exit_r)
        try:
            r, _, _ = select.select([ready_r], [], [], TIMEOUT)
            got = os.read(ready_r, 16) if r else b""
        finally:
            os.close(ready_r)
        if got[:1] != b"1":
            raise StackError(f"slirp4netns did not get ready: {_err(p)}")

        def configured():
            a = _run("ip", "-n", C, "-4", "-o", "addr", "show", "dev", "tap0").stdout
            r = _run("ip", "-n", C, "-4", "route", "show", "default").stdout
            return f"{SLIRP_CLIENT}/24" in a and SLIRP_GATEWAY in r
        _wait("tap0 configured", configured)
        self.info = {
            "kind": "slirp", "family": 4, "tag": self.tag,
            "ns": C, "dev": "tap0", "stack_ns": H,
            "addr": SLIRP_GATEWAY, "client_addr": SLIRP_CLIENT,
            "echo_port": ECHO_PORT, "close_port": CLOSE_PORT, "closed_port": CLOSED_PORT,
        }


# ---------------------------------------------------------------- the services

def _echo(c):
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break       # the peer's FIN: everything read was sent back
            c.sendall(d)
    except OSError:
        pass
    finally:
        c.close()


def _close_at_once(c):
    c.close()


def _accept(s, handler):
    while True:
        try:
            c, _ = s.accept()
        except OSError:
            time.sleep(0.01)
            continue
        threading.Thread(target=handler, args=(c,), daemon=True).start()


def serve(addrs):
    """Listen on ADDR:7 (echo) and ADDR:13 (close at once) for each address;
    print "ready"; end at EOF on stdin (our parent closed it, or died)."""
    for a in addrs:
        fam = socket.AF_INET6 if ":" in a else socket.AF_INET
        for port, handler in ((ECHO_PORT, _echo), (CLOSE_PORT, _close_at_once)):
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((a, port))
            s.listen(128)
            threading.Thread(target=_accept, args=(s, handler), daemon=True).start()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while sys.stdin.buffer.read(4096):
        pass
    os._exit(0)


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "serve" and sys.argv[2] == "--tag":
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # our parent ends us
        serve(sys.argv[4:])
    else:
        print("usage: stacks.py serve --tag TAG ADDR...  (run by the stacks module)",
              file=sys.stderr)
        sys.exit(2)
