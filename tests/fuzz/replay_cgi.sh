#!/bin/sh
# Replay the web UI parser's fuzz corpus (see fuzz_cgi.c).
exec "$top_builddir/tests/fuzz/replay_cgi" "$top_srcdir/tests/fuzz/corpus/cgi"
