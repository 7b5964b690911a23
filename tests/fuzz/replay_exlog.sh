#!/bin/sh
# Replay the mainlog parser's fuzz corpus (see fuzz_exlog.c).
exec "$top_builddir/tests/fuzz/replay_exlog" "$top_srcdir/tests/fuzz/corpus/exlog"
