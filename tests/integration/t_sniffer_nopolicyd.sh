#!/bin/sh
# t_sniffer_nopolicyd: osm-sniffer while osm-policyd is not there.  It
# starts with no policyd socket, sees a user's SMTP connections, logs
# that it cannot reach osm-policyd and drops them (counted, not kept:
# sn_main.c's sn_send); it stays up, and once osm-policyd runs the next
# connections are counted.  The same when osm-policyd stops under an
# open connection and comes back.  What was dropped is never sent late.
tid="sniffer without policyd"
. "$top_srcdir/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "skip: $tid (needs root: namespaces, users)"; exit 77; }
. "$top_srcdir/tests/netns.sh"
UA="osmn$$a"
trap 'netns_teardown; cleanup' EXIT INT TERM
netns_up
netns_users "$UA"
FAKE="$top_srcdir/tests/tools/smtp_fake.py"
# sessions of 200 ms, not the 10 ms the banner would take: the pcap
# backend takes the account from the socket when its callback runs,
# which a busy machine can delay past a 10 ms session
netns_mta "$NSR" "$T/mta.log" --delay=200 25
cat > "$T/extra.yaml" <<EOC
socket_mode: "0666"
min_uid: 1000
triggers:
  default:
    packet: { events: 100000, seconds: 3600, actions: [store] }
    packet:cwd: { enabled: false }
sniffer: { backend: pcap }
EOC
: > "$T/userdomains"
write_config "$T/extra.yaml"
start_redis
# no osm-policyd yet, and no socket
bg_start osm-sniffer "$T/sn.log" ip netns exec "$NSH" "$top_builddir/sniffer/osm-sniffer" -f -v -c "$CONF"
SN_PID=$BG_PID
FAIL_LOGS="$T/sn.log"
wait_until grep -q "capturing on" "$T/sn.log" || fail "osm-sniffer did not start"
ua=$(id -u "$UA")
connect() {	# connect N: N SMTP sessions by UA, each waiting for the banner
	ip netns exec "$NSH" setpriv --reuid="$UA" --regid="$(id -g "$UA")" --clear-groups \
		/usr/bin/python3 "$FAKE" connect 192.0.2.2 25 banner "$1" > "$T/c" || fail "client"
	expect_eq "$(cat "$T/c")" "ok $1 failed 0" "$1 connection(s) made"
}
seen() {	# seen N: the sniffer gave N attempts to UA
	[ "$(grep -c "> 192.0.2.2:25: uid $ua " "$T/sn.log")" -eq "$1" ]
}
dropped() {	# dropped N: it said it could not report N attempts in all
	[ "$(sed -n 's/.*cannot reach osm-policyd: .*; \([0-9]*\) attempt(s) not reported/\1/p' "$T/sn.log" |
		awk '{s += $1} END {print s + 0}')" -eq "$1" ]
}
counted() {	# counted N: osm-policyd counted N of UA's attempts
	[ "$(rcli LLEN "osm:test:{$UA}:w:packet:$UA:3600")" -eq "$1" ]
}

connect 2
wait_until seen 2 || fail "the attempts were not seen with osm-policyd absent"
wait_until dropped 2 || fail "the dropped attempts were not logged"
kill -0 "$SN_PID" 2>/dev/null || fail "osm-sniffer died without osm-policyd"
start_policyd
connect 2
wait_until counted 2 || fail "the two attempts after osm-policyd started were not counted"

# osm-policyd goes away under the sniffer's open connection, and returns
stop_policyd
connect 1
wait_until seen 5 || fail "the attempt while osm-policyd was stopped was not seen"
wait_until dropped 3 || fail "the attempt while osm-policyd was stopped was not logged as dropped"
kill -0 "$SN_PID" 2>/dev/null || fail "osm-sniffer died when osm-policyd stopped"
start_policyd
connect 1
wait_until counted 3 || fail "the attempt after osm-policyd came back was not counted"
bg_stop "$SN_PID"; SN_PID=""
expect_grep "6 attributed to an account, .* 3 sent, 3 dropped" "$T/sn.log" "the exit counts"
pass
