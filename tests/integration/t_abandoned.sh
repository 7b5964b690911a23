#!/bin/sh
# t_abandoned: a request whose client gave up and closed the connection
# before the daemon read it (Postfix and exim time out and close) is
# neither counted nor answered, on a unix socket and over TCP; a client
# that waits is counted as always.
tid="abandoned requests"
. "$top_srcdir/tests/lib.sh"
write_config
port=$((40000 + $$ % 20000))
sed -i "s|^  - unix:$PD_SOCK|  - unix:$PD_SOCK\n  - inet:127.0.0.1:$port|" "$CONF"
start_redis
start_policyd
counted() {	# counted ACCOUNT: its event is in a window
	[ -n "$(rcli --scan --pattern "*{$1}:w:*")" ]
}
expect_eq "$(ask source=exim account=before)" "action=DUNNO" "served before the stall"
counted before || fail "a request was not counted"

# The daemon stalls.  Two clients give up after 300 ms, as Postfix did
# twice for one message; a third waits.
kill -STOP "$PD_PID"
"$PCLIENT" -T 300 "unix:$PD_SOCK" request=smtpd_access_policy source=exim account=gone1 > /dev/null 2>&1
[ $? -eq 3 ] || fail "the first client did not time out"
"$PCLIENT" -T 300 "inet:127.0.0.1:$port" request=smtpd_access_policy source=exim account=gone2 > /dev/null 2>&1
[ $? -eq 3 ] || fail "the second client did not time out"
"$PCLIENT" -T 5000 "unix:$PD_SOCK" request=smtpd_access_policy source=exim account=kept > "$T/kept.out" &
kept=$!
sleep 0.2
kill -CONT "$PD_PID"
wait "$kept" || fail "the waiting client got no answer"
expect_eq "$(cat "$T/kept.out")" "action=DUNNO" "the waiting client's answer"
counted kept || fail "the waiting client's request was not counted"
counted gone1 && fail "a request abandoned on the unix socket was counted"
counted gone2 && fail "a request abandoned over TCP was counted"
wait_until grep -q '^abandoned=2$' "$STATUS" || fail "abandoned requests not in the status: $(grep abandoned "$STATUS")"
expect_eq "$(ask source=exim account=after)" "action=DUNNO" "served after the stall"
counted after || fail "a request after the stall was not counted"
kill -0 "$PD_PID" || fail "daemon died"
pass
