# lib.sh - shared helpers for the integration tests (sourced).
#
# Each test gets a private directory, its own redis-server on a unix
# socket and its own osm-policyd; everything is stopped and removed on
# exit (trap).  $T is the test's directory, $STATUS the daemon's status
# file.  Helpers: start_redis, stop_redis, write_config,
# start_policyd, stop_policyd, bg_start/bg_stop/bg_forget (other
# daemons), ask (one request), burst, fail, pass, expect_eq,
# expect_grep, osmctl, rcli.  Set tid= for messages, and
# FAIL_LOGS= to more log files a failure should show.  OSM_TEST_KEEP=1
# keeps the directory for a post-mortem.
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
PD="$top_builddir/policyd/osm-policyd"
CTL="$top_builddir/policyd/osmctl"
PCLIENT="$top_builddir/tests/tools/pclient"
# As root, the daemons read a configuration only if root alone could
# have written it and every directory above it (sshd's StrictModes):
# /tmp is world-writable, so a root run keeps its files below /run
# (root's, 0755), in a directory that stays root's.  What the daemons
# write after dropping to RUN_USER (the status file, osm-mainlog's
# state) goes in $T/daemon, which is RUN_USER's.
if [ "$(id -u)" = 0 ]; then TBASE=/run; else TBASE=/tmp; fi
T=$(mktemp -d "$TBASE/osm-test.XXXXXX")
chmod 755 "$T"
REDIS_SOCK="$T/redis.sock"
PD_SOCK="$T/policyd.sock"
CONF="$T/osm.yaml"
STATUS="$T/daemon/status"
PD_PID=""
RUN_USER=""
mkdir "$T/daemon"
if [ "$(id -u)" = 0 ]; then RUN_USER=nobody; chown nobody "$T/daemon"; fi

# Sanitizer reports go to files below $T/san, so that a daemon that
# closed its stderr (daemon mode) or dropped to RUN_USER still leaves one
# for cleanup to find.
mkdir -m 1777 "$T/san"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/san/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$T/san/ubsan"

# The daemons a test runs in the background, as "PID:NAME" words:
# cleanup stops each and fails the test if one exited non-zero or died
# of a signal.  A test that stops one itself uses bg_stop, or bg_forget
# when it kills one on purpose.
BG=""
bg_start() {	# bg_start NAME LOG CMD...: CMD in the background, output to LOG; pid in BG_PID
	_name=$1 _log=$2; shift 2
	"$@" >> "$_log" 2>&1 &
	BG_PID=$!
	BG="$BG $BG_PID:$_name"
}
bg_forget() {	# bg_forget PID
	_keep=""
	for _e in $BG; do [ "${_e%%:*}" = "$1" ] || _keep="$_keep $_e"; done
	BG=$_keep
}
bg_name() {
	for _e in $BG; do [ "${_e%%:*}" = "$1" ] && echo "${_e#*:}"; done
}
exit_text() {	# exit_text STATUS: how wait's STATUS reads
	if [ "$1" -gt 128 ]; then echo "killed by signal $(kill -l "$1")"; else echo "exited with $1"; fi
}
bg_stop() {	# bg_stop PID: SIGTERM, wait; fails the test unless it exits 0
	_name=$(bg_name "$1")
	kill "$1" 2>/dev/null
	wait "$1"; _rc=$?
	bg_forget "$1"
	[ "$_rc" -eq 0 ] || fail "${_name:-$1} $(exit_text "$_rc")"
}

