#!/bin/sh
# t_cfg_trust: run as root, every osm program refuses a configuration
# that root alone could not have written (StrictModes, osm_secure): a
# group- or world-writable file, a writable parent directory, one
# owned by another user, a symlink, a file below /tmp (sticky is no
# excuse); and the privileged helper, which reloads the file whenever
# it changes, keeps the command lines it has when the new file is not
# trusted, so a writable configuration never gets a command run as root.
tid="cfg trust"
. "$top_srcdir/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "skip: $tid (needs root)"; exit 77; }
ML="$top_builddir/mainlog/osm-mainlog"
SN="$top_builddir/sniffer/osm-sniffer"

# refused WHAT REASON PROGRAM ARGS...: the program fails and says why
refused() {
	what=$1 reason=$2; shift 2
	"$@" > "$T/out.txt" 2>&1 && fail "$what: accepted: $(cat "$T/out.txt")"
	grep -q -- "$reason" "$T/out.txt" || fail "$what: '$reason' not in: $(cat "$T/out.txt")"
}

write_config
chmod 644 "$CONF"
"$PD" -t -c "$CONF" > "$T/out.txt" 2>&1 || fail "a root-owned 0644 file is refused: $(cat "$T/out.txt")"

tid="cfg trust: file modes"
chmod 664 "$CONF"
refused "group-writable" "$CONF:1:1: cannot open: not trusted: $CONF is writable by group or others (mode 0664)" \
	"$PD" -t -c "$CONF"
chmod 646 "$CONF"
refused "world-writable" "not trusted: $CONF is writable by group or others (mode 0646)" "$PD" -t -c "$CONF"
chmod 644 "$CONF"
chown nobody "$CONF"
refused "owned by nobody" "not trusted: $CONF is owned by uid $(id -u nobody), not root" "$PD" -t -c "$CONF"
chown root "$CONF"
ln -s "$CONF" "$T/link.yaml"
refused "a symlink" "not trusted: $T/link.yaml is a symlink" "$PD" -t -c "$T/link.yaml"
pass

tid="cfg trust: directories"
mkdir "$T/gw"
cp "$CONF" "$T/gw/osm.yaml"
chmod 775 "$T/gw"
refused "a group-writable parent" "not trusted: $T/gw is writable by group or others (mode 0775)" \
	"$PD" -t -c "$T/gw/osm.yaml"
chmod 755 "$T/gw"
chown nobody "$T/gw"
refused "a parent owned by nobody" "not trusted: $T/gw is owned by uid" "$PD" -t -c "$T/gw/osm.yaml"
tmpconf=$(mktemp /tmp/osm-trust.XXXXXX)
cp "$CONF" "$tmpconf"
chmod 644 "$tmpconf"
refused "below /tmp" "not trusted: /tmp is writable by group or others (mode 1777)" "$PD" -t -c "$tmpconf"
rm -f "$tmpconf"
pass

tid="cfg trust: every program"
chmod 666 "$CONF"
refused "osm-policyd" "configuration not loaded" timeout 10 "$PD" -f -c "$CONF"
refused "osmctl" "not trusted: $CONF is writable" "$CTL" -c "$CONF" status
refused "osm-mainlog" "not trusted: $CONF is writable" "$ML" -n -c "$CONF" /dev/null
refused "osm-sniffer" "not trusted: $CONF is writable" "$SN" -r "$top_srcdir/tests/data/sniffer-ether.pcap" -c "$CONF"
chmod 644 "$CONF"
pass

# --- the helper's reload-on-change ---------------------------------------
tid="cfg trust: helper reload"
mkdir -p "$T/bin"
for s in good evil; do
	printf '#!/bin/sh\ncat > /dev/null\ntouch %s/%s-ran\n' "$T/daemon" "$s" > "$T/bin/$s"
	chmod 755 "$T/bin/$s"
done
cat > "$T/extra.yaml" <<EOC
triggers:
  default:
    logline: { events: 2, seconds: 60, actions: [store, custom] }
    logline:subject: { enabled: false }
    cwdcheck: { enabled: false }
    cwdcheck:cwd: { enabled: false }
actions:
  custom: { command: [$T/bin/good] }
EOC
write_config "$T/extra.yaml"
chmod 644 "$CONF"
start_redis
start_policyd
# a first report starts the action worker with the trusted file
burst 3 source=exim protocol_state=END-OF-MESSAGE account=alice > /dev/null || fail "burst"
wait_for -e "$T/daemon/good-ran" || fail "the custom action did not run"
rm "$T/daemon/good-ran"
# someone who may write the file puts a command of theirs in it
sed "s|$T/bin/good|$T/bin/evil|" "$CONF" > "$T/evil.yaml"
cat "$T/evil.yaml" > "$CONF"
chmod 666 "$CONF"
burst 3 source=exim protocol_state=END-OF-MESSAGE account=carol > /dev/null || fail "burst"
wait_for -e "$T/daemon/good-ran" || [ -e "$T/daemon/evil-ran" ] || fail "the custom action did not run"
[ -e "$T/daemon/evil-ran" ] && fail "the helper ran a command from an untrusted configuration"
expect_grep "not trusted: $CONF is writable by group or others (mode 0666)" "$T/pd.log" "the helper says why"
# and the daemon's own reload keeps the running configuration
kill -HUP "$PD_PID"
wait_until grep -q "reload failed; the running configuration stays in force" "$T/pd.log" ||
	fail "SIGHUP with an untrusted file: no refusal logged"
kill -0 "$PD_PID" || fail "the daemon died on the refused reload"
pass
