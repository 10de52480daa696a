#!/usr/bin/env python3
"""Keep --help, the man pages and the shell completions from drifting apart.

  man-drift.py drift TCPSHAKE SOURCE_ROOT VERSION
  man-drift.py install BUILD_ROOT BINDIR MANDIR DATADIR [SCDOC]

drift: for tcpshake and each command, every option `tcpshake CMD --help`
names (--xyz and -x) must be an entry of docs/man/tcpshake-CMD.1.scd (a
line starting "*-"), of the bash completion's list and of the zsh
completion's specs.  The other way round, an option that only the man page
or a completion names (an alias such as --colour or --hop-limit, or --help)
must be one the command accepts: it is given to the command alone, which
must not call it unknown.  Every command of `tcpshake --help` must have its
page.  Also: --version prints "tcpshake VERSION", then libpcap's and
libnet's versions.  A completion whose shell (or bash-completion) is missing
is skipped, and said so.

install: `meson install --destdir` must put the binary, the eight man pages
(which must render without a warning from man) and both completions where
they belong.  Exits 77 when scdoc is missing (the pages are not built then).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

COMMANDS = ["trace", "craft", "connect", "listen", "replay", "script", "probe"]
# --xyz and -x, not inside a word (L-R, 4-tuple) and not a lone "-"
LONG = re.compile(r"(?<![\w-])--[a-z0-9][a-z0-9_-]*[a-z0-9]")
SHORT = re.compile(r"(?<![\w-])-[A-Za-z0-9](?![\w-])")
UNKNOWN = re.compile(r"unrecognized option|unknown option|invalid option|is ambiguous|"
                     r"unknown command")

fails = 0
oks = 0


def check(ok, what):
    global fails, oks
    if ok:
        oks += 1
    else:
        fails += 1
        print("FAIL " + what)


def options(text):
    return set(LONG.findall(text)) | set(SHORT.findall(text))


def help_text(exe, cmd):
    args = [exe] + ([cmd] if cmd else []) + ["--help"]
    p = subprocess.run(args, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       timeout=30)
    if p.returncode != 0:
        sys.exit(f"FAIL {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def man_entries(path):
    """The options of the page's entries: lines such as `*-r* _FILE_`."""
    with open(path, encoding="utf-8") as f:
        return options("\n".join(l for l in f if l.startswith("*-")))


def accepted(exe, cmd, opt, cache={}):
    """Does `tcpshake CMD OPT` know OPT?  Alone, an option cannot make any
    command do anything: each stops at a missing argument or source first
    (trace -D only lists the interfaces)."""
    key = (cmd, opt)
    if key not in cache:
        p = subprocess.run([exe] + ([cmd] if cmd else []) + [opt], capture_output=True,
                           text=True, stdin=subprocess.DEVNULL, timeout=30)
        cache[key] = not UNKNOWN.search(p.stderr)
    return cache[key]


def compare(exe, cmd, want, have, where):
    """want (from --help) must all be in have; what have adds must exist."""
    name = f"tcpshake {cmd}" if cmd else "tcpshake"
    for o in sorted(want - have):
        check(False, f"{name}: --help has {o}, {where} does not")
    for o in sorted(have - want):
        # getopt_long takes an unambiguous prefix: --time would pass
        longer = [x for x in want | have if x != o and x.startswith(o)]
        ok = not longer and accepted(exe, cmd, o)
        check(ok, f"{name}: {where} has {o}, which --help does not name and "
                  f"the command does not accept"
                  + (f" (only as a prefix of {longer[0]})" if longer else ""))
    if want <= have:
        check(True, "")


def bash_completions(src, line):
    """What completions/tcpshake.bash offers for the last word of line."""
    words = line.split(" ")
    script = (
        'source /usr/share/bash-completion/bash_completion\n'
        f'source "{src}/completions/tcpshake.bash"\n'
        'compopt() { :; }\n'  # only works inside a real completion
        'COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; shift\n'
        'COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n'
        '_tcpshake; printf "%s\\n" "${COMPREPLY[@]}"\n')
    p = subprocess.run(["bash", "-c", script, "bash", line] + words, capture_output=True,
                       text=True, timeout=30)
    return set(p.stdout.split())


def zsh_specs(src, func):
    """The _arguments specs of one of completions/_tcpshake's functions."""
    script = ('_arguments() { print -rl -- "$@" }; _describe() { : }\n'
              f'source "{src}/completions/_tcpshake" >/dev/null\n{func}\n')
    p = subprocess.run(["zsh", "-f", "-c", script], capture_output=True, text=True,
                       timeout=30)
    check(p.returncode == 0, f"zsh: {func}: {p.stderr.strip()}")
    return p.stdout.splitlines()


def zsh_options(specs):
    out = set()
    for s in specs:
        s = re.sub(r"^\([^)]*\)", "", s).lstrip("*")  # (exclusions), repeatable
        m = re.match(r"(--?[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?)", s)
        if m and s[0] == "-" and s not in ("-s", "-S", "-C"):
            out.add(m.group(1))
    return out


