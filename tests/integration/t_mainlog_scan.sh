#!/bin/sh
# t_mainlog_scan: "osmctl scan" replays plain and gzip logs into a dry-run
# summary (text and JSON) by the lines' own times, and touches no Redis.
# Then (as root, for useradd) one mainlog goes both through osmctl scan
# and through osm-mainlog into osm-policyd, and every (event type, key)
# must have as many events in Redis as the scan counted: ignored
# accounts, osm's own mail, logins without '@', cwds in another
# account's home and subjects are keyed alike (osm_ident).
tid="osmctl scan"
. "$top_srcdir/tests/lib.sh"
u1="" u2=""
trap '[ -n "$u1" ] && userdel "$u1" 2>/dev/null;
	[ -n "$u2" ] && userdel "$u2" 2>/dev/null; cleanup' EXIT INT TERM
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
# Redis runs, at the configured address, so that a scan that touched it
# would show in its connection count
start_redis
conns() { rcli INFO stats | sed -n 's/^total_connections_received:\([0-9]*\).*/\1/p'; }
conns0=$(conns)
osmctl scan "$top_srcdir/tests/data/mainlog-shapes.log" "$T/exim496.log.gz" > "$T/scan.txt" ||
	fail "osmctl scan: $(cat "$T/scan.txt")"
# nobody's message (U=nobody) and its result are osm's own mail when the
# tests run as root (user: nobody): not counted, as osm-policyd counts
# nothing of its own user
if [ "$RUN_USER" = nobody ]; then msgs=14 results=10; else msgs=15 results=11; fi
expect_grep "^67 lines (3 not understood), $msgs messages and $results delivery results counted; dry run" \
	"$T/scan.txt" "totals"
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
expect_eq "$(conns)" $((conns0 + 1)) "connections to Redis during the scans (only this check's)"
expect_eq "$(rcli DBSIZE)" 0 "keys in Redis after the scans"
[ "$(id -u)" = 0 ] || { pass; exit 0; }

# --- osmctl scan and osm-policyd agree, key by key ----------------------
u1=osms$$a; u2=osms$$b
useradd -m -d "$T/home/$u1" "$u1" 2>/dev/null || fail "useradd $u1"
useradd -m -d "$T/home/$u2" "$u2" 2>/dev/null || fail "useradd $u2"
printf 'shop.example: %s\n' "$u2" > "$T/userdomains"
. "$top_srcdir/tests/mainlog.sh"
cat > "$T/extra.yaml" <<EOC
socket_mode: "0666"
min_uid: 1000
triggers:
  default:
    logline: { events: 100000, seconds: 3600 }
    logline:subject: { events: 100000, seconds: 3600 }
    cwdcheck: { events: 100000, seconds: 3600 }
    cwdcheck:cwd: { events: 100000, seconds: 3600 }
    delivery: { events: 100000, seconds: 3600 }
ignore:
  accounts: [dave]
  email_accounts: [noreply@shop.example]
  paths: ["/cgi-bin/"]
  subjects: ["^Order confirmation"]
mainlog:
  path: $LOG
  state_file: $T/daemon/mainlog.state
EOC
write_config "$T/extra.yaml"
python3 - "$LOG" "$T/home" "$u1" "$u2" "$RUN_USER" <<'EOP'
import sys
log, home, u1, u2, own = sys.argv[1:]
out = open(log, "w")
n = 0
def local(user, cwd=None, subject="hi", result="=>"):
    global n
    n += 1
    mid = "1xVNaa-%06d-AA" % n
    pid = 1000 + n
    if cwd:
        out.write("2026-11-23 10:00:%02d [%d] cwd=%s 3 args: /usr/sbin/sendmail -t -i\n" % (n % 60, pid, cwd))
    out.write('2026-11-23 10:00:%02d [%d] %s <= %s@shop.example U=%s P=local S=300 T="%s" for x@remote.example\n'
              % (n % 60, pid, mid, user, user, subject))
    out.write('2026-11-23 10:00:%02d [%d] %s %s x@remote.example R=dnslookup T=remote_smtp H=mx.remote.example '
              '[192.0.2.25] C="250 OK"\n' % (n % 60, pid + 1, mid, result))
    return mid
