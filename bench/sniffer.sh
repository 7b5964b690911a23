#!/bin/sh
# sniffer.sh - osm-sniffer at RATE connection attempts per second for SECS
# seconds, once per backend (pcap, ebpf):
#   - the share of attempts attributed to the account, and to the process;
#   - the CPU osm-sniffer used (percent of one core);
#   - the delay from the SYN to osm-policyd's answer (osm-sniffer's own
#     p50/p99, logged at exit).
# The peer, in the same run: tcpdump capturing the same SYNs with the same
# kernel filter into /dev/null (capture alone, no attribution): its CPU.
#
#   sh bench/sniffer.sh [RATE] [SECS]        (as root; default 1000 60)
#
# Two network namespaces joined by a veth (as tests/integration/t_sniffer.sh):
# a fake MTA with a 10 ms banner in one, clients in the other running as a
# test user, 20 processes sharing the rate, each connection reading the
# banner and sending QUIT.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
rate=${1:-1000}
secs=${2:-60}
B="$top/build-bench"
W=$(mktemp -d /tmp/osm-sniffer-bench.XXXXXX)
# As root, osm's programs read a configuration only where root alone
# can write (StrictModes: not below /tmp or /dev/shm), and keep the pid
# file in a root-owned directory: those go in $C; the status file in
# $C/daemon, which osm-policyd hands to its user.
C=$(mktemp -d /run/osm-bench-conf.XXXXXX)
chmod 755 "$C"
chmod 755 "$W"
NSH=osmbh$$ NSR=osmbr$$ U=osmbench$$
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	bench_kill "$W/redis.pid"
	sleep 0.3
	ip netns del "$NSH" 2>/dev/null || true
	ip netns del "$NSR" 2>/dev/null || true
	userdel "$U" 2>/dev/null || true
	[ -n "${KEEP:-}" ] && echo "kept $W $C" || rm -rf "$W" "$C"
}
trap cleanup EXIT INT TERM

bench_build --bench policyd/osm-policyd sniffer/osm-sniffer

for ns in "$NSH" "$NSR"; do
	ip netns add "$ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv4.ip_local_port_range="10000 65000"
	ip -n "$ns" link set lo up
done
ip link add "vh$$" netns "$NSH" type veth peer name "vr$$" netns "$NSR"
ip -n "$NSH" addr add 192.0.2.1/24 dev "vh$$"
ip -n "$NSR" addr add 192.0.2.2/24 dev "vr$$"
ip -n "$NSH" link set "vh$$" up
ip -n "$NSR" link set "vr$$" up
useradd -M -d "$W" -s /bin/sh "$U"
ip netns exec "$NSR" python3 "$top/tests/tools/smtp_fake.py" serve --delay=10 25 > "$W/mta.log" 2>&1 &
pids="$pids $!"
bench_redis
bench_conf '[ "unix:'"$W"'/pd.sock" ]'
cat >> "$C/osm.yaml" <<EOC
userdomains: $W/userdomains
min_uid: 1000
triggers:
  default:
    packet: { events: 1000000, seconds: 3600, actions: [store] }
    packet:cwd: { enabled: false }
EOC
: > "$W/userdomains"
"$B/policyd/osm-policyd" -f -c "$C/osm.yaml" > "$W/pd.log" 2>&1 &
pids="$pids $!"
sleep 1

# the load: 20 processes, each its share of the rate, paced
cat > "$W/load.py" <<'EOP'
import os, socket, sys, time
rate, secs, procs = float(sys.argv[1]), float(sys.argv[2]), 20
kids = []
for k in range(procs):
    pid = os.fork()
    if pid == 0:
        gap, t, end, ok = procs / rate, time.monotonic(), time.monotonic() + secs, 0
        while t < end:
            s = socket.socket()
            s.settimeout(5)
            try:
                s.connect(("192.0.2.2", 25)); s.recv(100); s.sendall(b"QUIT\r\n"); ok += 1
            except OSError:
                pass
            s.close()
            t += gap
            time.sleep(max(0, t - time.monotonic()))
        os._exit(min(ok, 255) if False else 0)
    kids.append(pid)
