#!/bin/sh
# t_web: the web UI in a real browser.  lighttpd serves osm.cgi twice:
# as WHM would (the /cpsessN/ prefix in the path, REMOTE_USER=root,
# cp_security_token, a stand-in for WHM's pre-rendered chrome files)
# and standalone (lighttpd's own basic auth, the web-admins file).
# Behind it a real osm-policyd and redis-server, fed real requests.
# Headless Debian chromium, driven by playwright-core (tests/web/),
# checks the pages; curl makes the requests a browser would not (no
# token, a wrong one, a GET with an action).  Screenshots of every page
# at desktop and phone width go to $top_builddir/tests/web-shots/.
tid="web"
. "$top_srcdir/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "skip: $tid (needs root: the CGI reads root-only files)"; exit 77; }
for p in lighttpd chromium node npm curl; do
	command -v "$p" > /dev/null || { echo "skip: $tid (no $p: sh tools/install-deps.sh)"; exit 77; }
done
CGI="$top_builddir/whm/osm.cgi"
WEB="$top_builddir/tests/web-node"
SHOTS="$top_builddir/tests/web-shots"
trap cleanup EXIT INT TERM

# playwright-core from npm, once per build directory (package-lock.json pins it)
mkdir -p "$WEB" "$SHOTS"
if ! cmp -s "$top_srcdir/tests/web/package-lock.json" "$WEB/package-lock.json" ||
	[ ! -d "$WEB/node_modules/playwright-core" ]; then
	cp "$top_srcdir/tests/web/package.json" "$top_srcdir/tests/web/package-lock.json" "$WEB/"
	(cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error) > "$T/npm.log" 2>&1 ||
		fail "npm ci playwright-core: $(tail -5 "$T/npm.log")"
fi

start_redis
cat > "$T/extra.yaml" <<EOC
actions:
  exim_spool: $T/spool
triggers:
  default:
    logline: { events: 5, seconds: 600, actions: [store, hold] }
EOC
write_config "$T/extra.yaml"
start_policyd
mkdir -p "$T/spool/input"
echo admin > "$T/web-admins"

# WHM's pre-rendered chrome: its placeholders, and an inline script
# that runs only if the CGI put its CSP nonce in
CH="$T/chrome"
mkdir -p "$CH/_generated_header_files" "$CH/_generated_footer_files"
echo '{"root":"k0root","bob":"k1bob"}' > "$CH/_generated_header_files/cache_keys.json"
cat > "$CH/_generated_header_files/k0root_0_0.html" <<'EOH'
<!DOCTYPE html><html><head><title>WHM - Results of Your Request</title>
<script nonce="00000000000">window.COMMON = {securityToken: "/cpsess0000000000"};</script></head>
<body><div id="whm-masthead">WHM <span id="whm-user">cpuser00000000000</span>
<a id="whm-home" href="/cpsess0000000000/">Home</a></div><div id="whm-content">
EOH
echo '</div><div id="whm-footer">WHM footer</div></body></html>' > "$CH/_generated_footer_files/footer.html"

# lighttpd: WHM-like on one port, standalone with basic auth on another
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PORT2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CPSESS=/cpsess4815162342
mkdir -p "$T/www/osm" "$T/www/whm"
cp "$CGI" "$T/www/osm/osm.cgi"
# cpsrvd's environment (lighttpd would upper-case these names)
cat > "$T/www/whm/osm.cgi" <<EOS
#!/bin/sh
exec env REMOTE_USER=root cp_security_token=$CPSESS whm_chrome_cache_directory="$CH" OSM_CONFIG="$CONF" "$T/www/osm/osm.cgi"
EOS
chmod 755 "$T/www/whm/osm.cgi"
printf 'admin:secret1\nmallory:secret2\n' > "$T/htpasswd"
cat > "$T/lighttpd.conf" <<EOC
server.modules = ("mod_alias", "mod_setenv", "mod_cgi", "mod_auth", "mod_authn_file", "mod_accesslog")
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $PORT
server.errorlog = "$T/lighttpd.err"
accesslog.filename = "$T/access.log"
server.pid-file = "$T/lighttpd.pid"
cgi.assign = (".cgi" => "")
\$SERVER["socket"] == "127.0.0.1:$PORT" {
	alias.url = ("$CPSESS/cgi/osm/" => "$T/www/whm/")
}
\$SERVER["socket"] == "127.0.0.1:$PORT2" {
	alias.url = ("/osm/" => "$T/www/osm/")
	auth.backend = "plain"
	auth.backend.plain.userfile = "$T/htpasswd"
	auth.require = ("/osm/" => ("method" => "basic", "realm" => "osm", "require" => "valid-user"))
	setenv.add-environment = ("OSM_CONFIG" => "$CONF")
}
EOC
lighttpd -tt -f "$T/lighttpd.conf" > "$T/lighttpd.test" 2>&1 || fail "lighttpd config: $(cat "$T/lighttpd.test")"
bg_start lighttpd "$T/lighttpd.log" lighttpd -D -f "$T/lighttpd.conf"
URL="http://127.0.0.1:$PORT$CPSESS/cgi/osm/osm.cgi"
SURL="http://127.0.0.1:$PORT2/osm/osm.cgi"
wait_until curl -sf -o /dev/null "$URL?asset=osm.css" || fail "lighttpd did not serve the CGI: $(cat "$T/lighttpd.err")"
FAIL_LOGS="$T/lighttpd.err $T/browser.log"