cleanup() {
	bad=""
	for e in $BG; do
		kill "${e%%:*}" 2>/dev/null
		wait "${e%%:*}"; rc=$?	# each exits 0 on SIGTERM
		if [ "$rc" -ne 0 ]; then
			echo "FAIL: ${tid:-?}: ${e#*:} $(exit_text "$rc")" >&2
			bad=1
		fi
	done
	BG=""
	[ -f "$T/redis.pid" ] && kill -CONT "$(cat "$T/redis.pid")" 2>/dev/null
	[ -f "$T/redis.pid" ] && kill "$(cat "$T/redis.pid")" 2>/dev/null
	sleep 0.1
	# A sanitizer report from any daemon fails the test, though the
	# daemon's answers were right (under --enable-sanitizers).
	san=$(grep -r -a -l -E 'ERROR: (Address|Leak)Sanitizer|LeakSanitizer has encountered a fatal error|runtime error:' "$T" 2>/dev/null)
	for f in $san; do
		echo "FAIL: ${tid:-?}: sanitizer report in $f:" >&2
		grep -a -E -A12 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f" | head -40 >&2
		bad=1
	done
	[ -n "$bad" ] && OSM_TEST_KEEP=1
	if [ -n "${OSM_TEST_KEEP:-}" ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
	[ -z "$bad" ] || exit 1
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: ${tid:-?}: $*" >&2
	for f in "$T/pd.log" ${FAIL_LOGS:-}; do
		if [ -f "$f" ]; then echo "--- $f:" >&2; tail -30 "$f" >&2; fi
	done
	exit 1
}

pass() {
	echo "ok: ${tid:-?}"
}

wait_for() {	# wait_for FILE-TEST PATH (or 10 s)
	for _ in $(seq 1 200); do
		test "$1" "$2" && return 0
		sleep 0.05
	done
	return 1
}

wait_until() {	# wait_until COMMAND...: until it succeeds (or 10 s)
	for _ in $(seq 1 100); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

start_redis() {
	rm -f "$REDIS_SOCK"
	redis-server --port 0 --unixsocket "$REDIS_SOCK" --unixsocketperm 777 \
		--save '' --appendonly no --daemonize yes --dir "$T" \
		--pidfile "$T/redis.pid" --logfile "$T/redis.log" >/dev/null ||
		fail "cannot start redis-server"
	# the socket file exists from bind(), a connect before listen() is refused
	wait_until sh -c 'redis-cli -s "$1" ping 2>/dev/null | grep -qx PONG' - "$REDIS_SOCK" ||
		fail "redis-server did not answer on its socket"
}

stop_redis() {
	kill "$(cat "$T/redis.pid")"
	for _ in $(seq 1 100); do
		[ -S "$REDIS_SOCK" ] || break
		sleep 0.05
	done
	rm -f "$T/redis.pid"
}

rcli() {
	redis-cli -s "$REDIS_SOCK" "$@"
}

# write_config [EXTRA-YAML-FILE]: a base config plus extra top-level keys
write_config() {
	cat > "$CONF" <<EOC
server_name: test
listen:
  - unix:$PD_SOCK
user: "$RUN_USER"
pid_file: $T/osm-policyd.pid
status_file: $STATUS
userdomains: $T/userdomains
redis:
  address: unix:$REDIS_SOCK
  prefix: "osm:"
  timeout_ms: 200
EOC
	if [ $# -gt 0 ]; then cat "$1" >> "$CONF"; fi
}

start_policyd() {
	rm -f "$PD_SOCK"
	bg_start osm-policyd "$T/pd.log" "$PD" -f -c "$CONF"
	PD_PID=$BG_PID
	# the pid file is written after listen(); the socket file exists before
	wait_until grep -qsx "$PD_PID" "$(sed -n 's/^pid_file: //p' "$CONF")" ||
		fail "osm-policyd did not start (no pid file)"
}

stop_policyd() {	# returns its exit status
	kill "$PD_PID" 2>/dev/null
	wait "$PD_PID"
	rc=$?
	bg_forget "$PD_PID"
	PD_PID=""
	return $rc
}

# ask ATTR=VALUE...: one request over a new connection; prints the action
ask() {
	"$PCLIENT" -T 3000 "unix:$PD_SOCK" request=smtpd_access_policy "$@"
}

# burst N ATTR=VALUE...: N requests over one connection
burst() {
	n=$1; shift
	"$PCLIENT" -T 3000 -n "$n" "unix:$PD_SOCK" request=smtpd_access_policy "$@"
}

osmctl() {
	"$CTL" -c "$CONF" "$@"
}

expect_eq() {	# expect_eq GOT WANT WHAT
	[ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
}

expect_grep() {	# expect_grep PATTERN FILE WHAT
	grep -q -- "$1" "$2" || fail "$3: '$1' not found in $(cat "$2")"
}
