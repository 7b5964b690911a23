# lib.sh - shared by the bench scripts (sourced right after they set top).
#
# bench_build [--bench] TARGET...: install what is needed (--bench: the
# peers too), configure an optimized build in $B once, make TARGETs;
# leaves the caller in $B.
bench_build() {
	deps=
	if [ "$1" = --bench ]; then deps=--bench; shift; fi
	sh "$top/tools/install-deps.sh" $deps >/dev/null
	cd "$top"
	[ -x configure ] || autoreconf -fi >/dev/null 2>&1
	mkdir -p "$B"
	cd "$B"
	[ -f Makefile ] || "$top/configure" -q CFLAGS="-O2 -g"
	make -s -j2 "$@" >/dev/null
}

# bench_kill PIDFILE...: stop what the pid files name, if anything (for
# the cleanup traps: a process already gone is not an error).
bench_kill() {
	for f in "$@"; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
	done
}
