#!/bin/sh
# t_apache: the Apache status of a packet report.  A real Apache (Debian
# apache2, mod_php, mod_status with ExtendedStatus) in the watched network
# namespace serves an account's PHP script that opens an SMTP connection
# to a fake MTA and holds it; mod_php runs it as www-data, so osm-sniffer
# can only name the web server's user.  The report must list what Apache
# was serving at the time: the vhost, its account, the request (URL) and
# the script file in the account's document root; and rename_script must
# act on that file (and osmctl restore bring it back).
tid="apache status"
. "$top_srcdir/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "skip: $tid (needs root: namespaces, users)"; exit 77; }
APACHE=/usr/sbin/apache2
MODS=/usr/lib/apache2/modules
[ -x "$APACHE" ] && [ -f "$MODS/libphp8.2.so" ] || { echo "skip: $tid (apache2 with mod_php is not installed)"; exit 77; }
. "$top_srcdir/tests/netns.sh"
UA=osmq$$a
teardown() {
	[ -f "$T/apache.pid" ] && kill "$(cat "$T/apache.pid")" 2>/dev/null
	sleep 0.3
	netns_teardown
	cleanup
}
trap teardown EXIT INT TERM
netns_up
netns_users "$UA"
DOC="$T/home/$UA/public_html"
mkdir -p "$DOC/app"
cat > "$DOC/app/mailer.php" <<'EOP'
<?php
// what a compromised plugin does: talk SMTP itself, slowly
$s = fsockopen("192.0.2.2", 25, $errno, $errstr, 3);
if (!$s) { echo "no connection: $errstr\n"; exit; }
fgets($s);
sleep(4);
fwrite($s, "QUIT\r\n");
fclose($s);
echo "sent\n";
EOP
chown -R "$UA:" "$T/home/$UA"
chmod 755 "$T/home/$UA" "$DOC" "$DOC/app"
chmod 644 "$DOC/app/mailer.php"
printf 'shop.example: %s\n' "$UA" > "$T/userdomains"

netns_mta "$NSR" "$T/mta.log" 25

AP=$((20000 + $$ % 20000))
cat > "$T/apache.conf" <<EOC
ServerRoot $T
LoadModule mpm_prefork_module $MODS/mod_mpm_prefork.so
LoadModule authz_core_module $MODS/mod_authz_core.so
LoadModule authz_host_module $MODS/mod_authz_host.so
LoadModule mime_module $MODS/mod_mime.so
TypesConfig /etc/mime.types
LoadModule status_module $MODS/mod_status.so
LoadModule php_module $MODS/libphp8.2.so
Listen 127.0.0.1:$AP
PidFile $T/apache.pid
ErrorLog $T/apache-error.log
User www-data
Group www-data
ServerName localhost
ExtendedStatus On
StartServers 3
<Location /server-status>
	SetHandler server-status
	Require ip 127.0.0.1
</Location>
<VirtualHost 127.0.0.1:$AP>
	ServerName shop.example
	DocumentRoot $DOC
	<Directory $DOC>
		Require all granted
	</Directory>
	<FilesMatch "\.php\$">
		SetHandler application/x-httpd-php
	</FilesMatch>
</VirtualHost>
EOC
ip netns exec "$NSH" "$APACHE" -f "$T/apache.conf" -k start || fail "apache: $(cat "$T/apache-error.log")"
wait_for -f "$T/apache.pid" || fail "apache wrote no pid file: $(cat "$T/apache-error.log")"

cat > "$T/extra.yaml" <<EOC
socket_mode: "0666"
min_uid: 1000
triggers:
  default:
    packet: { events: 100000, seconds: 3600, actions: [store] }
    packet:cwd: { enabled: false }
  accounts:
    www-data: { packet: { events: 1, seconds: 3600, actions: [store, rename_script] } }
apache_status:
  enabled: true
  url: http://127.0.0.1:$AP/server-status
sniffer: { backend: pcap }
EOC
write_config "$T/extra.yaml"
start_redis
# osm-policyd in the watched namespace: its action worker asks Apache there
bg_start osm-policyd "$T/pd.log" ip netns exec "$NSH" "$top_builddir/policyd/osm-policyd" -f -c "$CONF"
wait_for -S "$PD_SOCK" || fail "osm-policyd did not start"
bg_start osm-sniffer "$T/sn.log" ip netns exec "$NSH" "$top_builddir/sniffer/osm-sniffer" -f -v -c "$CONF"
SN_PID=$BG_PID
for _ in $(seq 1 50); do grep -q "capturing on" "$T/sn.log" && break; sleep 0.1; done
grep -q "capturing on" "$T/sn.log" || fail "osm-sniffer did not start: $(cat "$T/sn.log")"

# two visitors of the script; the second connection exceeds www-data's 1
for i in 1 2; do
	ip netns exec "$NSH" /usr/bin/python3 -c 'import sys, urllib.request
r = urllib.request.Request(sys.argv[1], headers={"Host": "shop.example"})
print(urllib.request.urlopen(r, timeout=20).read().decode())' "http://127.0.0.1:$AP/app/mailer.php?id=$i" \
		> "$T/get$i.txt" 2>&1 &
	gets="${gets:-} $!"
	sleep 0.5
done
id=""
for _ in $(seq 1 100); do
	id=$(osmctl reports | awk '$4 == "packet" && $5 == "www-data" {print $1; exit}')
	[ -n "$id" ] && osmctl report "$id" | grep -q "^  results:" && break
	sleep 0.1
done
[ -n "$id" ] || fail "no packet report for www-data: $(cat "$T/sn.log")"
osmctl report "$id" > "$T/report.txt"
expect_grep "vhost=\"shop.example\" account=\"$UA\"" "$T/report.txt" "the vhost and its account"
expect_grep 'request="GET /app/mailer.php?id=[12] HTTP/1.1"' "$T/report.txt" "the URL being served"
expect_grep "script=\"$DOC/app/mailer.php\"" "$T/report.txt" "the script file"
expect_grep "rename_script ok .*path=\"$DOC/app/mailer.php\"" "$T/report.txt" "rename_script acted on it"
[ -e "$DOC/app/mailer.php" ] && fail "the script was not renamed"
wait $gets
osmctl restore "$id" > /dev/null || fail "restore"
[ -f "$DOC/app/mailer.php" ] || fail "the script was not restored"
expect_grep "sent" "$T/get1.txt" "the script ran (and reached the fake MTA)"
pass
