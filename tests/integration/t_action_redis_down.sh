#!/bin/sh
# t_action_redis_down: the action worker while Redis does not answer.
# Report A's action (a root command, run by the helper) stops Redis
# (SIGSTOP: it hangs) once report B is stored.  A's action has run; the
# worker gives up writing its results ("cannot record the action
# results"; the write stays queued and lands when Redis resumes).  B
# cannot be read, so its actions do not run ("cannot read it from
# Redis; its actions do not run").  Both are logged, the daemon and
# its worker stay up, and once Redis answers again report C runs and is
# recorded; A's action is not run again and B's never.
tid="action worker, Redis down"
. "$top_srcdir/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "skip: $tid (needs root: users, privileged helper)"; exit 77; }
users="osmr$$a osmr$$b osmr$$c"
set -- $users
A=$1 B=$2 C=$3
trap 'for u in $users; do userdel "$u" 2>/dev/null; done; cleanup' EXIT INT TERM
for u in $users; do useradd -M -d /nonexistent -s /bin/sh "$u" 2>/dev/null || fail "useradd $u"; done
: > "$T/userdomains"
mkdir -p "$T/bin"
# the stand-in for suspendacct records its argv; for A it first waits
# until B's report is stored, then stops Redis
cat > "$T/bin/suspendacct" <<EOS
#!/bin/sh
if [ "\$1" = "$A" ]; then
	for _ in \$(seq 1 100); do
		[ -n "\$($(command -v redis-cli) -s "$REDIS_SOCK" --scan --pattern 'osm:test:{$B}:report:*')" ] && break
		sleep 0.1
	done
	kill -STOP "\$(cat "$T/redis.pid")"
fi
echo "suspendacct \$1" >> "$T/argv.log"
EOS
chmod 755 "$T/bin/suspendacct"
cat > "$T/extra.yaml" <<EOC
min_uid: 1000
triggers:
  default:
    logline: { events: 2, seconds: 60, actions: [store, suspend_account] }
    logline:subject: { enabled: false }
actions:
  commands:
    suspend_account: [$T/bin/suspendacct, "%account"]
EOC
write_config "$T/extra.yaml"
start_redis
start_policyd
send() {	# send ACCOUNT: three messages, one trigger
	burst 3 source=exim protocol_state=END-OF-MESSAGE account="$1" uid="$(id -u "$1")" > /dev/null ||
		fail "burst for $1"
}
report_key() {	# report_key ACCOUNT: its report's Redis key
	rcli --scan --pattern "osm:test:{$1}:report:*"
}
send "$A"
send "$B"
# no Redis client here until it resumes: A's action may have stopped it
# each worker command waits 2 s twice (connect timeout, one reconnect):
# A's results, then B's report, are given up within 8 s
for _ in $(seq 1 200); do
	grep -q "cannot read it from Redis; its actions do not run" "$T/pd.log" && break
	sleep 0.1
done
kill -CONT "$(cat "$T/redis.pid")"
[ -n "$(report_key "$B")" ] || fail "B's report was not stored"
expect_grep "report .*: cannot record the action results" "$T/pd.log" "A's lost results are logged"
idB=$(report_key "$B" | sed 's/.*://')
expect_grep "report $idB: cannot read it from Redis; its actions do not run" "$T/pd.log" "B's skipped actions are logged"
kill -0 "$PD_PID" 2>/dev/null || fail "osm-policyd died"

send "$C"
wait_until sh -c 'test -n "$(redis-cli -s "$1" HGET "$2" results)"' - "$REDIS_SOCK" "$(report_key "$C")" ||
	fail "report C was not run once Redis was back"
case "$(rcli HGET "$(report_key "$C")" results)" in
*'"action":"suspend_account","status":"ok"'*) ;; *) fail "C's results: $(rcli HGET "$(report_key "$C")" results)" ;;
esac
# the results write queued while Redis hung landed; the action ran once
case "$(rcli HGET "$(report_key "$A")" results)" in
*'"action":"store","status":"ok","detail":"kept for 30 days"},{"action":"suspend_account","status":"ok"'*) ;;
*) fail "A's results: $(rcli HGET "$(report_key "$A")" results)" ;;
esac
expect_eq "$(rcli HGET "$(report_key "$B")" results)" "" "B's results (never run)"
expect_eq "$(cat "$T/argv.log")" "suspendacct $A
suspendacct $C" "A's action ran once, B's never, C's once"
kill -0 "$PD_PID" 2>/dev/null || fail "osm-policyd died"
pass
