#!/bin/sh
# Replay the report store parsers' fuzz corpus (see fuzz_rep.c).
exec "$top_builddir/tests/fuzz/replay_rep" "$top_srcdir/tests/fuzz/corpus/rep"
