# netns.sh - sourced by the sniffer tests after lib.sh: two network
# namespaces of this test joined by a veth (as ../shared notes verified):
#   NSH, the host osm watches: 192.0.2.1/24, 2001:db8::1/64
#   NSR, "the internet":       192.0.2.2/24, 2001:db8::2/64
# netns_up creates them (exit 77, a skip, where the machine cannot);
# netns_down deletes their names (each lasts until its last process has
# gone).  netns_users, netns_mta and netns_teardown below are the rest of
# the set-up the tests share.
NSH=osmh$$ NSR=osmr$$

netns_up() {
	ip netns add "$NSH" 2>/dev/null || { echo "skip: $tid (cannot create network namespaces)"; exit 77; }
	ip netns add "$NSR"
	for ns in "$NSH" "$NSR"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
		ip -n "$ns" link set lo up
	done
	ip link add "vh$$" netns "$NSH" type veth peer name "vr$$" netns "$NSR" || fail "veth"
	ip -n "$NSH" addr add 192.0.2.1/24 dev "vh$$"
	ip -n "$NSH" addr add 2001:db8::1/64 dev "vh$$" nodad
	ip -n "$NSR" addr add 192.0.2.2/24 dev "vr$$"
	ip -n "$NSR" addr add 2001:db8::2/64 dev "vr$$" nodad
	ip -n "$NSH" link set "vh$$" up
	ip -n "$NSR" link set "vr$$" up
	for _ in $(seq 1 50); do	# IPv6 takes about a second, even with nodad
		ip netns exec "$NSH" ping -6 -c1 -W0.1 2001:db8::2 > /dev/null 2>&1 && break
	done
}

netns_down() {
	ip netns del "$NSH" 2>/dev/null
	ip netns del "$NSR" 2>/dev/null
}

# netns_users USER...: local users, each with a home below $T/home
# holding public_html/app (a web account's layout); removed by
# netns_teardown.
NETNS_USERS="" NETNS_PIDS=""
netns_users() {
	chmod 755 "$T"
	mkdir -p "$T/home"
	for u in "$@"; do
		useradd -m -d "$T/home/$u" -s /bin/sh "$u" 2>/dev/null || fail "useradd $u"
		NETNS_USERS="$NETNS_USERS $u"
		mkdir -p "$T/home/$u/public_html/app"
		chown -R "$u:" "$T/home/$u"
		chmod 755 "$T/home/$u"
	done
}

# netns_mta NS LOG ARG...: tests/tools/smtp_fake.py serve ARG... in NS,
# once it listens
netns_mta() {
	ns=$1 log=$2; shift 2
	ip netns exec "$ns" /usr/bin/python3 "$top_srcdir/tests/tools/smtp_fake.py" serve "$@" > "$log" 2>&1 &
	NETNS_PIDS="$NETNS_PIDS $!"
	wait_until grep -q listening "$log" || fail "the fake MTA did not start: $(cat "$log")"
}

# netns_teardown: what netns_users and netns_mta made, and the namespaces
netns_teardown() {
	for p in $NETNS_PIDS; do kill "$p" 2>/dev/null; done
	netns_down
	for u in $NETNS_USERS; do userdel "$u" 2>/dev/null; done
}
