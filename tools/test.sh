#!/bin/sh
# test.sh - install what is needed, build, and run the whole test suite:
#   1. a normal build with -Werror, then "make check" (unit, fuzz-corpus
#      replay, integration tests against real redis-server);
#   2. the same suite built with AddressSanitizer + UBSan;
#   3. a short libFuzzer run of every fuzz target (clang);
#   4. "make distcheck".
# Ends with "N passed, N failed" (", N skipped" follows when something
# was skipped); exits non-zero on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
B="$top/build-test"
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
pass=0 fail=0 skip=0

note() { printf '\n=== %s\n' "$*"; }
count_suite() {	# count_suite BUILDDIR: add the automake harness totals
	log="$1/test-suite.log"
	if [ ! -f "$log" ]; then fail=$((fail + 1)); return; fi
	p=$(sed -n 's/^# PASS: *//p' "$log"); f=$(sed -n 's/^# FAIL: *//p' "$log")
	e=$(sed -n 's/^# ERROR: *//p' "$log"); s=$(sed -n 's/^# SKIP: *//p' "$log")
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0} + ${e:-0})); skip=$((skip + ${s:-0}))
	grep -E '^(FAIL|ERROR):' "$log" | sed 's/^/  /'
}
step() {	# step NAME COMMAND...: one pass/fail for a whole step
	name=$1; shift
	if "$@" > "$B/$name.log" 2>&1; then
		pass=$((pass + 1)); echo "PASS: $name"
	else
		fail=$((fail + 1)); echo "FAIL: $name (see $B/$name.log)"; tail -20 "$B/$name.log"
	fi
}

note "dependencies"
sh tools/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
note "autoreconf"
autoreconf -fi > /dev/null 2>&1 || { echo "autoreconf failed"; echo "0 passed, 1 failed"; exit 1; }
rm -rf "$B"
mkdir -p "$B/plain" "$B/asan" "$B/fuzz"

note "build and test (gcc -Wall -Wextra -Werror)"
if (cd "$B/plain" && ../../configure -q && make -j2 CFLAGS="-O2 -g -Werror" > build.log 2>&1); then
	(cd "$B/plain" && make -j2 check CFLAGS="-O2 -g -Werror" > check.log 2>&1)
	grep -E '^(PASS|FAIL|ERROR|SKIP):' "$B/plain/check.log"
	count_suite "$B/plain"
else
	echo "FAIL: build"; tail -30 "$B/plain/build.log"; fail=$((fail + 1))
fi

note "build and test under AddressSanitizer + UndefinedBehaviorSanitizer"
if (cd "$B/asan" && ../../configure -q --enable-sanitizers CFLAGS="-O1 -g" && make -j2 > build.log 2>&1); then
	(cd "$B/asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		make -j2 check > check.log 2>&1)
	grep -E '^(PASS|FAIL|ERROR|SKIP):' "$B/asan/check.log" | sed 's/^/asan /'
	count_suite "$B/asan"
else
	echo "FAIL: asan build"; tail -30 "$B/asan/build.log"; fail=$((fail + 1))
fi

note "libFuzzer, ${FUZZ_SECONDS}s per target"
if (cd "$B/fuzz" && ../../configure -q --enable-fuzzing --enable-sanitizers CC=clang CFLAGS="-O1 -g" &&
	make -j2 tests/fuzz/fuzz_proto tests/fuzz/fuzz_cfg tests/fuzz/fuzz_exim tests/fuzz/fuzz_exlog \
		tests/fuzz/fuzz_report tests/fuzz/fuzz_pkt tests/fuzz/fuzz_apache tests/fuzz/fuzz_priv > build.log 2>&1); then
	for t in proto cfg exim exlog report pkt apache priv; do
		rm -rf "$B/fuzz/corpus-$t"; cp -r "$top/tests/fuzz/corpus/$t" "$B/fuzz/corpus-$t"
		step "fuzz_$t" "$B/fuzz/tests/fuzz/fuzz_$t" -max_total_time="$FUZZ_SECONDS" \
			-max_len=4096 -timeout=10 -artifact_prefix="$B/fuzz-$t-" "$B/fuzz/corpus-$t"
	done
else
	echo "FAIL: fuzz build"; tail -30 "$B/fuzz/build.log"; fail=$((fail + 1))
fi

note "make distcheck"
step distcheck sh -c "cd '$B/plain' && make -j2 distcheck"

echo
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
