#!/bin/sh
# run.sh - osm-policyd against postfwd1, postfwd2 and policyd-rate-limit,
# all in the same run on this machine, with osm-loadgen.
#
#   sh bench/run.sh [SECONDS [ROUNDS]]   (as root; default 3 s per
#                                         measurement, 3 rounds)
#
# Every server gets the same rate limit per SASL user (10,000,000 per 60 s)
# and the same Postfix END-OF-MESSAGE request.  Each measurement has
# senders of its own, so nothing triggers (one measurement would need
# 3,333,000/s for 3 s; at 1,000,000 osm-policyd on the unix socket at c=64
# passed it, and the report of a million events kept Redis busy for
# seconds, into the next measurement) and every request takes the
# counting path.
# osm-policyd keeps every counter in a real redis-server (unix socket);
# policyd-rate-limit uses its fastest mode, sqlite in memory.  Each
# server is measured on every transport it has: osm-policyd and
# policyd-rate-limit on a unix socket and on TCP, postfwd on TCP only;
# osm-policyd is compared with the fastest peer on the same transport.
# dunno-server, which answers DUNNO, does nothing else and sleeps between
# requests, shows what the sockets and this load generator cost on each
# transport (osm-policyd passes it at c=1, where it polls instead of
# sleeping).
# Concurrency 1, 8, 64; 1 and 10,000 keys.  With 10,000 keys each
# measurement follows a 1 s warm-up at 64 connections over the same
# keys, for every server alike.  The whole run is repeated ROUNDS times,
# each round with a fresh Redis and freshly started servers (the peers'
# databases grow with every request they count, so a round must not
# inherit the last one's), and the ratios compare each server's median
# over the rounds: this VM's speed drifts by a fifth within minutes, and
# one slow moment should not decide a ratio.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
secs=${1:-3}
rounds=${2:-3}
B="$top/build-bench"
W=$(mktemp -d /tmp/osm-bench.XXXXXX)
# As root, osm's programs read a configuration only where root alone
# can write (StrictModes: not below /tmp or /dev/shm), and keep the pid
# file in a root-owned directory: those go in $C; the status file in
# $C/daemon, which osm-policyd hands to its user.
C=$(mktemp -d /run/osm-bench-conf.XXXXXX)
chmod 755 "$C"
chmod 755 "$W"
pids=""
stop_servers() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	bench_kill "$W/postfwd1.pid" "$W/postfwd2.pid" "$W/prl.pid" "$W/prlu.pid"
	pkill -f "postfwd.*$W" 2>/dev/null || true
	bench_kill "$W/redis.pid"
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	pids=""
	sleep 1
	rm -rf "$W"/*.sock "$W"/*.pid "$W"/file* "$W"/prlu/file* "$W"/postfwd2.cache
}
cleanup() {
	stop_servers
	rm -rf "$W" "$C"
}
trap cleanup EXIT INT TERM

bench_build --bench policyd/osm-policyd bench/osm-loadgen bench/dunno-server
LG="$B/bench/osm-loadgen"

bench_conf '[ "unix:'"$W"'/osm.sock", "inet:127.0.0.1:10031" ]'
cat >> "$C/osm.yaml" <<EOC
triggers:
  default:
    logline: { events: 10000000, seconds: 60, actions: [store, hold] }
    logline:subject: { enabled: false }
EOC
chown nobody "$W"
cat > "$W/postfwd.cf" <<'EOC'
id=RATE; sasl_username=~/./; action=rate(sasl_username/10000000/60/450 4.7.1 rate limit exceeded)
id=DEFAULT; action=dunno
EOC
cat > "$W/prl.yaml" <<EOC
debug: False
user: "nobody"
group: "nogroup"
pidfile: "$W/prl.pid"
# its in-memory mode: a shared-cache sqlite memory database
sqlite_config: { database: "file:/osmbench?mode=memory&cache=shared", uri: True }
backend: 0
SOCKET: ["127.0.0.1", 10043]
limits: [[10000000, 60]]
limits_by_id: {}
limit_by_sasl: True
limit_by_sender: False
limit_by_ip: False
limited_networks: []
success_action: "dunno"
fail_action: "defer_if_permit Rate limit reach, retry later"
db_error_action: "dunno"
report: False
delay_to_close: 300
EOC
# The same on a unix socket (its default transport), with a database of its own.
sed -e "s|^pidfile: .*|pidfile: \"$W/prlu.pid\"|" -e 's|/osmbench?|/osmbenchu?|' \
	-e "s|^SOCKET: .*|SOCKET: \"$W/prl.sock\"\nsocket_permission: 0666|" "$W/prl.yaml" > "$W/prlu.yaml"
# Its own working directory: both would create "file:" there at once.
mkdir "$W/prlu"
chown nobody "$W/prlu"

# start_servers: a fresh Redis and every server, as at the start of a round
start_servers() {
	bench_redis
	"$B/policyd/osm-policyd" -f -c "$C/osm.yaml" 2>>"$W/osm.log" &
	pids="$pids $!"
	# postfwd runs as a daemon (without -d it reads requests on stdin).
	postfwd1 --file "$W/postfwd.cf" --interface 127.0.0.1 --port 10041 --user nobody --group nogroup \
		--daemon --noidlestats --pidfile "$W/postfwd1.pid" >/dev/null 2>&1
	postfwd2 --file "$W/postfwd.cf" --interface 127.0.0.1 --port 10042 --user nobody --group nogroup \
		--daemon --noidlestats --pidfile "$W/postfwd2.pid" --cache_socket "unix::$W/postfwd2.cache" \
		>/dev/null 2>&1
	(cd "$W" && exec policyd-rate-limit --file "$W/prl.yaml" >>"$W/prl.log" 2>&1) &
	pids="$pids $!"
	(cd "$W/prlu" && exec policyd-rate-limit --file "$W/prlu.yaml" >>"$W/prlu.log" 2>&1) &
	pids="$pids $!"
	"$B/bench/dunno-server" 10049 "$W/dunno.sock" &
	pids="$pids $!"
	sleep 3
}

nrun=0
run() {	# run NAME ADDRESS CONNS KEYS -> prints the loadgen line, returns rate
	nrun=$((nrun + 1))
	# Steady state: every server first sees each of the keys (1 s at 64
	# connections, unmeasured), as a busy mail server always has.
	[ "$4" -gt 1 ] && { "$LG" -c 64 -k "$4" -d 1 -s postfix -u "r${nrun}u" "$2" > /dev/null 2>&1 || true; }
	"$LG" -c "$3" -k "$4" -d "$secs" -s postfix -u "r${nrun}u" "$2" > "$W/lg.out" 2>&1 || true
	rate=$(sed -n 's/.* rate=\([0-9]*\)\/s.*/\1/p' "$W/lg.out")
	p50=$(sed -n 's/.* p50=\([0-9.]*ms\).*/\1/p' "$W/lg.out")
	p99=$(sed -n 's/.* p99=\([0-9.]*ms\).*/\1/p' "$W/lg.out")
	other=$(sed -n 's/.* other=\([0-9]*\).*/\1/p' "$W/lg.out")
	printf '%-24s c=%-3s k=%-6s %8s/s  p50 %9s  p99 %9s  non-DUNNO %s\n' "$1" "$3" "$4" \
		"${rate:-FAIL}" "${p50:--}" "${p99:--}" "${other:--}"
	echo "$1 $3 $4 ${rate:-0}" >> "$W/results"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.1f", a / b; else print "-" }'; }