def auth(login, ip="192.0.2.77", subject="hi"):
    global n
    n += 1
    mid = "1xVNab-%06d-AB" % n
    out.write('2026-11-23 10:01:%02d [%d] %s <= s@shop.example H=(c) [%s] P=esmtpa A=dovecot_login:%s S=500 '
              'T="%s" for y@remote.example\n' % (n % 60, 3000 + n, mid, ip, login, subject))
    out.write('2026-11-23 10:01:%02d [%d] %s ** y@remote.example R=dnslookup T=remote_smtp H=mx.remote.example '
              '[192.0.2.25]: SMTP error from remote mail server after RCPT TO:<y@remote.example>: 550 no\n'
              % (n % 60, 4000 + n, mid))
for i in range(3):
    local(u1, "%s/%s/public_html" % (home, u1), subject="news %d" % (i % 2))
local(u1, "%s/%s/www" % (home, u2))                      # u1's process in u2's home: u1's
local("www-data", "%s/%s/www" % (home, u2))              # the web server's user: u2's cwd
local("dave", "%s/%s/www" % (home, u1))                  # ignored account
local(own or "osmnobody", "%s/%s/x" % (home, u1))        # osm's own mail (as root: nobody)
local(u1, "%s/%s/cgi-bin/x" % (home, u1), subject="Order confirmation 7")   # ignored path, subject
m = local(u1)                                            # the cwd comes later (exim -Mc)
out.write("2026-11-23 10:00:59 [9999] cwd=%s/%s/late 3 args: /usr/sbin/exim4 -Mc %s\n" % (home, u1, m))
auth("Sales@Shop.Example")                               # email, domain owner u2
auth("noreply@shop.example")                             # ignored email
auth(u1)                                                 # a login without '@': the account
auth("dave")                                             # ... an ignored one
auth("x{y}", ip="192.0.2.78")                            # no account name: keyed by the ip
auth("z@elsewhere.example")                              # an unknown domain
EOP
chmod 644 "$LOG"
osmctl scan --json "$LOG" > "$T/agree.json" || fail "osmctl scan: $(cat "$T/agree.json")"
start_policyd
FAIL_LOGS="$T/ml.log"
start_mainlog
caught_up
stop_mainlog
sleep 0.3
for k in $(rcli --scan --pattern 'osm:test:{*}:w:*'); do echo "$k $(rcli LLEN "$k")"; done > "$T/redis.txt"
python3 - "$T/agree.json" "$T/redis.txt" "$u1" "$u2" "$RUN_USER" <<'EOP' || fail "osmctl scan and osm-policyd disagree"
import json, re, sys
scan, redis, u1, u2, own = sys.argv[1:]
def esc(s):
    return "".join(c if re.match(r"[A-Za-z0-9.\-_@+/=]", c) else "".join("%%%02X" % b for b in c.encode())
                   for c in s)
types = ["logline:subject", "logline", "cwdcheck:cwd", "cwdcheck", "delivery"]
want = {(esc(k["tag"]), k["type"], esc(k["key"])): k["events"] for k in json.load(open(scan))["keys"]}
got = {}
for line in open(redis):
    key, n = line.rsplit(" ", 1)
    tag, rest = re.match(r"^osm:test:\{([^}]*)\}:w:(.*):[0-9]+$", key).groups()
    t = [t for t in types if rest.startswith(t + ":")][0]
    got[(tag, t, rest[len(t) + 1:])] = int(n)
bad = sorted(set(want) | set(got))
bad = [(k, want.get(k), got.get(k)) for k in bad if want.get(k) != got.get(k)]
for k, w, g in bad:
    print("{%s} %s %s: scan %s, osm-policyd %s" % (k[0], k[1], k[2], w, g))
assert not bad
got = {(k[1], k[2]): n for k, n in got.items() if k[1] != "cwdcheck:cwd"}
# what they agree on, where the old scan was wrong: u1's cwds in its own
# home (3), in u2's (its own process: 1) and the late one (1); the web
# server's user's cwd is u2's; nothing of dave, of osm's user or of the
# login that is no account name
assert got[("cwdcheck", u1)] == 5 and got[("cwdcheck", u2)] == 1, got
assert not [k for k in got if "dave" in k[1]], got
assert ("logline", "ip%3A192.0.2.78") in got and ("logline", "x%7By%7D") not in got, got
assert ("logline", u1) in got and ("delivery", u1) in got, got
if own:
    assert ("logline", own) not in got and ("delivery", own) not in got, got
assert got[("logline", "sales@shop.example")] == 1, got
EOP
pass
