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

# bench_redis: a redis-server on $W/redis.sock, once it answers
bench_redis() {
	redis-server --port 0 --unixsocket "$W/redis.sock" --unixsocketperm 777 --save '' --appendonly no \
		--daemonize yes --dir "$W" --pidfile "$W/redis.pid" --logfile "$W/redis.log" > /dev/null
	for _ in $(seq 1 100); do
		[ "$(redis-cli -s "$W/redis.sock" ping 2>/dev/null)" = PONG ] && return 0
		sleep 0.05
	done
	echo "redis-server did not answer on $W/redis.sock" >&2
	return 1
}

# bench_conf LISTEN: the part of $C/osm.yaml every bench shares
# (osm-policyd as nobody, its Redis from bench_redis); the caller
# appends its triggers.
bench_conf() {
	cat > "$C/osm.yaml" <<EOC
server_name: bench
listen: $1
socket_mode: "0666"
user: nobody
pid_file: $C/osm.pid
status_file: $C/daemon/osm.status
redis: { address: "unix:$W/redis.sock" }
EOC
}
