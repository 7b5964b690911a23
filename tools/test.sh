#!/bin/sh
# test.sh - install what is needed, build, and run the whole test suite:
#   1. a normal build with -Werror, then "make distcheck": the release
#      tarball is built, and its "make check" (unit, fuzz-corpus replay,
#      integration tests against real redis-server) is the plain run;
#   2. the same suite built with AddressSanitizer + UBSan;
#   3. a short libFuzzer run of every fuzz target (clang), two at a time.
# Ends with "N passed, N failed" (", N skipped" follows when something
# was skipped); exits non-zero on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
B="$top/build-test"
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
pass=0 fail=0 skip=0

note() { printf '\n=== %s\n' "$*"; }
count_suite() {	# count_suite LOG DIR: add the totals the automake harness printed to
		# LOG; show the end of each failed test's log, kept in DIR
	grep -E '^(FAIL|ERROR):' "$1" | while read -r _ t; do
		echo "--- $t:"; tail -30 "$2/${t%.*}.log" 2>/dev/null
	done
	p=$(sed -n 's/^# PASS: *//p' "$1"); f=$(sed -n 's/^# FAIL: *//p' "$1")
	e=$(sed -n 's/^# ERROR: *//p' "$1"); s=$(sed -n 's/^# SKIP: *//p' "$1")
	[ -n "$p" ] || { fail=$((fail + 1)); echo "FAIL: no test summary in $1"; tail -20 "$1"; return; }
	pass=$((pass + p)); fail=$((fail + ${f:-0} + ${e:-0})); skip=$((skip + ${s:-0}))
}
tally() {	# tally NAME STATUS: one pass/fail for a whole step, its output in $B/NAME.log
	if [ "$2" -eq 0 ]; then
		pass=$((pass + 1)); echo "PASS: $1"
	else
		fail=$((fail + 1)); echo "FAIL: $1 (see $B/$1.log)"; tail -20 "$B/$1.log"
	fi
}
step() {	# step NAME COMMAND...
	name=$1; shift
	"$@" > "$B/$name.log" 2>&1
	tally "$name" $?
}
fuzz() {	# fuzz TARGET: a libFuzzer run on a copy of its corpus; status in $B/fuzz_TARGET.rc
	rm -rf "$B/fuzz/corpus-$1"; cp -r "$top/tests/fuzz/corpus/$1" "$B/fuzz/corpus-$1"
	"$B/fuzz/tests/fuzz/fuzz_$1" -max_total_time="$FUZZ_SECONDS" -max_len=4096 -timeout=10 \
		-artifact_prefix="$B/fuzz-$1-" "$B/fuzz/corpus-$1" > "$B/fuzz_$1.log" 2>&1
	echo $? > "$B/fuzz_$1.rc"
}

note "dependencies"
sh tools/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
note "autoreconf"
autoreconf -fi > /dev/null 2>&1 || { echo "autoreconf failed"; echo "0 passed, 1 failed"; exit 1; }
rm -rf "$B"
mkdir -p "$B/plain" "$B/asan" "$B/fuzz"

note "build (gcc -Wall -Wextra -Werror), then make distcheck and its tests"
if (cd "$B/plain" && ../../configure -q && make -j2 CFLAGS="-O2 -g -Werror" > build.log 2>&1); then
	step distcheck sh -c "cd '$B/plain' && make -j2 distcheck"
	grep -E '^(PASS|FAIL|ERROR|SKIP):' "$B/distcheck.log"
	count_suite "$B/distcheck.log" "$(echo "$B"/plain/osm-*/_build/sub)"
else
	echo "FAIL: build"; tail -30 "$B/plain/build.log"; fail=$((fail + 1))
fi

note "build and test under AddressSanitizer + UndefinedBehaviorSanitizer"
if (cd "$B/asan" && ../../configure -q --enable-sanitizers CFLAGS="-O1 -g" && make -j2 > build.log 2>&1); then
	(cd "$B/asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		make -j2 check > check.log 2>&1)
	grep -E '^(PASS|FAIL|ERROR|SKIP):' "$B/asan/check.log" | sed 's/^/asan /'
	count_suite "$B/asan/check.log" "$B/asan"
else
	echo "FAIL: asan build"; tail -30 "$B/asan/build.log"; fail=$((fail + 1))
fi

note "libFuzzer, ${FUZZ_SECONDS}s per target"
if (cd "$B/fuzz" && ../../configure -q --enable-fuzzing --enable-sanitizers CC=clang CFLAGS="-O1 -g" &&
	make -j2 tests/fuzz/fuzz_proto tests/fuzz/fuzz_cfg tests/fuzz/fuzz_exim tests/fuzz/fuzz_exlog \
		tests/fuzz/fuzz_report tests/fuzz/fuzz_pkt tests/fuzz/fuzz_apache tests/fuzz/fuzz_priv tests/fuzz/fuzz_rep tests/fuzz/fuzz_cgi > build.log 2>&1); then
	for pair in "proto cfg" "exim exlog" "report pkt" "apache priv" "rep cgi"; do	# one per core
		for t in $pair; do fuzz "$t" & done
		wait
		for t in $pair; do tally "fuzz_$t" "$(cat "$B/fuzz_$t.rc")"; done
	done
else
	echo "FAIL: fuzz build"; tail -30 "$B/fuzz/build.log"; fail=$((fail + 1))
fi

echo
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