def drift(exe, src, version):
    exe, src = os.path.abspath(exe), os.path.abspath(src)  # the file checks chdir
    top = help_text(exe, None)
    cmds = re.findall(r"^  ([a-z]+) ", top.split("commands:")[1].split("\n\n")[0], re.M)
    check(cmds == COMMANDS, f"tcpshake --help lists {cmds}, this test knows {COMMANDS}")
    with open(f"{src}/docs/man/tcpshake.1.scd", encoding="utf-8") as f:
        page = f.read()
    for c in cmds:
        check(os.path.exists(f"{src}/docs/man/tcpshake-{c}.1.scd"),
              f"tcpshake {c}: no docs/man/tcpshake-{c}.1.scd")
        check(f"\n*{c}*\n" in page, f"tcpshake.1.scd: no entry for the command {c}")
        check(f"*tcpshake-{c}*(1)" in page, f"tcpshake.1.scd: no reference to tcpshake-{c}(1)")
    compare(exe, None, options(top), man_entries(f"{src}/docs/man/tcpshake.1.scd"),
            "tcpshake.1.scd")

    have_bash = shutil.which("bash") and os.path.exists(
        "/usr/share/bash-completion/bash_completion")
    have_zsh = shutil.which("zsh")
    if not have_bash:
        print("skip: the bash completion (no bash-completion package)")
    if not have_zsh:
        print("skip: the zsh completion (no zsh)")
    if have_bash:
        got = bash_completions(src, "tcpshake ")
        check(set(cmds) <= got, f"bash: tcpshake <TAB> offers {sorted(got)}")
        check({"--help", "--version"} <= got, "bash: tcpshake <TAB> lacks --help, --version")
    if have_zsh:
        specs = zsh_specs(src, "_tcpshake")
        check(any("-V" in s for s in specs) and any("--version" in s for s in specs),
              "zsh: tcpshake: no -V/--version")

    for c in cmds:
        want = options(help_text(exe, c))
        compare(exe, c, want, man_entries(f"{src}/docs/man/tcpshake-{c}.1.scd"),
                f"tcpshake-{c}.1.scd")
        # what --help names must exist too
        for o in sorted(want):
            check(accepted(exe, c, o), f"tcpshake {c}: --help names {o}, "
                                       f"which the command calls unknown")
        if have_bash:
            compare(exe, c, want, bash_completions(src, f"tcpshake {c} -"),
                    "the bash completion")
        if have_zsh:
            compare(exe, c, want, zsh_options(zsh_specs(src, f"_tcpshake_{c}")),
                    "the zsh completion")

    if have_bash:
        # files for -r, -w, --svg, --zeek-log; interfaces (and any) for -i
        with tempfile.TemporaryDirectory() as d:
            open(os.path.join(d, "x.pcap"), "w").close()
            cwd = os.getcwd()
            os.chdir(d)
            try:
                for opt in ["-r", "-w", "--svg", "--zeek-log"]:
                    got = bash_completions(src, f"tcpshake trace {opt} ")
                    check("x.pcap" in got, f"bash: trace {opt} <TAB> offers {sorted(got)}")
                for c, opt in [("craft", "-w"), ("connect", "-w"), ("connect", "--out"),
                               ("replay", "")]:
                    line = f"tcpshake {c} {opt} ".replace("  ", " ")
                    got = bash_completions(src, line)
                    check("x.pcap" in got, f"bash: {line}<TAB> offers {sorted(got)}")
            finally:
                os.chdir(cwd)
        got = bash_completions(src, "tcpshake trace -i ")
        check({"lo", "any"} <= got, f"bash: trace -i <TAB> offers {sorted(got)}")
        got = bash_completions(src, "tcpshake craft ")
        check("synack" in got, f"bash: craft <TAB> offers {sorted(got)}")

    # --version and -V: ours from meson, then the two libraries
    for flag in ["--version", "-V"]:
        p = subprocess.run([exe, flag], capture_output=True, text=True, timeout=30)
        lines = p.stdout.splitlines()
        check(p.returncode == 0 and len(lines) == 3 and lines[0] == f"tcpshake {version}"
              and lines[1].startswith("libpcap version ") and "libnet" in lines[2],
              f"tcpshake {flag}: exit {p.returncode}, {lines}")


def install(build, bindir, mandir, datadir, scdoc):
    if not scdoc:
        print("skip: no scdoc, so no man pages to install")
        sys.exit(77)
    meson = shutil.which("meson")
    if not meson:
        print("skip: no meson in PATH")
        sys.exit(77)
    with tempfile.TemporaryDirectory() as d:
        # --no-rebuild: meson test has built everything; a second ninja
        # in the same build directory must not run beside the tests
        p = subprocess.run([meson, "install", "-C", build, "--no-rebuild", "--quiet",
                            "--destdir", d], capture_output=True, text=True, timeout=120)
        check(p.returncode == 0, f"meson install: {p.stdout}{p.stderr}")
        root = lambda path: d + path  # the directories are absolute
        check(os.access(root(f"{bindir}/tcpshake"), os.X_OK), f"no {bindir}/tcpshake")
        for page in ["tcpshake"] + [f"tcpshake-{c}" for c in COMMANDS]:
            path = root(f"{mandir}/man1/{page}.1")
            if not os.path.exists(path):
                check(False, f"no {mandir}/man1/{page}.1")
                continue
            if shutil.which("man"):
                r = subprocess.run(["man", "--warnings", "-l", path], capture_output=True,
                                   text=True, timeout=60, env=dict(os.environ, MANWIDTH="80"))
                check(r.returncode == 0 and not r.stderr.strip() and page in r.stdout,
                      f"man -l {page}.1: exit {r.returncode}: {r.stderr.strip()}")
            else:
                check(True, "")
        for path in [f"{datadir}/bash-completion/completions/tcpshake",
                     f"{datadir}/zsh/site-functions/_tcpshake"]:
            check(os.path.isfile(root(path)), f"no {path}")


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "drift":
        drift(*sys.argv[2:5])
    elif len(sys.argv) >= 6 and sys.argv[1] == "install":
        install(*sys.argv[2:6], sys.argv[6] if len(sys.argv) > 6 else "")
    else:
        sys.exit(__doc__)
    print(f"{oks} passed, {fails} failed")
    sys.exit(1 if fails else 0)


main()
