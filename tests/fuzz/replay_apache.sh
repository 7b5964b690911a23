#!/bin/sh
# Replay the mod_status parser's fuzz corpus (see fuzz_apache.c).
exec "$top_builddir/tests/fuzz/replay_apache" "$top_srcdir/tests/fuzz/corpus/apache"
