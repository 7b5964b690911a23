#!/bin/sh
# t_reload: -t reports every problem as file:line:column; SIGHUP with a
# broken config keeps the old one; SIGHUP with a good one applies it.
tid="reload"
. "$top_srcdir/tests/lib.sh"
cat > "$T/extra.yaml" <<'EOC'
triggers:
  default:
    logline: { events: 3, seconds: 60, actions: [store, hold] }
    logline:subject: { enabled: false }
EOC
write_config "$T/extra.yaml"
"$PD" -t -c "$CONF" > "$T/t.out" 2>&1 || fail "-t on a good config: $(cat "$T/t.out")"
expect_grep "configuration OK" "$T/t.out" "-t says OK"

cat > "$T/bad.yaml" <<'EOC'
mode: sometimes
triggers:
  default:
    logline: { events: -1, seconds: 60 }
  accounts:
    bob:
      logline: { actions: [store, explode] }
ignore:
  ips: [10.0.0.1/33]
  paths: ["(unclosed"]
colour: blue
EOC
"$PD" -t -c "$T/bad.yaml" > "$T/bad.out" 2>&1 && fail "-t accepted a broken config"
expect_grep "bad.yaml:1:7: mode: expected enforce or monitor, not 'sometimes'" "$T/bad.out" "mode error"
expect_grep "bad.yaml:4:24: triggers.default.logline: '-1' is not a whole number" "$T/bad.out" "events error"
expect_grep "bad.yaml:7:35: triggers.accounts.bob.logline: unknown action 'explode'" "$T/bad.out" "action error"
expect_grep "bad.yaml:9:9: ignore.ips: '10.0.0.1/33': bad prefix length" "$T/bad.out" "cidr error"
expect_grep "bad.yaml:10:11: ignore.paths: bad pattern '(unclosed'" "$T/bad.out" "pcre error"
expect_grep "bad.yaml:11:1: unknown key 'colour'" "$T/bad.out" "unknown key"
expect_eq "$(wc -l < "$T/bad.out")" 6 "one line per problem"
printf 'mode: [unclosed\n' > "$T/syntax.yaml"
"$PD" -t -c "$T/syntax.yaml" > "$T/syn.out" 2>&1 && fail "-t accepted a syntax error"
grep -q "^$T/syntax.yaml:2:1: " "$T/syn.out" || fail "syntax error position: $(cat "$T/syn.out")"

start_redis
start_policyd
cp "$CONF" "$T/good.yaml"
cat "$T/bad.yaml" >> "$CONF"
kill -HUP "$PD_PID"
sleep 0.3
kill -0 "$PD_PID" || fail "daemon died on a broken reload"
expect_grep "reload failed; the running configuration stays in force" "$T/pd.log" "broken reload logged"
expect_grep "unknown action 'explode'" "$T/pd.log" "reload logs the error"
burst 5 source=exim account=bob > "$T/out1"
expect_eq "$(grep -c '^action=HOLD' "$T/out1")" 2 "old trigger (3) still in force"

# A good config with a higher level for frank applies.
sed 's/events: 3,/events: 6,/' "$T/good.yaml" > "$CONF"
osmctl reload > /dev/null || fail "osmctl reload"
sleep 0.3
expect_grep "reloaded" "$T/pd.log" "reload logged"
burst 7 source=exim account=frank > "$T/out2"
expect_eq "$(grep -c '^action=DUNNO$' "$T/out2")" 6 "new trigger (6) in force"

# Busy polling follows busy_poll_us: never with 0; with it on, a client
# sending request after request finds the daemon polling.
polls() { sleep 1.2; sed -n 's/^busy_polls=//p' "$STATUS"; }
{ cat "$T/good.yaml"; echo "busy_poll_us: 0"; } > "$CONF"
osmctl reload > /dev/null || fail "osmctl reload (busy_poll_us 0)"
sleep 0.3
p0=$(polls)
burst 300 source=exim "account=g{i}" > /dev/null
p1=$(polls)
expect_eq "$p1" "$p0" "no busy polling with busy_poll_us 0"
{ cat "$T/good.yaml"; echo "busy_poll_us: 1000"; } > "$CONF"
osmctl reload > /dev/null || fail "osmctl reload (busy_poll_us 1000)"
sleep 0.3
burst 300 source=exim "account=h{i}" > /dev/null
p2=$(polls)
[ "$p2" -gt "$p1" ] || fail "busy polling answered no wait in 300 requests in a row: $p1 -> $p2"
# A client that asks once and closes (as the exim module's processes do)
# leaves the epoll set: its closed socket, which stays readable, must not
# keep the loop awake while its event is still on its way to Redis.
ask source=exim account=kay > /dev/null
p3=$(polls)
for i in 1 2 3 4 5 6 7 8 9 10; do
	ask source=exim account=kay > /dev/null
	sleep 0.05
done
p4=$(polls)
[ $((p4 - p3)) -lt 200 ] || fail "10 clients that asked once kept the loop awake: $p3 -> $p4 polled waits"
pass
