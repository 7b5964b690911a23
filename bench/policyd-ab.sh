#!/bin/sh
# policyd-ab.sh - two osm-policyd builds, A and B, on the same request
# path, without the peers of run.sh: what one change to the request path
# costs.
#
#   sh bench/policyd-ab.sh A/osm-policyd B/osm-policyd [RUNS [SECONDS]]
#                                         (as root; default 3 runs, 3 s)
#
# Wall clock: RUNS alternating rounds, each with a fresh Redis and a
# freshly started server, of osm-loadgen -c 64 -k 1 -s postfix on TCP
# (run.sh's config: every request takes the counting path), printing
# each rate and each build's median.  Then instructions, which do not
# drift with this VM's speed: each build under callgrind answers 10 s of
# requests (osm-loadgen -c 8 -k 100, -s postfix and -s exim), and the
# instructions per request of osm-policyd and of pd_event_plan
# (inclusive) are printed.  RUNS 0: only the instruction counts.  osm-loadgen is taken from $LG (default: beside A's build,
# ../bench/osm-loadgen).
set -eu
A=$1 B=$2 runs=${3:-3} secs=${4:-3}
LG=${LG:-$(dirname "$A")/../bench/osm-loadgen}
W=$(mktemp -d /tmp/osm-ab.XXXXXX)
# As root, osm-policyd reads a configuration only where root alone can
# write (not below /tmp), and keeps its pid file there: those go in $C.
C=$(mktemp -d /run/osm-ab-conf.XXXXXX)
chmod 755 "$W" "$C"
pd=""
stop() {
	[ -n "$pd" ] && { kill "$pd" 2>/dev/null || true; wait "$pd" 2>/dev/null || true; }
	pd=""
	[ -f "$W/redis.pid" ] && kill "$(cat "$W/redis.pid")" 2>/dev/null || true
	sleep 0.5
	rm -f "$W"/*.sock "$W"/*.pid "$C"/*.pid
}
trap 'stop; rm -rf "$W" "$C"' EXIT INT TERM
bench_conf '[ "unix:'"$W"'/osm.sock", "inet:127.0.0.1:10031" ]'
cat >> "$C/osm.yaml" <<EOC
triggers:
  default:
    logline: { events: 10000000, seconds: 60, actions: [store, hold] }
    logline:subject: { enabled: false }
EOC
# Under callgrind it starts as nobody: a daemon that drops to its user
# itself could not write the profile that root opened.
sed -e 's/^user: nobody/user: ""/' -e "s|^pid_file: .*|pid_file: $W/osm.pid|" \
	-e "s|^status_file: .*|status_file: $W/daemon/osm.status|" "$C/osm.yaml" > "$C/osm-cg.yaml"
mkdir "$W/daemon" "$C/daemon"
chown nobody "$W" "$W/daemon" "$C/daemon"
conf=osm.yaml
start() {	# start BINARY [WRAPPER...]
	bin=$1; shift
	bench_redis
	"$@" "$bin" -f -c "$C/$conf" 2>>"$W/osm.log" &
	pd=$!
	for _ in $(seq 1 600); do [ -S "$W/osm.sock" ] && break; sleep 0.1; done
}
rate() { sed -n 's/.* rate=\([0-9]*\)\/s.*/\1/p'; }
median() { sort -n | awk '{ r[NR] = $1 } END { print (NR % 2) ? r[(NR + 1) / 2] : int((r[NR / 2] + r[NR / 2 + 1]) / 2) }'; }

: > "$W/A.rates"; : > "$W/B.rates"
for r in $(seq "$runs"); do
	for x in A B; do
		eval bin=\$$x
		start "$bin"
		n=$("$LG" -c 64 -k 1 -d "$secs" -s postfix -u "r${r}$x" inet:127.0.0.1:10031 2>&1 | rate)
		echo "round $r $x tcp c=64 k=1 ${n:-FAIL}/s"
		echo "${n:-0}" >> "$W/$x.rates"
		stop
	done
done
echo "median A $(median < "$W/A.rates")/s  B $(median < "$W/B.rates")/s"

conf=osm-cg.yaml
for style in postfix exim; do
	for x in A B; do
		eval bin=\$$x
		rm -f "$W"/cg.*
		start "$bin" setpriv --reuid=nobody --regid=nogroup --clear-groups \
			valgrind --tool=callgrind --callgrind-out-file="$W/cg.%p" -q
		# 10 s of requests; the status file counts them
		"$LG" -c 8 -k 100 -d 10 -s "$style" -u "cg$x" "unix:$W/osm.sock" > "$W/lg.$x" 2>&1 || true
		sleep 1.5
		req=$(sed -n 's/^requests=//p' "$W/daemon/osm.status")
		stop
		# the process that answered: the largest profile (it forks helpers)
		cg=$(ls -S "$W"/cg.* | head -1)
		tot=$(callgrind_annotate "$cg" 2>/dev/null | sed -n 's/^\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
		plan=$(callgrind_annotate --inclusive=yes "$cg" 2>/dev/null |
			sed -n 's/^ *\([0-9,]*\) .*:pd_event_plan .*/\1/p' | head -1 | tr -d ,)
		echo "callgrind $style $x: requests=$req osm-policyd Ir/request=$(awk -v t="$tot" -v n="$req" 'BEGIN{printf "%.0f", t / n}')" \
			"pd_event_plan (inclusive) Ir/request=$(awk -v t="$plan" -v n="$req" 'BEGIN{printf "%.0f", t / n}')"
	done
done
