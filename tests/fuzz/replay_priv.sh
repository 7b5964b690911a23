#!/bin/sh
# Replay the priv fuzz corpus through the helper's request parser (see fuzz_replay.c).
exec "$top_builddir/tests/fuzz/replay_priv" "$top_srcdir/tests/fuzz/corpus/priv"
