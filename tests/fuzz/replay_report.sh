#!/bin/sh
# Replay the report and spool header fuzz corpus (see fuzz_report.c).
exec "$top_builddir/tests/fuzz/replay_report" "$top_srcdir/tests/fuzz/corpus/report"
