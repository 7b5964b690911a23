#!/bin/sh
# t_exim_snippets: acl-snippets/debian-conf.d and debian-single, applied
# as their READMEs say to a copy of this machine's /etc/exim4, make
# configurations that exim accepts and that call osm: an SMTP session
# (exim -bh, no delivery) from a relay host reaches osm-policyd and a
# held sender's message is frozen.  Needs root (exim -C) and Debian's
# exim4-config.
if [ "$(id -u)" != 0 ]; then echo "skip: needs root"; exit 77; fi
[ -d /etc/exim4/conf.d ] && [ -f /etc/exim4/exim4.conf.template ] &&
	command -v update-exim4.conf >/dev/null 2>&1 || { echo "skip: Debian exim4-config not installed"; exit 77; }
/usr/sbin/exim4 -bV 2>/dev/null | grep -q Expand_dlfunc || { echo "skip: exim without dlfunc"; exit 77; }
[ -f "$top_builddir/exim-dlfunc/osm_exim.so" ] || { echo "skip: module not built"; exit 77; }
tid="exim snippets"
. "$top_srcdir/tests/lib.sh"
S="$top_srcdir/acl-snippets"
mkdir -p "$T/lib"
install -m 644 "$top_builddir/exim-dlfunc/osm_exim.so" "$T/lib/osm_exim.so"

cat > "$T/extra.yaml" <<EOC
socket_mode: "0666"
triggers:
  default:
    logline: { events: 2, seconds: 60, actions: [store, hold] }
EOC
: > "$T/userdomains"
write_config "$T/extra.yaml"
start_redis
start_policyd

# macros pointing at this test's module and socket
macros() {
	sed -e "s|^OSM_DLFUNC = .*|OSM_DLFUNC = $T/lib/osm_exim.so|" \
	    -e "s|^OSM_OPTIONS = .*|OSM_OPTIONS = socket=$PD_SOCK timeout=250|" "$S/debian-conf.d/main/01_osm-macros"
}

# session N: an SMTP session from 127.0.0.1 through config $1; prints exim's replies
session() {
	printf 'EHLO t\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<r@remote.example>\r\nDATA\r\nSubject: snippet %s\r\n\r\nx\r\n.\r\nQUIT\r\n' "$2" |
		/usr/sbin/exim4 -C "$1" -bh 127.0.0.1 2>&1
}

check_config() {	# check_config NAME FILE
	/usr/sbin/exim4 -C "$2" -bV > "$T/bv.txt" 2>&1 || fail "$1: exim rejects it: $(tail -5 "$T/bv.txt")"
	grep -q "osm_check" "$2" || fail "$1: osm_check missing from the generated file"
	grep -q "osm_route" "$2" || fail "$1: osm_route missing from the generated file"
	rcli FLUSHALL > /dev/null
	for i in 1 2 3; do session "$2" "$i" > "$T/s$i.txt"; done
	expect_grep "250 OK id=" "$T/s1.txt" "$1: first message accepted"
	expect_eq "$(rcli HGET 'osm:test:{ip%3A127.0.0.1}:verdict' ip:127.0.0.1 | cut -d' ' -f1)" HOLD \
		"$1: the 3rd message exceeded 2 and the relay host is held"
	expect_grep "frozen by osm" "$T/s3.txt" "$1: the held message is frozen"
}

# --- split configuration: copy the files, paste the fragment ------------
cp -a /etc/exim4 "$T/split"
sed -i "s/^dc_use_split_config=.*/dc_use_split_config='true'/" "$T/split/update-exim4.conf.conf"
macros > "$T/split/conf.d/main/01_osm-macros"
cp "$S/debian-conf.d/acl/35_osm_not_smtp" "$T/split/conf.d/acl/"
cp "$S/debian-conf.d/router/150_osm_queued" "$T/split/conf.d/router/"
sed -i "/^acl_check_data:/r $S/debian-conf.d/acl/40_osm_check_data.fragment" \
	"$T/split/conf.d/acl/40_exim4-config_check_data"
update-exim4.conf -d "$T/split" -o "$T/split.conf" > "$T/u.txt" 2>&1 || fail "update-exim4.conf (split): $(cat "$T/u.txt")"
check_config "split" "$T/split.conf"
pass

# --- single file: the same parts pasted into the template ----------------
tid="exim snippets single"
cp -a /etc/exim4 "$T/single"
sed -i "s/^dc_use_split_config=.*/dc_use_split_config='false'/" "$T/single/update-exim4.conf.conf"
tpl="$T/single/exim4.conf.template"
macros > "$T/macros"
# 1. macros before the first "begin"; 2. the not-smtp ACL after "begin acl";
# 3. the fragment after "acl_check_data:"; 4. the router after "begin routers"
awk -v m="$T/macros" -v a="$S/debian-conf.d/acl/35_osm_not_smtp" \
    -v f="$S/debian-conf.d/acl/40_osm_check_data.fragment" -v r="$S/debian-conf.d/router/150_osm_queued" '
	function cat(file,   l) { while ((getline l < file) > 0) print l; close(file) }
	/^begin / && !done_m { cat(m); done_m = 1 }
	{ print }
	/^begin acl$/ { cat(a) }
	/^acl_check_data:$/ { cat(f) }
	/^begin routers$/ { cat(r) }' "$tpl" > "$tpl.new" && mv "$tpl.new" "$tpl"
update-exim4.conf -d "$T/single" -o "$T/single.conf" > "$T/u.txt" 2>&1 || fail "update-exim4.conf (single): $(cat "$T/u.txt")"
check_config "single" "$T/single.conf"
pass
