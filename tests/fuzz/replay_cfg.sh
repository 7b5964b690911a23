#!/bin/sh
# Replay the cfg fuzz corpus through the parser (see fuzz_replay.c).
exec "$top_builddir/tests/fuzz/replay_cfg" "$top_srcdir/tests/fuzz/corpus/cfg"
