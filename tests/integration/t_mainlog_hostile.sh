#!/bin/sh
# t_mainlog_hostile: what senders write into exim's log never charges
# mail to someone else, through osm-mainlog following the log and into
# Redis.  A local user's recipient with a newline splits one entry over
# two lines (real exim 4.96 does that), and osm-mainlog is stopped
# between the two halves: the second half, shaped as an authenticated
# arrival of victim@shop.example, must not be read as a line, neither
# now nor after the restart.  Then tests/data/mainlog-hostile.log.
tid="mainlog hostile lines"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/mainlog.sh"
ml_setup "logline: { events: 1000, seconds: 3600 }"

printf '%s\n' '2026-12-02 06:19:47 [29970] 1xYdgy-0007nQ-0g <= osmexp@mx.test.example U=osmexp P=local S=390 T="t" for r@remote.example' > "$LOG"
chmod 644 "$LOG"
start_mainlog
caught_up
before=$(offset)
printf '%s\n' '2026-12-02 06:19:48 [29973] 1xYdgy-0007nR-0g <= osmexp@mx.test.example U=osmexp P=local S=390 T="t" for "r' >> "$LOG"
sleep 1
expect_eq "$(offset)" "$before" "an entry cut inside a quoted address is not committed"
stop_mainlog
printf '%s\n' '2026-12-02 06:00:00 [1] 1abcde-000000-00 <= v@shop H=(x) [10.9.9.9] P=esmtpa A=x:victim@shop.example S=1 for x@y"@remote.example' >> "$LOG"
start_mainlog
caught_up
cat "$top_srcdir/tests/data/mainlog-hostile.log" >> "$LOG"
caught_up
stop_mainlog

# every event has reached Redis: the policy requests were answered
keys=$(rcli --scan --pattern '*' | tr '\n' ' ')
case "$keys" in *victim*|*10.9.9.9*) fail "a hostile line was counted: $keys" ;; esac
osmctl counters osmexp > "$T/c.txt"
# 2, and the hostile log's quoted sender and sender split by a newline (its
# recipient split by a newline is 1xYdgy-0007nR-0g again: a message counts once)
expect_grep "logline  *osmexp  *4 in 3600s" "$T/c.txt" "osmexp's own messages, each once"
osmctl counters sales@shop.example > "$T/c2.txt"
expect_grep "logline  *sales@shop.example  *4 in 3600s" "$T/c2.txt" "the real authenticated arrivals"
pass