# a burst past the level, with subjects that are markup
burst 7 source=exim account=alice 'subject=<script>alert(1)</script>' > "$T/burst.out"
burst 7 source=exim account=bob 'subject="><img src=x onerror=alert(1)>' >> "$T/burst.out"
expect_grep "^action=HOLD" "$T/burst.out" "the bursts held"
wait_until sh -c '[ "$(redis-cli -s "$1" zcard osm:test:reports)" = 2 ]' - "$REDIS_SOCK" ||
	fail "the bursts made no 2 reports: $(rcli keys '*')"
ID=$(rcli zrange osm:test:reports 0 -1 | grep ' alice$' | cut -d' ' -f1)
[ -n "$ID" ] || fail "no report of alice in the index"

# the requests a browser would not make: each must change nothing
post() {	# post [CURL-ARGS...] FORM: a POST from "this site", status code printed
	curl -s -o "$T/post.html" -w '%{http_code}' -H "Origin: http://127.0.0.1:$PORT" "$@" "$URL?page=report&id=$ID"
}
expect_eq "$(post --data "op=release&id=$ID")" 403 "a POST without a token"
expect_grep "security token" "$T/post.html" "the refusal says why"
expect_eq "$(post --data "op=release&id=$ID&csrf=$(printf '%064d' 0)")" 403 "a POST with a wrong token"
TOKEN=$(curl -s "$URL?page=report&id=$ID" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
[ ${#TOKEN} = 64 ] || fail "no token in the report page"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: http://evil.example" \
	--data "op=release&id=$ID&csrf=$TOKEN" "$URL?page=report&id=$ID")" 403 "a POST from another site"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$URL?page=report&id=$ID&op=release&csrf=$TOKEN")" 200 \
	"a GET with an action is a page"
expect_eq "$(ask source=exim account=alice | cut -d' ' -f1)" "action=HOLD" "alice still held after the refused requests"
expect_eq "$(rcli hlen 'osm:test:{alice}:verdict')" 1 "alice's verdict untouched"

# standalone: the web server authenticates, web-admins authorises
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$SURL")" 401 "standalone without a login"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -u mallory:secret2 "$SURL")" 403 "a login not in web-admins"
expect_eq "$(curl -s -D "$T/hdr" -o "$T/s.html" -w '%{http_code}' -u admin:secret1 "$SURL")" 200 "an admin's login"
expect_grep "^Set-Cookie: osm_session=[0-9a-f]\{32\}; Path=/; HttpOnly; SameSite=Strict" "$T/hdr" "the session cookie"
expect_grep "^Content-Security-Policy: default-src 'none'; script-src 'self' 'nonce-" "$T/hdr" "the CSP"

# the browser: every page, the hostile subjects, the chrome, the release
OSM_URL=$URL OSM_SURL=$SURL OSM_ID=$ID OSM_SHOTS=$SHOTS NODE_PATH="$WEB/node_modules" \
	node "$top_srcdir/tests/web/t_web.cjs" > "$T/browser.log" 2>&1 ||
	fail "browser checks: $(tail -20 "$T/browser.log")"
expect_eq "$(ask source=exim account=alice)" "action=DUNNO" "alice answered DUNNO after the release in the UI"
expect_eq "$(ask source=exim account=bob | cut -d' ' -f1)" "action=HOLD" "bob still held"
# lighttpd gives a CGI its own environment, not ASAN_OPTIONS: a
# sanitizer report of osm.cgi lands in lighttpd's error log
if grep -q "Sanitizer" "$T/lighttpd.err"; then fail "osm.cgi: a sanitizer report: $(grep -m3 Sanitizer "$T/lighttpd.err")"; fi
pass
