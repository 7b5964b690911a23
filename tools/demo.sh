#!/bin/sh
# demo.sh - install, build and run osm's main job on an embedded default:
# a private redis-server on a unix socket, osm-policyd with conf/demo.yaml,
# a burst of policy requests for one account past its trigger, the report
# (osmctl) and the HOLD verdicts that follow.  The stack keeps running;
# "sh tools/demo.sh stop" stops it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
# As root, osm-policyd reads a configuration only where root alone can
# write (not below /tmp): the demo lives in /run then.
if [ "$(id -u)" = 0 ]; then D=${OSM_DEMO_DIR:-/run/osm-demo}; else D=${OSM_DEMO_DIR:-/tmp/osm-demo}; fi
B="$top/build-demo"

stop() {
	for p in "$D/osm-policyd.pid" "$D/redis.pid"; do
		[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true
	done
	sleep 0.3
	rm -rf "$D"
	echo "osm demo stopped"
}
if [ "${1:-}" = stop ]; then stop; exit 0; fi

echo "== installing dependencies and building"
sh "$top/tools/install-deps.sh"
cd "$top"
[ -x configure ] || autoreconf -fi >/dev/null 2>&1
mkdir -p "$B"
cd "$B"
[ -f Makefile ] || "$top/configure" -q
make -s -j2 policyd/osm-policyd policyd/osmctl tests/tools/pclient
[ -d "$D" ] && stop >/dev/null
mkdir -p "$D"
chmod 755 "$D"				# root's: osm-policyd makes DIR/daemon for its user

echo "== starting redis-server on $D/redis.sock"
redis-server --port 0 --unixsocket "$D/redis.sock" --unixsocketperm 777 --save '' \
	--appendonly no --daemonize yes --dir "$D" --pidfile "$D/redis.pid" --logfile "$D/redis.log"
for _ in $(seq 1 50); do [ -S "$D/redis.sock" ] && break; sleep 0.1; done
printf 'example.com: webshop\n' > "$D/userdomains"
sed "s|DIR|$D|g" "$top/conf/demo.yaml" > "$D/osm.yaml"
[ "$(id -u)" = 0 ] || sed -i 's/^user: nobody/user: ""/' "$D/osm.yaml"

echo "== starting osm-policyd (config $D/osm.yaml: logline trigger 10 messages/60 s -> hold)"
./policyd/osm-policyd -c "$D/osm.yaml"
for _ in $(seq 1 50); do [ -S "$D/policyd.sock" ] && break; sleep 0.1; done

echo "== a compromised WordPress script of account 'webshop' sends 15 messages"
./tests/tools/pclient -n 15 "unix:$D/policyd.sock" request=smtpd_access_policy source=exim \
	account=webshop uid=1001 cwd=/home/webshop/public_html/wp-content/uploads \
	"subject=Your account is suspended" "message_id=1tXyZa-000{i}-Q7" \
	script=/home/webshop/public_html/wp-content/uploads/x.php recipient_count=50 remote_recipient_count=50 |
	nl -w2 -s': '
echo "== another account is not affected"
./tests/tools/pclient -n 2 "unix:$D/policyd.sock" request=smtpd_access_policy source=exim account=bakery subject=Invoice
echo "== Postfix asks about an authenticated sender of the same account over TCP"
./tests/tools/pclient "inet:127.0.0.1:10031" request=smtpd_access_policy protocol_state=RCPT \
	sasl_username=info@example.com client_address=203.0.113.9 sender=info@example.com

C="./policyd/osmctl -c $D/osm.yaml"
echo "== osmctl reports"
$C reports
id=$($C reports | awk '$3 == "logline" || $4 == "logline" {print $1; exit}')
echo "== osmctl report $id"
$C report "$id"
echo "== osmctl counters webshop"
$C counters webshop
echo "== live keys in Redis (redis-cli -s $D/redis.sock --scan --pattern 'osm:demo:*')"
redis-cli -s "$D/redis.sock" --scan --pattern 'osm:demo:*' | sort

cat <<EOT

The demo stack is still running:
  osm-policyd  pid $(cat "$D/osm-policyd.pid"), unix:$D/policyd.sock and inet:127.0.0.1:10031
  redis-server pid $(cat "$D/redis.pid"), unix:$D/redis.sock
Try:   $B/policyd/osmctl -c $D/osm.yaml status
       $B/policyd/osmctl -c $D/osm.yaml release webshop
Stop:  sh $top/tools/demo.sh stop
EOT
