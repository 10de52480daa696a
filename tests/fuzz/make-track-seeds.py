#!/usr/bin/env python3
"""Write the hand-made seeds of fuzz_track into tests/fuzz/seeds-track/.

The layout is described at the top of fuzz_track.c: one configuration
byte, then 9 bytes per segment.  Each seed is one textbook exchange, so
that the fuzzer starts from every handshake and teardown variant instead
of having to find them.
"""
import os
import sys

S, F, R, P, A = 0x02, 0x01, 0x04, 0x08, 0x10
MS, SEC, LONG = 1 << 6, 2 << 6, 3 << 6  # time-step units (us when 0)


def seg(side, flags, seq, ack, ln=0, tup=0, epoch=0, step=1 | MS, win=0xfa,
        extra=0, port=0):
    """side 'c' or 's'; seq/ack relative to the sender's/receiver's ISN."""
    b0 = tup | (4 if side == 's' else 0) | epoch << 3
    return bytes([b0, flags, seq & 0xff, ack & 0xff, win, ln, step, extra, port])


def handshake(tup=0, epoch=0, ws=0):
    return [seg('c', S, 0, 0, tup=tup, epoch=epoch, extra=ws),
            seg('s', S | A, 0, 1, tup=tup, epoch=epoch, extra=ws),
            seg('c', A, 1, 1, tup=tup, epoch=epoch)]


# name: (configuration byte, segments).  Configuration: bits 0-2 pick
# max_conns (0: 1, 6: 100, 7: 1000), bit 3 short timeouts (2 s TIME_WAIT,
# 30 s idle).
SEEDS = {
    # handshake, data both ways, client closes (4 segments), TIME_WAIT ends
    'client-close': (0x08, handshake() + [
        seg('c', P | A, 1, 1, 10), seg('s', A, 1, 11),
        seg('s', P | A, 1, 11, 20), seg('c', A, 11, 21),
        seg('c', F | A, 11, 21), seg('s', A, 21, 12),
        seg('s', F | A, 21, 12), seg('c', A, 12, 22),
        seg('c', A, 12, 22, step=3 | SEC, extra=0x80)]),
    # FIN answered by FIN+ACK (teardown 2+3)
    'merged-close': (0x07, handshake() + [
        seg('s', F | A, 1, 1), seg('c', F | A, 1, 2), seg('s', A, 2, 2)]),
    # both FINs cross: CLOSING on both sides
    'simultaneous-close': (0x07, handshake() + [
        seg('c', F | A, 1, 1), seg('s', F | A, 1, 1),
        seg('c', A, 2, 2), seg('s', A, 2, 2)]),
    # both SYNs cross, then both SYN+ACKs
    'simultaneous-open': (0x07, [
        seg('c', S, 0, 0), seg('s', S, 0, 0),
        seg('c', S | A, 0, 1), seg('s', S | A, 0, 1), seg('c', A, 1, 1)]),
    # SYN answered by RST+ACK; then a stray RST
    'refused': (0x07, [
        seg('c', S, 0, 0), seg('s', R | A, 0, 1), seg('c', R, 1, 0, step=2 | SEC)]),
    # abort in ESTABLISHED, then data after the close
    'rst-abort': (0x07, handshake() + [
        seg('c', P | A, 1, 1, 5), seg('s', R, 1, 0), seg('c', P | A, 6, 1, 5)]),
    # half-close: data after the first FIN, retransmitted FIN
    'half-close': (0x07, handshake() + [
        seg('c', F | A, 1, 1), seg('s', A, 1, 2), seg('s', P | A, 1, 2, 50),
        seg('c', A, 2, 51), seg('s', F | A, 51, 2), seg('s', F | A, 51, 2),
        seg('c', A, 2, 52)]),
    # the same tuple again after TIME_WAIT, with a new ISN (port reuse)
    'port-reuse': (0x0f, handshake() + [
        seg('c', F | A, 1, 1), seg('s', F | A, 1, 2), seg('c', A, 2, 2),
        seg('c', S, 0, 0, epoch=1, step=1 | SEC), seg('s', S | A, 0, 1, epoch=1),
        seg('c', A, 1, 1, epoch=1)]),
    # four tuples at once with room for one: eviction, SYN retransmission
    'evict': (0x00, [seg('c', S, 0, 0, tup=t) for t in range(4)] +
              [seg('c', S, 0, 0, tup=0, step=1 | SEC), seg('s', S | A, 0, 1, tup=0)]),
    # IPv6 with window scale, a zero window and its probe, then idle
    'ipv6-zero-window': (0x07, handshake(tup=3, ws=2) + [
        seg('c', P | A, 1, 1, 100, tup=3), seg('s', A, 1, 101, tup=3, win=0),
        seg('c', P | A, 101, 1, 1, tup=3), seg('s', A, 1, 101, tup=3, win=0x10),
        seg('c', A, 101, 1, tup=3, step=2 | LONG, extra=0x80)]),
    # picked up midstream, SYN+ACK seen first, a duplicate and a bad checksum
    'midstream': (0x07, [
        seg('s', S | A, 0, 1, tup=1), seg('c', A, 1, 1, tup=1),
        seg('c', P | A, 1, 1, 8, tup=1), seg('s', P | A, 1, 9, 8, tup=2),
        bytes([0x02 | 0x20, P | A, 9, 9, 0xfa, 8, 1 | MS, 0, 0])]),
    # 120 SYNs from distinct ports, room for 100: the SYN-only ones are
    # squeezed into the compact form, answered ones promoted, the idlest
    # evicted; then a few of the first ones again
    'syn-flood': (0x06, [seg('c', S, 0, 0, tup=p % 2, port=p, step=50)
                         for p in range(120)] +
                  [seg('s', S | A, 0, 1, tup=p % 2, port=p, step=50)
                   for p in range(0, 120, 3)] +
                  [seg('c', A, 1, 1, tup=p % 2, port=p) for p in range(0, 120, 9)] +
                  [seg('c', R, 1, 0, tup=p % 2, port=p) for p in range(0, 30, 5)]),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'seeds-track')
    os.makedirs(out, exist_ok=True)
    for name, (cfg, segs) in SEEDS.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(bytes([cfg]) + b''.join(segs))


if __name__ == '__main__':
    main()
