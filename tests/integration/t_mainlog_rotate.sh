#!/bin/sh
# t_mainlog_rotate: osm-mainlog follows a log that gets 100,000 arrival
# lines, written as fast as python can, while it is rotated three times
# (copytruncate, rename + create, rename + create; the first two while
# osm-mainlog is stopped), osm-mainlog is restarted once and Redis
# hangs once: every arrival is counted exactly once in Redis, and
# osm-mainlog sent each exactly once.
tid="mainlog rotation"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/mainlog.sh"
: > "$LOG"
chmod 644 "$LOG"
ml_setup "logline: { events: 1000000, seconds: 3600, actions: [store] }"
write() {	# write FROM TO: arrival lines FROM..TO appended to the log
	python3 - "$LOG" "$1" "$2" <<'EOP'
import sys
path, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "a") as f:
    for n in range(a, b + 1):
        f.write('2026-11-23 10:00:00 [%d] 1xVNaa-%06d-AA <= ml@shop.example U=mlacct P=local S=300 '
                'T="message %d" for r@remote.example\n' % (1000 + n % 30000, n, n))
        if n % 500 == 0:
            f.flush()
EOP
}
start_mainlog
write 1 25000
# copytruncate: osm-mainlog must have seen the start of the file to know
# its copy (osm-mainlog(8), LIMITS), so let it read some first
caught_up
# ... then it is stopped while the log is copied and truncated, written,
# and renamed away: when it wakes up, the file it had open is shorter or
# starts differently, and is no longer at the path
kill -STOP "$ML_PID"
write 25001 25100
cp "$LOG" "$LOG.1"; : > "$LOG"					# copytruncate
write 25101 50000
mv "$LOG" "$LOG.2"; : > "$LOG"; chmod 644 "$LOG"		# rename + create
kill -CONT "$ML_PID"
write 50001 60000
stop_mainlog							# restart once
start_mainlog
write 60001 75000
mv "$LOG" "$LOG.3"; : > "$LOG"; chmod 644 "$LOG"		# rename + create
# Redis hangs past redis.timeout_ms (as on a saturated machine): what
# osm-policyd could not count, osm-mainlog sends again
kill -STOP "$(cat "$T/redis.pid")"
write 75001 100000
wait_until grep -q "could not count" "$T/ml.log" || fail "osm-mainlog sent nothing while redis hung"
kill -CONT "$(cat "$T/redis.pid")"

key='osm:test:{mlacct}:w:logline:mlacct:3600'
for _ in $(seq 1 300); do
	[ "$(rcli LLEN "$key")" -ge 100000 ] && break
	sleep 0.2
done
sleep 1
expect_eq "$(rcli LLEN "$key")" 100000 "every arrival counted once"
osmctl counters mlacct > "$T/c.txt"
expect_grep "logline  *mlacct  *100000 in 3600s" "$T/c.txt" "osmctl counts a window of 100,000 events"
stop_mainlog
sent=$(sed -n 's/.*exiting: \([0-9]*\) requests sent.*/\1/p' "$T/ml.log" | awk '{s += $1} END {print s}')
expect_eq "$sent" 100000 "osm-mainlog sent each arrival once (across the restart)"
expect_grep "finishing its copy" "$T/ml.log" "the copytruncate was noticed"
pass
