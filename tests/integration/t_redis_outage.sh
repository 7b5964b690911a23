#!/bin/sh
# t_redis_outage: Redis killed mid-run gives DUNNO within the timeout
# (DEFER with fail: closed), is logged once and counted, and counting
# resumes as soon as Redis is back; a hung Redis (SIGSTOP) under many
# concurrent clients costs each request at most the timeout, and
# nothing at all once the outage is known, reconnects included.
tid="redis outage"
. "$top_srcdir/tests/lib.sh"
cat > "$T/extra.yaml" <<'EOC'
triggers:
  default:
    logline: { events: 5, seconds: 60, actions: [store, hold] }
    logline:subject: { enabled: false }
EOC
write_config "$T/extra.yaml"
# A long timeout: a reconnect that blocked the loop would stall requests
# for all of it, far above what the bounds below allow.
sed -i 's/timeout_ms: 200/timeout_ms: 500/' "$CONF"
start_redis
start_policyd
PCONC="python3 $top_srcdir/tests/tools/pconc.py"
field() {	# field NAME FILE: NAME=VALUE of pconc's line
	sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" "$2"
}
below() {	# below VALUE LIMIT: VALUE (a decimal) < LIMIT
	awk -v v="$1" -v l="$2" 'BEGIN { exit !(v != "" && v + 0 < l) }'
}
counted() {	# counted ACCOUNT: its event is in a window
	[ -n "$(rcli --scan --pattern "*{$1}:w:*")" ]
}
burst 3 source=exim account=dave > /dev/null
stop_redis

start=$(date +%s%N)
burst 20 source=exim account=dave > "$T/down.out" || fail "requests failed while redis is down"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "$(grep -c '^action=DUNNO$' "$T/down.out")" 20 "fail open answers DUNNO"
[ "$ms" -lt 2000 ] || fail "20 requests took $ms ms with redis down"
kill -0 "$PD_PID" || fail "daemon died"
expect_eq "$(grep -c 'unreachable' "$T/pd.log")" 1 "outage logged once"
sleep 1.2
osmctl status > "$T/st.txt" && fail "status exit 0 with redis down"
expect_grep "redis_outages  1" "$T/st.txt" "outage counted in status"
expect_grep "redis_up       0" "$T/st.txt" "status shows redis down"
# Redis stays dead for 3.6 s in all, under 16 clients: nothing waits.
$PCONC -c 16 -d 2.3 -p 5 "unix:$PD_SOCK" request=smtpd_access_policy source=exim 'account=d{c}x{i}' > "$T/dead.out"
expect_eq "$(field action_DUNNO "$T/dead.out")" "$(field sent "$T/dead.out")" "redis dead: every request DUNNO ($(cat "$T/dead.out"))"
below "$(field max_ms "$T/dead.out")" 250 || fail "redis dead: a request waited: $(cat "$T/dead.out")"

# Back: counting resumes within moments, not at the next step of a
# backoff grown over the outage (Redis lost its memory: no persistence).
start_redis
t0=$(date +%s%N)
n=0
until [ "$(ask source=exim "account=back$n")" = "action=DUNNO" ] && counted "back$n"; do
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 6000 ] || fail "counting did not resume within 6 s"
	n=$((n + 1))
	sleep 0.02
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
# the old code resumed at its next backoff step, 3.2 s here; 50 ms
# retries do it at once, plus what starting the clients above costs on
# a busy machine (808 ms once under ASan with the load at 8)
[ "$ms" -lt 1500 ] || fail "counting resumed $ms ms after redis came back"
burst 7 source=exim account=dave > "$T/up.out"
expect_eq "$(grep -c '^action=DUNNO$' "$T/up.out")" 5 "counting resumed after restart"
expect_eq "$(grep -c '^action=HOLD' "$T/up.out")" 2 "hold after restart"
expect_grep "connected" "$T/pd.log" "reconnect logged"

# Hung Redis: accepts but never answers.  32 clients, each request a new
# sender, so each one waits for the script: those in flight when Redis
# stops get DUNNO after timeout_ms, the ones after that at once, while
# the daemon keeps probing the hung Redis.
$PCONC -c 32 -d 3 -p 2 "unix:$PD_SOCK" request=smtpd_access_policy source=exim 'account=h{c}x{i}' > "$T/hang.out" &
load=$!
sleep 0.5
kill -STOP "$(cat "$T/redis.pid")"
wait "$load"
expect_eq "$(field timeouts "$T/hang.out")/$(field closed "$T/hang.out")" "0/0" "hung redis: no client gave up ($(cat "$T/hang.out"))"
expect_eq "$(field action_DUNNO "$T/hang.out")" "$(field sent "$T/hang.out")" "hung redis: every request DUNNO"
below "$(field max_ms "$T/hang.out")" 700 || fail "hung redis: a request waited longer than timeout_ms 500: $(cat "$T/hang.out")"
$PCONC -c 32 -d 2.5 -p 2 "unix:$PD_SOCK" request=smtpd_access_policy source=exim 'account=i{c}x{i}' > "$T/hung.out"
expect_eq "$(field action_DUNNO "$T/hung.out")" "$(field sent "$T/hung.out")" "redis still hung: every request DUNNO ($(cat "$T/hung.out"))"
below "$(field max_ms "$T/hung.out")" 250 || fail "redis still hung: a request waited: $(cat "$T/hung.out")"
kill -0 "$PD_PID" || fail "daemon died"
expect_eq "$(grep -c 'unreachable' "$T/pd.log")" 2 "second outage logged once"
kill -CONT "$(cat "$T/redis.pid")"
n=0
resumed() { n=$((n + 1)); ask source=exim "account=cont$n" > /dev/null; counted "cont$n"; }
wait_until resumed || fail "counting did not resume after the hung redis went on"

# fail: closed answers DEFER.
stop_redis
sed -i 's/^server_name: test/server_name: test\nfail: closed/' "$CONF"
kill -HUP "$PD_PID"
sleep 0.3
expect_eq "$(ask source=exim account=dave)" "action=DEFER osm: policy service unavailable, try again later" "fail closed answers DEFER"
kill -0 "$PD_PID" || fail "daemon died"
pass
