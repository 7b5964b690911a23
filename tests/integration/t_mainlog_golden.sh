#!/bin/sh
# t_mainlog_golden: every tests/data/mainlog-*.log through "osm-mainlog -n"
# gives exactly the requests (and line counts) in the .out next to it.
# mainlog-exim496.log is from the exim run of t_exim.sh (paths and user
# names made stable); mainlog-shapes.log has every other line shape:
# 4.97+ ids, millisecond and time zone stamps, IPv6, escaped subjects,
# bounces, failures, deferrals, cwd lines by pid, by order and by -Mc id.
tid="mainlog golden"
. "$top_srcdir/tests/lib.sh"
printf 'server_name: t\n' > "$T/ml.yaml"
for log in "$top_srcdir"/tests/data/mainlog-*.log; do
	want="${log%.log}.out"
	"$top_builddir/mainlog/osm-mainlog" -n -c "$T/ml.yaml" "$log" > "$T/got" 2>&1 ||
		fail "osm-mainlog -n $log failed: $(cat "$T/got")"
	diff -u "$want" "$T/got" > "$T/diff" || fail "$(basename "$log"): $(cat "$T/diff")"
done
pass
