/* libtcpshake, all of it: every public header.
 *
 * Build against it with pkg-config:
 *     cc prog.c $(pkg-config --cflags --libs tcpshake)
 * examples/verdicts.c is a small program using it.  Each header can also be
 * included on its own, as <tcpshake/NAME.h>.
 */
#ifndef TCPSHAKE_H
#define TCPSHAKE_H

#include "tcpshake/capture.h"
#include "tcpshake/communityid.h"
#include "tcpshake/craft.h"
#include "tcpshake/decode.h"
#include "tcpshake/drive.h"
#include "tcpshake/engine.h"
#include "tcpshake/export.h"
#include "tcpshake/filter.h"
#include "tcpshake/fsm.h"
#include "tcpshake/guard.h"
#include "tcpshake/inject.h"
#include "tcpshake/ladder.h"
#include "tcpshake/pcapng.h"
#include "tcpshake/render.h"
#include "tcpshake/script.h"
#include "tcpshake/probe.h"
#include "tcpshake/sink.h"
#include "tcpshake/stats.h"
#include "tcpshake/svg.h"
#include "tcpshake/track.h"
#include "tcpshake/verdict.h"
#include "tcpshake/version.h"
#include "tcpshake/zeeklog.h"

#endif
