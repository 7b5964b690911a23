#!/bin/sh
# t_redis_outage: Redis killed mid-run gives DUNNO within the timeout
# (DEFER with fail: closed), is logged once and counted, and counting
# resumes when Redis is back; a hung Redis (SIGSTOP) is bounded too.
tid="redis outage"
. "$top_srcdir/tests/lib.sh"
cat > "$T/extra.yaml" <<'EOC'
triggers:
  default:
    logline: { events: 5, seconds: 60, actions: [store, hold] }
    logline:subject: { enabled: false }
EOC
write_config "$T/extra.yaml"
start_redis
start_policyd
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

# Back: counting resumes (Redis lost its memory: no persistence in tests).
start_redis
sleep 0.4
burst 7 source=exim account=dave > "$T/up.out"
expect_eq "$(grep -c '^action=DUNNO$' "$T/up.out")" 5 "counting resumed after restart"
expect_eq "$(grep -c '^action=HOLD' "$T/up.out")" 2 "hold after restart"
expect_grep "connected" "$T/pd.log" "reconnect logged"

# Hung Redis: accepts but never answers.  Each batch is bounded by
# timeout_ms; after that the outage backoff answers at once.
kill -STOP "$(cat "$T/redis.pid")"
start=$(date +%s%N)
burst 5 source=exim account=erin > "$T/hung.out" || fail "requests failed with hung redis"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "$(grep -c '^action=DUNNO$' "$T/hung.out")" 5 "hung redis: DUNNO"
[ "$ms" -lt 1500 ] || fail "5 requests took $ms ms with hung redis"
kill -CONT "$(cat "$T/redis.pid")"

# fail: closed answers DEFER.
stop_redis
sed -i 's/^server_name: test/server_name: test\nfail: closed/' "$CONF"
kill -HUP "$PD_PID"
sleep 0.3
expect_eq "$(ask source=exim account=dave)" "action=DEFER osm: policy service unavailable, try again later" "fail closed answers DEFER"
kill -0 "$PD_PID" || fail "daemon died"
pass
