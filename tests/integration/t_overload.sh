#!/bin/sh
# t_overload: limits.max_clients is reconciled with the open-file limit;
# out of descriptors, the daemon neither spins nor floods its log (a
# connection it cannot keep is closed at once) and a connected client
# keeps being answered; a flood of bad clients is logged at a bounded
# rate, with a count of what was not logged.
tid="overload"
. "$top_srcdir/tests/lib.sh"
PCONC="python3 $top_srcdir/tests/tools/pconc.py"
field() {	# field NAME FILE: NAME=VALUE of pconc's line
	sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" "$2"
}
cpu() {		# cpu PID: user + system time so far, in clock ticks
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
write_config
printf 'limits:\n  max_clients: 1000\n' >> "$CONF"
start_redis
# The daemon under a given open-file limit (soft:hard).
PD_REAL=$PD
PD="$T/pd-limited"
start_limited() {
	printf '#!/bin/sh\nexec prlimit --nofile=%s:%s "%s" "$@"\n' "$1" "$2" "$PD_REAL" > "$PD"
	chmod 755 "$PD"
	start_policyd
}
# A soft limit below what max_clients needs is raised...
start_limited 256 8192
expect_eq "$(awk '/^Max open files/ { print $4 "/" $5 }' "/proc/$PD_PID/limits")" "1064/8192" "soft limit raised"
wait_until grep -q '^max_clients=1000$' "$STATUS" || fail "max_clients: $(grep max_clients "$STATUS")"
stop_policyd
# ... and a hard limit that is too low makes it serve fewer clients.
start_limited 200 200
wait_until grep -q '^max_clients=136$' "$STATUS" || fail "max_clients not lowered: $(grep max_clients "$STATUS")"
expect_grep "limits.max_clients 1000 needs 1064 descriptors, but the open-file limit is 200: serving at most 136 clients" \
	"$T/pd.log" "the lowered limit is logged"
stop_policyd

# Below the floor of 64 clients, descriptors run out before
# max_clients does: 150 idle connections exhaust them.  A client
# connected before keeps being answered meanwhile.
start_limited 70 70
$PCONC -c 1 -d 4 -p 5 "unix:$PD_SOCK" request=smtpd_access_policy source=exim 'account=g{i}' > "$T/good.out" &
good=$!
sleep 0.5
lines=$(wc -l < "$T/pd.log")
c0=$(cpu "$PD_PID")
$PCONC -i 3 -c 150 "unix:$PD_SOCK" > "$T/idle.out"
c1=$(cpu "$PD_PID")
wait "$good"
expect_eq "$(field held "$T/idle.out")" 150 "150 connections made"
expect_eq "$(field timeouts "$T/good.out")/$(field closed "$T/good.out")" "0/0" \
	"the connected client was served ($(cat "$T/good.out"))"
awk -v v="$(field max_ms "$T/good.out")" 'BEGIN { exit !(v < 100) }' ||
	fail "the connected client waited: $(cat "$T/good.out")"
[ $((c1 - c0)) -lt 100 ] || fail "the daemon spun: $((c1 - c0)) ticks of CPU in 3 s out of descriptors"
new=$(($(wc -l < "$T/pd.log") - lines))
[ "$new" -lt 20 ] || fail "$new log lines in 3 s out of descriptors"
expect_grep "out of file descriptors" "$T/pd.log" "running out is logged"
wait_until grep -q '^shed=[1-9]' "$STATUS" || fail "shed connections not counted: $(grep shed "$STATUS")"
expect_eq "$(ask source=exim account=after)" "action=DUNNO" "served once the idle clients left"

# 300 clients sending garbage: at most 20 warnings a second.
lines=$(wc -l < "$T/pd.log")
python3 - "$PD_SOCK" <<'PY'
import socket, sys
for _ in range(300):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(b"no equals sign here\n\n")
    s.recv(10)
    s.close()
PY
sleep 1.1
expect_eq "$(ask source=exim account=after2)" "action=DUNNO" "served after the garbage"
bad=$(tail -n +$((lines + 1)) "$T/pd.log" | grep -c "bad request")
[ "$bad" -le 40 ] || fail "$bad bad-request warnings logged for 300 clients"
tail -n +$((lines + 1)) "$T/pd.log" | grep -q "more client warning(s) in .* ms not logged" ||
	fail "the warnings not logged are not counted in the log"
wait_until grep -q '^bad_requests=300$' "$STATUS" || fail "bad requests: $(grep bad_requests "$STATUS")"
kill -0 "$PD_PID" || fail "daemon died"
pass
