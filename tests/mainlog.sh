# mainlog.sh - sourced by the osm-mainlog tests after lib.sh.
# ml_setup TRIGGER...: $LOG, and osm-policyd with Redis, the given
# trigger lines under "default:" and the other default triggers off;
# start_mainlog / stop_mainlog (stopped and checked as lib.sh's other
# daemons); offset (what the state file has read); caught_up [OFFSET]
# (until it reaches OFFSET, by default the log's size).
LOG="$T/mainlog"
ML_PID=""

ml_setup() {
	{
		echo 'socket_mode: "0666"'
		echo 'triggers:'
		echo '  default:'
		echo '    logline:subject: { enabled: false }'
		echo '    cwdcheck: { enabled: false }'
		echo '    cwdcheck:cwd: { enabled: false }'
		for t in "$@"; do echo "    $t"; done
		echo 'mainlog:'
		echo "  path: $LOG"
		echo "  state_file: $T/daemon/mainlog.state"
	} > "$T/extra.yaml"
	: > "$T/userdomains"
	write_config "$T/extra.yaml"
	start_redis
	start_policyd
	FAIL_LOGS="${FAIL_LOGS:-} $T/ml.log"
}

start_mainlog() {
	bg_start osm-mainlog "$T/ml.log" "$top_builddir/mainlog/osm-mainlog" -f -v -c "$CONF"
	ML_PID=$BG_PID
}

stop_mainlog() {
	bg_stop "$ML_PID"
	ML_PID=""
}

offset() { cut -d' ' -f3 "$T/daemon/mainlog.state" 2>/dev/null; }

caught_up() {
	want=${1:-$(stat -c %s "$LOG")}
	for _ in $(seq 1 200); do
		[ "$(offset)" = "$want" ] && return 0
		sleep 0.05
	done
	fail "osm-mainlog did not reach offset $want (at $(offset))"
}