for p in kids:
    os.waitpid(p, 0)
EOP
cpu() {	# cpu PID: utime + stime in clock ticks
	awk '{print $14 + $15}' "/proc/$1/stat"
}
count() { redis-cli -s "$W/redis.sock" LLEN "osm:bench:{$U}:w:packet:$U:3600"; }
hz=$(getconf CLK_TCK)
echo "sniffer bench, $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ): $rate attempts/s for $secs s"
for backend in pcap ebpf; do
	sed -i "/^sniffer:/d" "$C/osm.yaml"
	echo "sniffer: { backend: $backend }" >> "$C/osm.yaml"
	before=$(count)
	ip netns exec "$NSH" "$B/sniffer/osm-sniffer" -f -c "$C/osm.yaml" > "$W/sn-$backend.log" 2>&1 &
	sn=$!
	sleep 1
	if ! grep -q "backend $backend" "$W/sn-$backend.log"; then
		echo "  $backend: not available here: $(head -1 "$W/sn-$backend.log")"
		kill "$sn" 2>/dev/null || true
		continue
	fi
	c0=$(cpu "$sn")
	ip netns exec "$NSH" setpriv --reuid="$U" --regid="$(id -g "$U")" --clear-groups \
		/usr/bin/python3 "$W/load.py" "$rate" "$secs"
	sleep 2
	c1=$(cpu "$sn")
	kill "$sn"; wait "$sn" || true
	got=$(($(count) - before))
	line=$(grep "exiting:" "$W/sn-$backend.log")
	att=$(echo "$line" | sed 's/.*, \([0-9]*\) attributed to an account.*/\1/')
	proc=$(echo "$line" | sed 's/.*, \([0-9]*\) with the process.*/\1/')
	tries=$(echo "$line" | sed 's/.*exiting: \([0-9]*\) attempts.*/\1/')
	delay=$(sed -n 's/.*delay SYN to osm-policyd: //p' "$W/sn-$backend.log")
	echo "  osm-sniffer $backend: $tries attempts seen, $got counted in Redis for the account" \
		"($(awk -v a="$got" -v t="$tries" 'BEGIN {printf "%.1f", t ? 100 * a / t : 0}')%)," \
		"$proc with pid/cwd ($(awk -v a="$proc" -v t="$att" 'BEGIN {printf "%.1f", t ? 100 * a / t : 0}')%)," \
		"CPU $(awk -v c=$((c1 - c0)) -v h="$hz" -v s="$secs" 'BEGIN {printf "%.2f", 100 * c / h / (s + 2)}')% of one core," \
		"delay $delay"
done

# the peer: tcpdump with the same kernel filter, capture only
filter="(outbound or ifindex 1) and ((ip and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and (tcp dst port 25 or tcp dst port 465 or tcp dst port 587)) or (ip6 and ip6[6] == 6 and ip6[53] & 0x12 == 0x02))"
ip netns exec "$NSH" tcpdump -i any -y LINUX_SLL2 --immediate-mode -w /dev/null "$filter" 2> "$W/tcpdump.log" &
td=$!
sleep 1
c0=$(cpu "$td")
ip netns exec "$NSH" setpriv --reuid="$U" --regid="$(id -g "$U")" --clear-groups \
	/usr/bin/python3 "$W/load.py" "$rate" "$secs"
sleep 2
c1=$(cpu "$td")
kill "$td"; wait "$td" 2>/dev/null || true
echo "  peer tcpdump (same filter, capture only): CPU $(awk -v c=$((c1 - c0)) -v h="$hz" -v s="$secs" \
	'BEGIN {printf "%.2f", 100 * c / h / (s + 2)}')% of one core; $(grep -o '[0-9]* packets captured' "$W/tcpdump.log")"
