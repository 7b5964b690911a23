#!/bin/sh
# mainlog.sh - the exim mainlog source: parse throughput against exim's
# eximstats on the same generated log, and catch-up time.
#
#   sh bench/mainlog.sh [LINES]        (as root; default 1,000,000)
#
# 1. bench/mainlog-gen.py writes a realistic mixed mainlog of LINES lines.
# 2. bench/exlog-bench parses it on one core (osm_exlog_parse alone, then
#    parse + the requests osm-mainlog would send); eximstats (Perl, ships
#    with exim) reads the same file; both are timed in the same run.
# 3. Catch-up: osm-mainlog starts with the whole file unread (as if it had
#    been stopped while the lines were appended) and feeds osm-policyd and
#    a real redis-server; the time until every line is handled.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
n=${1:-1000000}
B="$top/build-bench"
W=$(mktemp -d /tmp/osm-mainlog-bench.XXXXXX)
# As root, osm's programs read a configuration only where root alone
# can write (StrictModes: not below /tmp or /dev/shm), and keep the pid
# file in a root-owned directory: those go in $C; the status file in
# $C/daemon, which osm-policyd hands to its user.
C=$(mktemp -d /run/osm-bench-conf.XXXXXX)
chmod 755 "$C"
chmod 755 "$W"
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	bench_kill "$W/redis.pid"
	sleep 0.3
	rm -rf "$W" "$C"
}
trap cleanup EXIT INT TERM

bench_build policyd/osm-policyd mainlog/osm-mainlog bench/exlog-bench

python3 "$top/bench/mainlog-gen.py" "$n" "$W/mainlog"
echo "mainlog bench, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ): $(wc -l < "$W/mainlog") lines, $(du -m "$W/mainlog" | cut -f1) MB"
cat "$W/mainlog" > /dev/null				# page cache for both
"$B/bench/exlog-bench" "$W/mainlog"
t0=$(date +%s.%N)
eximstats -txt "$W/mainlog" > "$W/eximstats.txt" 2>/dev/null
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v n="$(wc -l < "$W/mainlog")" \
	'BEGIN { printf "eximstats: %.3fs %.0f lines/s\n", b - a, n / (b - a) }'

bench_redis
bench_conf '[ "unix:'"$W"'/osm.sock" ]'
cat >> "$C/osm.yaml" <<EOC
triggers:
  default:
    logline: { events: 1000000, seconds: 3600, actions: [store] }
mainlog: { path: $W/mainlog, state_file: $W/state }
EOC
chown nobody "$W"
sleep 0.5
"$B/policyd/osm-policyd" -f -c "$C/osm.yaml" 2>"$W/osm.log" &
pids="$pids $!"
sleep 0.5
size=$(stat -c %s "$W/mainlog")
t0=$(date +%s.%N)
"$B/mainlog/osm-mainlog" -f -c "$C/osm.yaml" 2>"$W/ml.log" &
ml=$!
pids="$pids $ml"
while [ "$(cut -d' ' -f3 "$W/state" 2>/dev/null || echo 0)" != "$size" ]; do sleep 0.05; done
t1=$(date +%s.%N)
req=$(sed -n 's/^requests=//p' "$C/daemon/osm.status")
sleep 1.1
req=$(sed -n 's/^requests=//p' "$C/daemon/osm.status")
awk -v a="$t0" -v b="$t1" -v n="$(wc -l < "$W/mainlog")" -v r="$req" \
	'BEGIN { printf "catch-up: %d lines (%d requests to osm-policyd, counted in redis) in %.2fs: %.0f lines/s\n", n, r, b - a, n / (b - a) }'
