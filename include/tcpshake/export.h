/* TS_API marks what libtcpshake.so exports.
 *
 * The library is compiled with -fvisibility=hidden, so a function is part of
 * the shared library's interface only if its declaration in one of these
 * public headers carries TS_API; whatever the stages share among themselves
 * stays inside.  tests/install/symbols.py checks that every function these
 * headers declare is exported, and that nothing else is.  A program linking
 * the static library sees every symbol either way.
 */
#ifndef TCPSHAKE_EXPORT_H
#define TCPSHAKE_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define TS_API __attribute__((visibility("default")))
#else
#define TS_API
#endif

#endif