rate_of() {	# rate_of SERVER TRANSPORT C K: the median over the rounds
	awk -v s="$1" -v t="$2" -v c="$3" -v k="$4" '$1==s && $2==t && $3==c && $4==k {print $5}' "$W/results" |
		sort -n | awk '{ r[NR] = $1 } END { if (NR) print (NR % 2) ? r[(NR + 1) / 2] : int((r[NR / 2] + r[NR / 2 + 1]) / 2) }'
}

echo "osm-policyd bench, $(nproc) cores, ${secs}s per run, $rounds rounds, $(date -u +%Y-%m-%dT%H:%MZ)"
for r in $(seq "$rounds"); do
	echo "round $r"
	start_servers
	for k in 1 10000; do
		for c in 1 8 64; do
			run "osm-policyd unix" "unix:$W/osm.sock" $c $k
			run "osm-policyd tcp" "inet:127.0.0.1:10031" $c $k
			run "postfwd1 tcp" "inet:127.0.0.1:10041" $c $k
			run "postfwd2 tcp" "inet:127.0.0.1:10042" $c $k
			run "policyd-rate-limit unix" "unix:$W/prl.sock" $c $k
			run "policyd-rate-limit tcp" "inet:127.0.0.1:10043" $c $k
			run "dunno-server unix" "unix:$W/dunno.sock" $c $k
			run "dunno-server tcp" "inet:127.0.0.1:10049" $c $k
		done
	done
	echo "redis keys after the round: $(redis-cli -s "$W/redis.sock" DBSIZE)"
	sleep 1.5	# the status file is rewritten every second
	echo "osm-policyd: $(grep -E '^(requests|answered_from_memory|batches)=' "$C/daemon/osm.status" | tr '\n' ' ')"
	stop_servers
done
echo
echo "ratios of the medians: osm-policyd against the fastest peer on the same transport, and dunno-server's"
for t in unix tcp; do
	for k in 1 10000; do
		for c in 1 8 64; do
			br=0 bn=-
			for peer in postfwd1 postfwd2 policyd-rate-limit; do
				pr=$(rate_of $peer $t $c $k)
				[ "${pr:-0}" -gt "$br" ] && br=$pr bn=$peer
			done
			printf '%-4s c=%-3s k=%-6s fastest peer %-18s %8s/s  osm %8s/s %5s x  dunno-server %8s/s %5s x\n' \
				$t $c $k "$bn" "$br" "$(rate_of osm-policyd $t $c $k)" "$(ratio "$(rate_of osm-policyd $t $c $k)" "$br")" \
				"$(rate_of dunno-server $t $c $k)" "$(ratio "$(rate_of dunno-server $t $c $k)" "$br")"
		done
	done
done
