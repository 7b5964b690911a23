#!/bin/sh
# t_mainlog_delivery: delivery results in exim's log, through osm-mainlog
# and osm-policyd into Redis: per-account windows of remote results with
# their failures, and a failure-ratio trigger that fires for the account
# whose mail bounces and not for the one whose mail is delivered.  A
# replay of the same lines (state file lost) counts nothing twice.
tid="mainlog delivery results"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/mainlog.sh"
ml_setup "logline: { events: 1000, seconds: 3600 }" \
	"delivery: { events: 4, seconds: 1h, failure_ratio: 50%, actions: [store] }"

# good: 6 messages delivered.  spammy: 2 delivered, then 3 bounced (5
# results, 3 failed: 60% >= 50%, fires), then one deferral (a new window).
python3 - "$LOG" <<'EOP'
import sys
out = open(sys.argv[1], "w")
n = 0
def msg(user, rcpt, result):
    global n
    n += 1
    mid = "1xVNaa-%06d-AA" % n
    out.write('2026-11-23 10:00:00 [%d] %s <= %s@shop.example U=%s P=local S=300 T="m %d" for %s\n'
              % (100 + n, mid, user, user, n, rcpt))
    host = "H=mx.remote.example [192.0.2.25]"
    if result == "ok":
        out.write('2026-11-23 10:00:01 [%d] %s => %s R=dnslookup T=remote_smtp %s C="250 OK"\n' % (200 + n, mid, rcpt, host))
    elif result == "bounce":
        out.write('2026-11-23 10:00:01 [%d] %s ** %s R=dnslookup T=remote_smtp %s: SMTP error from remote mail '
                  'server after RCPT TO:<%s>: 550 5.1.1 "no such user" $(touch /tmp/pwned)\n' % (200 + n, mid, rcpt, host, rcpt))
    else:
        out.write('2026-11-23 10:00:01 [%d] %s == %s R=dnslookup T=remote_smtp defer (-44) %s: 451 try later\n'
                  % (200 + n, mid, rcpt, host))
    # a local delivery of the same message is not mail leaving the server
    out.write('2026-11-23 10:00:01 [%d] %s => %s <%s@shop.example> R=local_user T=local_delivery\n'
              % (200 + n, mid, user, user))
for i in range(6):
    msg("good", "friend%d@remote.example" % i, "ok")
for r in ["ok", "ok", "bounce", "bounce", "bounce", "defer"]:
    msg("spammy", "list%d@remote.example" % n, r)
EOP
chmod 644 "$LOG"

run_mainlog() {	# until it has read the whole log, then stop it
	start_mainlog
	caught_up
	stop_mainlog
}
check() {	# the state after the log was read
	osmctl reports > "$T/reports.txt"
	expect_eq "$(grep -c ' delivery ' "$T/reports.txt")" 1 "one delivery report ($1)"
	expect_eq "$(awk '$4 == "delivery" && $5 == "spammy"' "$T/reports.txt" | wc -l)" 1 "it is spammy's ($1)"
	osmctl counters spammy > "$T/c-spammy.txt"
	expect_grep "delivery  *spammy  *1 in 3600s (trigger above 4, 1 failed, trigger at 50%" "$T/c-spammy.txt" \
		"spammy's new window holds the deferral ($1)"
	osmctl counters good > "$T/c-good.txt"
	expect_grep "delivery  *good  *6 in 3600s (trigger above 4, 0 failed, trigger at 50%" "$T/c-good.txt" \
		"good's 6 results, none failed ($1)"
}
run_mainlog
check "first read"
id=$(awk '$4 == "delivery" {print $1}' "$T/reports.txt")
osmctl report "$id" > "$T/report.txt"
expect_grep "failures *3" "$T/report.txt" "the report counts the failures"
expect_grep 'delivery="bounced"' "$T/report.txt" "the report lists the bounces"
expect_grep 'recipient="list9@remote.example"' "$T/report.txt" "and their recipients"
expect_grep 'reason="SMTP error .*550 5.1.1' "$T/report.txt" "and the remote server's answer"
expect_grep 'remote_address="192.0.2.25"' "$T/report.txt" "and the remote address"
[ -e /tmp/pwned ] && fail "a log line's text was executed"

# the state file is lost: the whole log is read again, nothing counts twice
rm -f "$T/daemon/mainlog.state"
run_mainlog
check "replayed"
pass
