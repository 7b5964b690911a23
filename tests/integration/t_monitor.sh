#!/bin/sh
# t_monitor: mode monitor records and reports but always answers DUNNO;
# discard gives DISCARD in enforce mode.
tid="monitor"
. "$top_srcdir/tests/lib.sh"
cat > "$T/extra.yaml" <<'EOC'
mode: monitor
triggers:
  default:
    logline: { events: 5, seconds: 60, actions: [store, discard] }
    logline:subject: { enabled: false }
EOC
write_config "$T/extra.yaml"
start_redis
start_policyd
burst 10 source=exim sasl_username=Info@Example.COM client_address=192.0.2.7 > "$T/out"
expect_eq "$(grep -c '^action=DUNNO$' "$T/out")" 10 "monitor mode answers DUNNO"
osmctl reports > "$T/r.txt"
expect_eq "$(grep -c 'info@example.com' "$T/r.txt")" 1 "monitor mode still reports"
id=$(awk '$4 == "logline" {print $1}' "$T/r.txt")
osmctl report "$id" > "$T/rep.txt"
expect_grep "(mode monitor)" "$T/rep.txt" "report says monitor"
expect_grep "verdict   none" "$T/rep.txt" "no verdict applied in monitor mode"
expect_grep 'ip="192.0.2.7"' "$T/rep.txt" "client IP recorded"
expect_eq "$(rcli EXISTS 'osm:test:{info@example.com}:verdict')" 0 "no verdict key in monitor mode"

# Same trigger in enforce mode: DISCARD.
sed -i 's/^mode: monitor/mode: enforce/' "$CONF"
kill -HUP "$PD_PID"
sleep 0.3
burst 8 source=exim sasl_username=sales@example.com client_address=192.0.2.8 > "$T/out2"
expect_eq "$(grep -c '^action=DUNNO$' "$T/out2")" 5 "enforce: 5 DUNNO"
expect_eq "$(grep -c '^action=DISCARD osm: email:sales@example.com discarded' "$T/out2")" 3 "enforce: then DISCARD"
pass
