#!/usr/bin/env python3
"""libtcpshake.so exports exactly the functions the public headers declare.

The library is built with -fvisibility=hidden and the headers mark their
functions TS_API (include/tcpshake/export.h).  This compares the two sides:
- the functions declared in include/tcpshake/*.h, as the compiler sees them
  (gcc -aux-info lists every prototype with the file and line it is in;
  static inline helpers are definitions and are left out);
- the dynamic symbols the shared library defines (nm -D --defined-only).
Every declared function must be exported (a declaration without TS_API is
not), and every exported symbol must be a declared function, which also
means it starts with ts_.  With a C++ compiler, a C++ program taking the
address of every exported function must link against the library: a header
without its extern "C" block would ask for C++-mangled names.

    symbols.py LIBTCPSHAKE.so SRC_INCLUDE_DIR BUILD_INCLUDE_DIR
CC, CXX (may be empty) and NM name the tools.  Exits 77 when CC has no
-aux-info (it is GCC's).
"""
import glob
import os
import re
import shlex
import subprocess
import sys
import tempfile


def has_aux_info(cc, tmp):
    tu = os.path.join(tmp, 'probe.c')
    aux = os.path.join(tmp, 'probe.aux')
    with open(tu, 'w') as f:
        f.write('int ts_probe(void);\n')
    r = subprocess.run(cc + ['-aux-info', aux, '-fsyntax-only', tu], capture_output=True)
    return r.returncode == 0 and os.path.exists(aux) and 'ts_probe' in open(aux).read()


def declared(cc, src, gen, tmp):
    """{name: 'tcpshake/x.h:LINE'} of every function the headers declare."""
    out = {}
    src_real = os.path.realpath(src)
    for h in sorted(glob.glob(os.path.join(src, 'tcpshake', '*.h'))):
        tu = os.path.join(tmp, 'decl.c')
        aux = os.path.join(tmp, 'decl.aux')
        with open(tu, 'w') as f:
            f.write('#include <tcpshake/%s>\n' % os.path.basename(h))
        r = subprocess.run(cc + ['-std=c17', '-I' + src, '-I' + gen, '-aux-info', aux,
                                 '-fsyntax-only', tu], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit('symbols: %s: %s' % (h, r.stderr.strip()))
        # /* /path/include/tcpshake/track.h:258:NC */ extern void ts_track (...);
        # N/O: prototype or old style; C: a declaration (F: a definition).
        for line in open(aux):
            m = re.match(r'/\* (.+):(\d+):[NO]C \*/ (extern )?(.*?)(\w+) \(', line)
            if not m:
                continue
            path = os.path.realpath(m.group(1))
            if not path.startswith(src_real + os.sep) or m.group(4).startswith('static'):
                continue
            where = '%s:%s' % (os.path.relpath(path, src_real), m.group(2))
            out.setdefault(m.group(5), where)
    return out


def exported(nm, so):
    r = subprocess.run(nm + ['-D', '--defined-only', so], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit('symbols: nm %s: %s' % (so, r.stderr.strip()))
    syms = {}
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) == 3:
            syms[f[2].split('@')[0]] = f[1]
    return syms


def links_from_cxx(cxx, so, src, gen, names, tmp):
    """'' when a C++ program using every function links, else the errors."""
    tu = os.path.join(tmp, 'use.cc')
    with open(tu, 'w') as f:
        f.write('#include <cstdio>\n#include <tcpshake.h>\n'
                'typedef void (*fn)();\nstatic const fn all[] = {\n')
        for n in sorted(names):
            f.write('    reinterpret_cast<fn>(&%s),\n' % n)
        f.write('};\nint main() { std::printf("%zu\\n", sizeof all / sizeof all[0]); }\n')
    r = subprocess.run(cxx + ['-std=c++17', '-I' + src, '-I' + gen, tu, so,
                              '-o', os.path.join(tmp, 'use')],
                       capture_output=True, text=True)
    return '' if r.returncode == 0 else r.stderr


def main():
    so, src, gen = sys.argv[1:4]
    cc = shlex.split(os.environ.get('CC') or 'cc')
    cxx = shlex.split(os.environ.get('CXX') or '')
    nm = shlex.split(os.environ.get('NM') or 'nm')
    fails = 0
    with tempfile.TemporaryDirectory() as tmp:
        if not has_aux_info(cc, tmp):
            print('skip: %s has no -aux-info (it is GCC\'s)' % ' '.join(cc))
            sys.exit(77)
        decl = declared(cc, src, gen, tmp)
        syms = exported(nm, so)
        for name, where in sorted(decl.items()):
            if name not in syms:
                print('FAIL %s (%s) is declared but not exported: TS_API missing, '
                      'or not defined in the library' % (name, where))
                fails += 1
        for name, kind in sorted(syms.items()):
            if not name.startswith('ts_'):
                print('FAIL %s (nm type %s) is exported: every exported name starts '
                      'with ts_' % (name, kind))
                fails += 1
            elif name not in decl:
                print('FAIL %s (nm type %s) is exported but no public header declares '
                      'it' % (name, kind))
                fails += 1
        if cxx:
            # only what is exported: a missing export is reported above
            err = links_from_cxx(cxx, so, src, gen, [n for n in decl if n in syms], tmp)
            if err:
                print('FAIL a C++ program using every declared function does not link '
                      '(a header without extern "C"?):')
                print(''.join('    ' + l + '\n' for l in err.splitlines()[:20]), end='')
                fails += 1
    print('%d functions declared, %d symbols exported%s, %d failed'
          % (len(decl), len(syms), ', C++ link checked' if cxx else '', fails))
    sys.exit(1 if fails else 0)


if __name__ == '__main__':
    main()
