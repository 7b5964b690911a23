#!/bin/sh
# t_mainlog_golden: every tests/data/mainlog-*.log through "osm-mainlog -n"
# gives exactly the requests (and line counts) in the .out next to it.
# mainlog-exim496.log is from the exim run of t_exim.sh (paths and user
# names made stable); mainlog-shapes.log has every other line shape:
# 4.97+ ids, millisecond and time zone stamps, IPv6, escaped subjects,
# bounces, failures, deferrals, cwd lines by pid, by order and by -Mc id;
# mainlog-hostile.log has what senders write into exim's log: quoted
# local parts holding " A=...", a newline in a local user's -f or
# recipient (real exim 4.96 lines: the second half looks like an
# authenticated arrival), fields repeated from an ident or a DN, a
# directory named "a 2 args: exim -Mc ID" (exim writes the cwd raw).
tid="mainlog golden"
. "$top_srcdir/tests/lib.sh"
printf 'server_name: t\n' > "$T/ml.yaml"
for log in "$top_srcdir"/tests/data/mainlog-*.log; do
	want="${log%.log}.out"
	"$top_builddir/mainlog/osm-mainlog" -n -c "$T/ml.yaml" "$log" > "$T/got" 2>&1 ||
		fail "osm-mainlog -n $log failed: $(cat "$T/got")"
	diff -u "$want" "$T/got" > "$T/diff" || fail "$(basename "$log"): $(cat "$T/diff")"
done
# whatever the .out says: no sender may charge mail to the victim
"$top_builddir/mainlog/osm-mainlog" -n -c "$T/ml.yaml" "$top_srcdir/tests/data/mainlog-hostile.log" > "$T/got" 2>&1
if grep -E '^(sasl_username|account|message_id)=.*(victim@shop|1abcde)|^cwd=/tmp/exp/a$' "$T/got"; then
	fail "a hostile line charged mail to another mailbox"
fi
pass
