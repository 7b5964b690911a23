#!/bin/sh
# t_windows: events older than the interval drop out; several windows on
# one key fire independently; counters survive a daemon restart.
tid="windows"
. "$top_srcdir/tests/lib.sh"
cat > "$T/extra.yaml" <<'EOC'
triggers:
  default:
    logline:
      windows:
        - { events: 3, seconds: 2 }
        - { events: 7, seconds: 60 }
      actions: [store]
    logline:subject: { enabled: false }
EOC
write_config "$T/extra.yaml"
start_redis
start_policyd

# 3 now, 3 after the 2 s window has passed: the short window never exceeds 3.
burst 3 source=exim account=carol >/dev/null
sleep 2.3
burst 3 source=exim account=carol >/dev/null
expect_eq "$(osmctl reports | grep -c carol)" 0 "expired events dropped out of the 2 s window"
expect_eq "$(rcli LLEN 'osm:test:{carol}:w:logline:carol:2')" 3 "2 s window holds only recent events"
expect_eq "$(rcli LLEN 'osm:test:{carol}:w:logline:carol:60')" 6 "60 s window holds all six"

# Restart the daemon: counting continues from Redis.  The 7th and 8th
# events: the 8th exceeds 7 in the 60 s window.
stop_policyd
start_policyd
sleep 2.3
# The 2 s list still holds its 3 events, now too old to count.
osmctl counters carol > "$T/c.txt"
expect_grep "logline  *carol  *0 in 2s" "$T/c.txt" "osmctl counts only the events inside a window"
expect_grep "logline  *carol  *6 in 60s" "$T/c.txt" "osmctl counts the 60 s window"
burst 2 source=exim account=carol >/dev/null
osmctl reports > "$T/r1.txt"
expect_eq "$(grep -c ' carol ' "$T/r1.txt")" 1 "60 s window fired once after restart"
grep -q '8>7/60s' "$T/r1.txt" || fail "60 s report has the 8 events: $(cat "$T/r1.txt")"

# Now 4 quickly: the 2 s window exceeds 3 and fires; the 60 s one restarted empty.
burst 4 source=exim account=carol >/dev/null
osmctl reports > "$T/r2.txt"
grep -q '4>3/2s' "$T/r2.txt" || fail "2 s window report: $(cat "$T/r2.txt")"
expect_eq "$(grep -c ' carol ' "$T/r2.txt")" 2 "two reports in all"
expect_eq "$(rcli LLEN 'osm:test:{carol}:w:logline:carol:60')" 4 "60 s window counts on independently"
# Only store: no verdict.
expect_eq "$(ask source=exim account=carol)" "action=DUNNO" "store-only trigger does not hold"
pass
