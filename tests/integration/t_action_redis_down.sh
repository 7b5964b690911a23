#!/bin/sh
# t_action_redis_down: the action worker while Redis does not answer.
# Report A's action (a root command, run by the helper) stops Redis
# (SIGSTOP: it hangs) once report B is stored.  A's action has run; the
# worker cannot write its results and says it keeps trying ("Redis does
# not answer; trying again"), and B waits in the queue.  Once Redis
# resumes, A's results are recorded, B's actions run and are recorded,
# and so are report C's, sent after; each action ran exactly once, and
# the daemon and its worker stayed up.
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
idA=""
for _ in $(seq 1 200); do
	idA=$(sed -n 's/^osm-policyd: warning: report \([0-9a-f]*\): Redis does not answer; trying again for up to [0-9]* s to record the results$/\1/p' "$T/pd.log")
	[ -n "$idA" ] && break
	sleep 0.1
done
[ -n "$idA" ] || fail "the worker did not say it keeps trying to record A's results"
sleep 2		# it tries again while Redis still hangs
kill -CONT "$(cat "$T/redis.pid")"
expect_eq "$(report_key "$A" | sed 's/.*://')" "$idA" "the report whose results waited is A's"
[ -n "$(report_key "$B")" ] || fail "B's report was not stored"
kill -0 "$PD_PID" 2>/dev/null || fail "osm-policyd died"
wait_until sh -c 'test -n "$(redis-cli -s "$1" HGET "$2" results)"' - "$REDIS_SOCK" "$(report_key "$B")" ||
	fail "B's actions did not run once Redis was back"
expect_grep "report $idA: Redis answers again" "$T/pd.log" "the worker logs that Redis is back"

send "$C"
wait_until sh -c 'test -n "$(redis-cli -s "$1" HGET "$2" results)"' - "$REDIS_SOCK" "$(report_key "$C")" ||
	fail "report C was not run once Redis was back"
case "$(rcli HGET "$(report_key "$C")" results)" in
*'"action":"suspend_account","status":"ok"'*) ;; *) fail "C's results: $(rcli HGET "$(report_key "$C")" results)" ;;
esac
# A's results, written while Redis hung and again after
case "$(rcli HGET "$(report_key "$A")" results)" in
*'"action":"store","status":"ok","detail":"kept for 30 days"},{"action":"suspend_account","status":"ok"'*) ;;
*) fail "A's results: $(rcli HGET "$(report_key "$A")" results)" ;;
esac
case "$(rcli HGET "$(report_key "$B")" results)" in
*'"action":"suspend_account","status":"ok"'*) ;; *) fail "B's results: $(rcli HGET "$(report_key "$B")" results)" ;;
esac
expect_eq "$(cat "$T/argv.log")" "suspendacct $A
suspendacct $B
suspendacct $C" "each action ran once"
kill -0 "$PD_PID" 2>/dev/null || fail "osm-policyd died"
pass
