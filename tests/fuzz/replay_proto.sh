#!/bin/sh
# Replay the proto fuzz corpus through the parser (see fuzz_replay.c).
exec "$top_builddir/tests/fuzz/replay_proto" "$top_srcdir/tests/fuzz/corpus/proto"
