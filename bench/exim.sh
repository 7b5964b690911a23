#!/bin/sh
# exim.sh - what osm costs exim: messages/s accepted over SMTP with and
# without the osm ACL, in the same run.
#
#   sh bench/exim.sh [SECONDS]        (as root; default 5 s per measurement)
#
# Two exim daemons (Debian exim4-daemon-heavy) run the same configuration,
# acl-snippets/standalone/exim.conf with queue_only (acceptance only, no
# delivery): one as shipped, calling osm_check in acl_smtp_data, one with
# the osm lines removed.  osm-policyd counts every message in a real
# redis-server (limit 1,000,000 per 60 s, so nothing triggers).  The load
# generator bench/smtp-loadgen keeps C SMTP sessions sending from
# 127.0.0.1 (a relay host, so every message is osm's business).
#
# One session cannot pass 200 messages/s: exim 4.96 makes a message id
# unique by waiting, after each MAIL, for the next 5 ms tick of the id's
# time fraction (the setitimer + sigsuspend of exim_wait_tick, seen in
# strace), and a session is one process.  So each c gives at most c x 200
# messages/s, 5.0 ms each, whatever osm costs; the cost shows only where
# the two cores are busy and throughput stops growing with c.  c goes up
# to 128 for that; exim's listen backlog (default 20) and smtp_accept_max
# are raised so every session is accepted at once (a connection lost
# from a full accept queue would leave its session waiting for a banner).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
secs=${1:-5}
B="$top/build-bench"
# The spool on tmpfs: disk flushes would drown what osm costs.
W=$(mktemp -d /dev/shm/osm-exim-bench.XXXXXX)
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
	bench_kill "$W"/exim-*.pid "$W/redis.pid"
	sleep 0.5
	rm -rf "$W" "$C"
}
trap cleanup EXIT INT TERM

bench_build policyd/osm-policyd exim-dlfunc/osm_exim.so
cc -O2 -Wall -pthread -o "$W/smtp-loadgen" "$top/bench/smtp-loadgen.c"
install -m 644 exim-dlfunc/osm_exim.so "$W/osm_exim.so"

bench_redis
bench_conf '[ "unix:'"$W"'/osm.sock" ]'
cat >> "$C/osm.yaml" <<EOC
triggers:
  default:
    logline: { events: 1000000, seconds: 60, actions: [store, hold] }
    logline:subject: { enabled: false }
EOC
chown nobody "$W"
"$B/policyd/osm-policyd" -f -c "$C/osm.yaml" 2>"$W/osm.log" &
pids="$pids $!"

port=$((30000 + $$ % 10000))
start_exim() {	# start_exim NAME PORT [sed expression removing osm]
	mkdir -p "$W/$1/spool" "$W/$1/log"
	chown -R Debian-exim "$W/$1"
	sed -e "s|^OSM_DLFUNC = .*|OSM_DLFUNC = $W/osm_exim.so|" \
	    -e "s|^OSM_OPTIONS = .*|OSM_OPTIONS = socket=$W/osm.sock timeout=250|" \
	    -e "s|^SPOOL = .*|SPOOL = $W/$1/spool|" -e "s|^LOGDIR = .*|LOGDIR = $W/$1/log|" \
	    -e "s|^SMTP_PORT = .*|SMTP_PORT = $2|" -e "s|^AUTH_USERS = .*|AUTH_USERS = /dev/null|" \
	    -e "s|^smtp_accept_max = .*|smtp_accept_max = 1000|" \
	    -e "s|^primary_hostname = |queue_only = true\nsmtp_accept_max_per_connection = 0\nsmtp_connect_backlog = 1024\nprimary_hostname = |" \
	    ${3:+-e "$3"} "$top/acl-snippets/standalone/exim.conf" > "$W/$1/exim.conf"
	chmod 644 "$W/$1/exim.conf"
	/usr/sbin/exim4 -C "$W/$1/exim.conf" -bd -oX "$2" -oP "$W/exim-$1.pid"
}
start_exim osm $port
start_exim plain $((port + 1)) '/set acl_m_osm = \${dlfunc/d'
sleep 1

echo "exim + osm bench, $(nproc) cores, ${secs}s per run, $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
for c in 1 16 32 64 128; do
	for run in plain osm; do
		p=$port; [ $run = plain ] && p=$((port + 1))
		printf '%-6s c=%-3s ' "$run" "$c"
		"$W/smtp-loadgen" -c "$c" -d "$secs" 127.0.0.1 "$p" | tee "$W/$run-$c.out"
	done
	awk -v c="$c" '
		FNR == 1 { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[FILENAME, kv[1]] = kv[2] + 0 } }
		END {
			a = ARGV[1]; b = ARGV[2]
			printf "c=%-3s osm costs %.1f%% of throughput, %+.3f ms at the median\n", c,
				100 * (1 - v[b, "rate"] / v[a, "rate"]), v[b, "p50"] - v[a, "p50"]
		}' "$W/plain-$c.out" "$W/osm-$c.out"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -E "^(clients_total|batches|requests)=" "$C/daemon/osm.status"
echo "osm-policyd counted $(redis-cli -s "$W/redis.sock" --scan --pattern '*w:logline*' | head -1 |
	xargs -r redis-cli -s "$W/redis.sock" LLEN) messages; exim-osm log: $(grep -c 'osm osm_check' "$W/osm/log/mainlog" || true) module failures"
