#!/bin/sh
# Replay the frame decoder's fuzz corpus (see fuzz_pkt.c).
exec "$top_builddir/tests/fuzz/replay_pkt" "$top_srcdir/tests/fuzz/corpus/pkt"
