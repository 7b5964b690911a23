#!/bin/sh
# t_bad_input: malformed, binary, oversized and stalled requests are
# logged and the client dropped without a reply; other clients are
# served throughout and the daemon never dies.
tid="bad input"
. "$top_srcdir/tests/lib.sh"
cat > "$T/extra.yaml" <<'EOC'
limits:
  max_line: 256
  max_attributes: 10
  max_request: 1024
  request_timeout: 1s
EOC
write_config "$T/extra.yaml"
start_redis
start_policyd

# A well-behaved client holds one connection through all of it: it
# sends a request for each line written to the fifo, so the test asks
# between (and, below, during) the garbage and sees the answers there.
cat > "$T/good.py" <<'EOP'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(10)
for _ in sys.stdin:
    s.sendall(b"request=smtpd_access_policy\nsource=exim\naccount=good\n\n")
    reply = b""
    while not reply.endswith(b"\n\n"):
        data = s.recv(4096)
        if not data:
            print("connection closed", flush=True)
            sys.exit(4)
        reply += data
    print(reply.decode().split("\n")[0], flush=True)
EOP
mkfifo "$T/keep"
python3 "$T/good.py" "$PD_SOCK" < "$T/keep" > "$T/good.out" &
good=$!
exec 3> "$T/keep"
# (counted from its output: raw_good runs in a pipeline's subshell)
good_ask() {	# good_ask AFTER: one more request on the held connection
	good_n=$(($(grep -c "^action=DUNNO$" "$T/good.out") + 1))
	kill -0 "$good" 2>/dev/null || fail "the good client is gone after $1: $(cat "$T/good.out")"
	echo >&3
	wait_until sh -c '[ "$(grep -c "^action=DUNNO$" "$1")" -ge "$2" ]' - "$T/good.out" "$good_n" ||
		fail "good client: no answer $good_n after $1: $(cat "$T/good.out")"
}

raw() {	# raw NAME: send stdin, expect the server to close without a reply
	"$PCLIENT" -r -T 3000 "unix:$PD_SOCK" > "$T/$1.out"
	rc=$?
	[ $rc -eq 0 ] || fail "$1: server did not close the connection (rc $rc)"
	[ -s "$T/$1.out" ] && fail "$1: server replied: $(cat "$T/$1.out")"
	kill -0 "$PD_PID" || fail "$1: daemon died"
}
# raw_good NAME: raw, then the good client is still answered
raw_good() { raw "$1"; good_ask "$1"; }
printf 'request=smtpd_access_policy\nthis line has no equals sign\n\n' | raw_good noeq
expect_grep "line without '='" "$T/pd.log" "no '=' logged"
printf '=value\n\n' | raw_good noname
expect_grep "empty attribute name" "$T/pd.log" "empty name logged"
head -c 3000 /dev/urandom | tr -d '\n' | raw_good garbage
printf 'request=smtpd_access_policy\nsubject=a\000b\n\n' | raw_good nul
expect_grep "NUL byte in request" "$T/pd.log" "NUL logged"
{ printf 'request=smtpd_access_policy\nsubject='; head -c 400 /dev/zero | tr '\0' x; printf '\n\n'; } | raw_good longline
expect_grep "line too long" "$T/pd.log" "long line logged"
{ for i in $(seq 1 20); do printf 'a%d=b\n' "$i"; done; printf '\n'; } | raw_good manyattrs
expect_grep "too many attributes" "$T/pd.log" "attribute count logged"
{ for i in $(seq 1 9); do printf 'x%d=' "$i"; head -c 200 /dev/zero | tr '\0' y; printf '\n'; done; printf '\n'; } | raw_good bigrequest
expect_grep "request too large" "$T/pd.log" "request size logged"
printf 'request=smtpd_access_policy\nsource=martian\n\n' | raw_good badsource
expect_grep "unknown 'source'" "$T/pd.log" "bad source logged"
printf 'request=smtpd_access_policy\nsource=exim\nuid=12ab\n\n' | raw_good baduid
expect_grep "'uid' is not a number" "$T/pd.log" "bad uid logged"
printf 'request=smtpd_access_policy\nclient_address=999.1.1.1\n\n' | raw_good badip
printf 'request=dump_everything\n\n' | raw_good badrequest
printf '\n' | raw_good empty

# A client that stalls halfway is dropped after request_timeout.
start=$(date +%s)
{ printf 'request=smtpd_access_policy\nsource=exim\n'; sleep 4; } | "$PCLIENT" -r -T 6000 "unix:$PD_SOCK" > "$T/stall.out"
expect_grep "request not finished within 1 s" "$T/pd.log" "stall logged"
[ $(( $(date +%s) - start )) -le 5 ] || fail "stalled client not dropped in time"
good_ask stall

# Many concurrent clients and the good one, while garbage flows.
garbage_flow() {	# one garbage connection after another, until told to stop
	while [ ! -f "$T/flow.stop" ]; do
		head -c 3000 /dev/urandom | tr -d '\n' | raw flow
		echo >> "$T/flow.n"
	done
}
garbage_flow &
flow=$!
bursts=""
for c in $(seq 1 20); do
	burst 20 source=exim "account=user$c" > "$T/c$c.out" &
	bursts="$bursts $!"
done
for i in $(seq 1 10); do good_ask "concurrent garbage ($i)"; done
for j in $bursts; do wait "$j"; done
for c in $(seq 1 20); do
	expect_eq "$(grep -c '^action=DUNNO$' "$T/c$c.out")" 20 "concurrent client $c"
done
: > "$T/flow.stop"
wait "$flow" || fail "garbage while others were served"
good_ask "all garbage"
exec 3>&-
wait "$good" || fail "the good client's connection broke: $(cat "$T/good.out")"
# 12 bad requests, the stall, 10 during the flow and one after it
expect_eq "$(grep -c '^action=DUNNO$' "$T/good.out")/$(wc -l < "$T/good.out")" 24/24 "good client served on one connection"
# Pipelined requests in one write are answered in order.
printf 'request=smtpd_access_policy\nsource=exim\naccount=p1\n\nrequest=smtpd_access_policy\nsource=exim\naccount=p2\n\n' |
	"$PCLIENT" -r -T 500 "unix:$PD_SOCK" > "$T/pipe.out"
expect_eq "$(grep -c '^action=DUNNO$' "$T/pipe.out")" 2 "pipelined requests both answered"
kill -0 "$PD_PID" || fail "daemon died"
sleep 1.1
bad=$((13 + $(wc -l < "$T/flow.n")))
expect_grep "^bad_requests=$bad$" "$STATUS" "all $bad bad requests counted"
pass
