#!/bin/sh
# t_mainlog_scan: "osmctl scan" replays plain and gzip logs into a dry-run
# summary (text and JSON) by the lines' own times, and touches no Redis.
tid="osmctl scan"
. "$top_srcdir/tests/lib.sh"
cat > "$T/extra.yaml" <<EOC
triggers:
  default:
    logline: { events: 2, seconds: 60 }
    delivery: { events: 1, seconds: 1h, failure_ratio: 50% }
ignore:
  accounts: [dave]
EOC
: > "$T/userdomains"
write_config "$T/extra.yaml"
gzip -c "$top_srcdir/tests/data/mainlog-exim496.log" > "$T/exim496.log.gz"
osmctl scan "$top_srcdir/tests/data/mainlog-shapes.log" "$T/exim496.log.gz" > "$T/scan.txt" ||
	fail "osmctl scan: $(cat "$T/scan.txt")"
expect_grep "^67 lines (3 not understood), 15 messages and 11 delivery results counted; dry run" "$T/scan.txt" "totals"
# weba sent 3 within 60 s (2 delivered, the 12th held): 3 > 2 fires once
grep -q "^logline  *weba  *3  1x (>2/60s)" "$T/scan.txt" || fail "weba would fire: $(cat "$T/scan.txt")"
grep -q "^logline  *bob  *2  0x" "$T/scan.txt" || fail "bob 2, no fire: $(cat "$T/scan.txt")"
grep -q "^logline  *sales@shop.example  *2 " "$T/scan.txt" || fail "authenticated by email: $(cat "$T/scan.txt")"
grep -q "cwdcheck:cwd  */home/carol/www " "$T/scan.txt" || fail "cwd joined by pid"
grep -q " dave" "$T/scan.txt" && fail "ignored account dave was counted"
# alice: 2 bounces and 2 deferrals, every pair past 1 result at >= 50% failed
grep -q "^delivery  *alice  *4  2x (>1/3600s, 50% failed)" "$T/scan.txt" || fail "alice's failures: $(cat "$T/scan.txt")"
# weba: 2 results, both delivered: no fire
grep -q "^delivery  *weba  *2  0x" "$T/scan.txt" || fail "weba's deliveries: $(cat "$T/scan.txt")"
osmctl scan --json "$top_srcdir/tests/data/mainlog-exim496.log" > "$T/scan.json" || fail "scan --json"
python3 - "$T/scan.json" <<'EOP' || fail "JSON summary: $(cat "$T/scan.json")"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["lines"] == 36 and o["messages"] == 8 and o["delivery_results"] == 5, o
k = [x for x in o["keys"] if x["type"] == "logline" and x["key"] == "weba"][0]
assert k["events"] == 3 and k["triggers"] == [{"events": 2, "seconds": 60, "fired": 1}], k
k = [x for x in o["keys"] if x["type"] == "delivery" and x["key"] == "webb"][0]
assert k["triggers"] == [{"events": 1, "seconds": 3600, "failure_ratio": 0.5, "fired": 1}], k
EOP
[ -S "$REDIS_SOCK" ] && fail "a redis socket exists; scan must not need one"
pass
