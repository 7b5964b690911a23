#!/bin/sh
# t_burst: a burst past the trigger gives exactly one report with the
# right events, HOLD afterwards for that sender only, until release.
tid="burst"
. "$top_srcdir/tests/lib.sh"
cat > "$T/extra.yaml" <<'EOC'
triggers:
  default:
    logline: { events: 10, seconds: 60, actions: [store, report, hold] }
    logline:subject: { enabled: false }
    cwdcheck:cwd: { enabled: false }
EOC
write_config "$T/extra.yaml"
start_redis
start_policyd

burst 15 source=exim account=bob "subject=Cheap meds {i}" cwd=/home/bob/public_html/wp \
	"message_id=1q2w3e-0000{i}-AB" script=/home/bob/public_html/wp/mailer.php > "$T/bob.out"
# The other account, interleaved afterwards, is not affected.
burst 5 source=exim account=alice subject=Newsletter > "$T/alice.out"

expect_eq "$(head -10 "$T/bob.out" | grep -c '^action=DUNNO$')" 10 "first 10 of bob answered DUNNO"
expect_eq "$(tail -5 "$T/bob.out" | grep -c '^action=HOLD osm: account:bob held by report ')" 5 "messages 11-15 of bob held"
expect_eq "$(grep -c '^action=DUNNO$' "$T/alice.out")" 5 "alice unaffected"

osmctl reports > "$T/reports.txt" || fail "osmctl reports"
expect_eq "$(grep -c ' logline ' "$T/reports.txt")" 1 "exactly one logline report"
id=$(awk '$4 == "logline" {print $1}' "$T/reports.txt")
grep -q "report $id" "$T/bob.out" || fail "HOLD reply names report $id"
osmctl report "$id" > "$T/report.txt" || fail "osmctl report $id"
expect_grep "trigger   11 events in 60 s exceeded 10" "$T/report.txt" "report trigger line"
expect_eq "$(grep -c 'account="bob"' "$T/report.txt")" 11 "report holds the 11 events that exceeded"
expect_grep 'subject="Cheap meds 0"' "$T/report.txt" "first event's subject"
expect_grep 'subject="Cheap meds 10"' "$T/report.txt" "11th event's subject"
expect_grep 'cwd="/home/bob/public_html/wp"' "$T/report.txt" "cwd in report"
expect_grep 'script="/home/bob/public_html/wp/mailer.php"' "$T/report.txt" "script in report"
expect_grep 'message_id="1q2w3e-000010-AB"' "$T/report.txt" "message id in report"
expect_grep "verdict   HOLD account:bob" "$T/report.txt" "verdict recorded"
expect_grep "actions   store,report,hold" "$T/report.txt" "actions recorded"
osmctl report "$id" --json > "$T/report.json"
expect_grep '"count": 11' "$T/report.json" "json count"

# Redis holds it where the README says.
expect_eq "$(rcli HGET 'osm:test:{bob}:verdict' account:bob | cut -d' ' -f1)" HOLD "verdict key in redis"
expect_eq "$(rcli EXISTS "osm:test:{bob}:report:$id")" 1 "report key in redis"
# Held mail is not counted again: the window restarted empty and stays so.
expect_eq "$(rcli LLEN 'osm:test:{bob}:w:logline:bob:60')" 0 "window consumed, held mail not counted"

osmctl release bob > "$T/release.txt" || fail "osmctl release"
expect_grep "released account:bob" "$T/release.txt" "release output"
expect_eq "$(ask source=exim account=bob subject=hi)" "action=DUNNO" "released sender answered DUNNO"
expect_eq "$(rcli LLEN 'osm:test:{bob}:w:logline:bob:60')" 1 "counting restarts after release"
osmctl release bob | grep -q "is not held" || fail "second release says not held"

# Status reflects the work.
sleep 1.2
osmctl status > "$T/status.txt" || fail "osmctl status exit code"
expect_grep "requests       21" "$T/status.txt" "status request count"
expect_grep "hold           5" "$T/status.txt" "status hold count"
# Known DUNNOs did not wait for Redis: bob's 2nd-10th and alice's 2nd-5th
# (the 11th of bob might fire, so it waited, and a held sender waits).
expect_grep "answered_from_memory 13" "$T/status.txt" "status answered from memory"
expect_grep "daemon: running" "$T/status.txt" "status daemon"
if [ -n "$RUN_USER" ]; then
	expect_eq "$(ps -o user= -p "$PD_PID")" "$RUN_USER" "daemon dropped privileges"
fi

# Postfix's requests carry no message id: once the shadow knows the
# sender, its events go to Redis as plain RPUSHes without the script.  They
# are still counted one by one, the list keeps its idle expiry, and the
# request that passes the level still fires with every event in it.
pf="protocol_state=END-OF-MESSAGE sasl_username=carol@shop.example client_address=192.0.2.7"
lk='osm:test:{carol@shop.example}:w:logline:carol@shop.example:60'
burst 10 $pf "instance=pf{i}" > "$T/carol.out"
expect_eq "$(grep -c '^action=DUNNO$' "$T/carol.out")" 10 "carol's first 10 answered DUNNO"
wait_until [ "$(rcli LLEN "$lk")" = 10 ]
expect_eq "$(rcli LLEN "$lk")" 10 "10 events counted"
ttl=$(rcli PTTL "$lk")
[ "$ttl" -gt 60000 ] && [ "$ttl" -le 70000 ] || fail "the window list expires when idle, 10 s after its interval: PTTL $ttl"
sleep 1.2
osmctl status > "$T/status.txt"
expect_grep "answered_from_memory 22" "$T/status.txt" "carol's 2nd-10th answered from memory (and counted plainly)"
burst 3 $pf "instance=pf1{i}" > "$T/carol2.out"
expect_eq "$(grep -c '^action=HOLD osm: email:carol@shop.example held by report ' "$T/carol2.out")" 3 \
	"the 11th fires (through the script) and is held, and so are the ones after it"
id=$(osmctl reports | awk '$4 == "logline" && $5 ~ /carol/ {print $1}')
[ -n "$id" ] || fail "no report for carol: $(osmctl reports)"
osmctl report "$id" > "$T/carol.txt"
expect_eq "$(grep -c 'email="carol@shop.example"' "$T/carol.txt")" 11 "the report holds all 11 events"
expect_eq "$(rcli EXISTS "$lk")" 0 "the window was consumed"
stop_policyd || fail "SIGTERM exit status"
# as root the socket stays in the root-owned run directory the daemon,
# now its user, cannot change; the next start replaces it
ask source=exim account=bob > /dev/null 2>&1 && fail "still answering after SIGTERM"

# Without -f it daemonizes; SIGHUP and SIGTERM still reach it.
"$PD" -c "$CONF" 2>>"$T/pd.log" || fail "daemon mode start"
wait_for -S "$PD_SOCK" || fail "daemon did not create its socket"
dpid=$(cat "$T/osm-policyd.pid")
expect_eq "$(ask source=exim account=bob)" "action=DUNNO" "daemon answers"
kill -HUP "$dpid"
sleep 0.3
kill -0 "$dpid" || fail "daemon died on SIGHUP"
kill "$dpid"
for _ in $(seq 1 50); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$dpid" 2>/dev/null && { kill -9 "$dpid"; fail "daemon ignored SIGTERM"; }
ask source=exim account=bob > /dev/null 2>&1 && fail "the daemon still answers after SIGTERM"
pass
