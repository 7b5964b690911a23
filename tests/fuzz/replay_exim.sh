#!/bin/sh
# Replay the exim module's fuzz corpus (see fuzz_exim.c).
exec "$top_builddir/tests/fuzz/replay_exim" "$top_srcdir/tests/fuzz/corpus/exim"
