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

# A well-behaved client keeps one connection open the whole time.
mkfifo "$T/keep"
"$PCLIENT" -T 10000 -n 2 "unix:$PD_SOCK" request=smtpd_access_policy source=exim account=good > "$T/good.out" &
good=$!

raw() {	# raw NAME: send stdin, expect the server to close without a reply
	"$PCLIENT" -r -T 3000 "unix:$PD_SOCK" > "$T/$1.out"
	rc=$?
	[ $rc -eq 0 ] || fail "$1: server did not close the connection (rc $rc)"
	[ -s "$T/$1.out" ] && fail "$1: server replied: $(cat "$T/$1.out")"
	kill -0 "$PD_PID" || fail "$1: daemon died"
}
printf 'request=smtpd_access_policy\nthis line has no equals sign\n\n' | raw noeq
expect_grep "line without '='" "$T/pd.log" "no '=' logged"
printf '=value\n\n' | raw noname
expect_grep "empty attribute name" "$T/pd.log" "empty name logged"
head -c 3000 /dev/urandom | tr -d '\n' | raw garbage
printf 'request=smtpd_access_policy\nsubject=a\000b\n\n' | raw nul
expect_grep "NUL byte in request" "$T/pd.log" "NUL logged"
{ printf 'request=smtpd_access_policy\nsubject='; head -c 400 /dev/zero | tr '\0' x; printf '\n\n'; } | raw longline
expect_grep "line too long" "$T/pd.log" "long line logged"
{ for i in $(seq 1 20); do printf 'a%d=b\n' "$i"; done; printf '\n'; } | raw manyattrs
expect_grep "too many attributes" "$T/pd.log" "attribute count logged"
{ for i in $(seq 1 9); do printf 'x%d=' "$i"; head -c 200 /dev/zero | tr '\0' y; printf '\n'; done; printf '\n'; } | raw bigrequest
expect_grep "request too large" "$T/pd.log" "request size logged"
printf 'request=smtpd_access_policy\nsource=martian\n\n' | raw badsource
expect_grep "unknown 'source'" "$T/pd.log" "bad source logged"
printf 'request=smtpd_access_policy\nsource=exim\nuid=12ab\n\n' | raw baduid
expect_grep "'uid' is not a number" "$T/pd.log" "bad uid logged"
printf 'request=smtpd_access_policy\nclient_address=999.1.1.1\n\n' | raw badip
printf 'request=dump_everything\n\n' | raw badrequest
printf '\n' | raw empty

# A client that stalls halfway is dropped after request_timeout.
start=$(date +%s)
{ printf 'request=smtpd_access_policy\nsource=exim\n'; sleep 4; } | "$PCLIENT" -r -T 6000 "unix:$PD_SOCK" > "$T/stall.out"
expect_grep "request not finished within 1 s" "$T/pd.log" "stall logged"
[ $(( $(date +%s) - start )) -le 5 ] || fail "stalled client not dropped in time"

# Many concurrent clients while garbage flows.
for c in $(seq 1 20); do
	burst 20 source=exim "account=user$c" > "$T/c$c.out" &
done
wait_jobs=$(jobs -p | grep -v "^$good\$" | grep -v "^$PD_PID\$")
for j in $wait_jobs; do wait "$j"; done
for c in $(seq 1 20); do
	expect_eq "$(grep -c '^action=DUNNO$' "$T/c$c.out")" 20 "concurrent client $c"
done
wait "$good" || fail "the good client's connection broke"
expect_eq "$(grep -c '^action=DUNNO$' "$T/good.out")" 2 "good client served"
# Pipelined requests in one write are answered in order.
printf 'request=smtpd_access_policy\nsource=exim\naccount=p1\n\nrequest=smtpd_access_policy\nsource=exim\naccount=p2\n\n' |
	"$PCLIENT" -r -T 500 "unix:$PD_SOCK" > "$T/pipe.out"
expect_eq "$(grep -c '^action=DUNNO$' "$T/pipe.out")" 2 "pipelined requests both answered"
kill -0 "$PD_PID" || fail "daemon died"
sleep 1.1
expect_grep "^bad_requests=13$" "$STATUS" "all 13 bad requests counted"
pass
