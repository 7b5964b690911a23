#!/bin/sh
# t_sniffer_golden: "osm-sniffer -r" decodes the capture files made by
# tests/data/sniffer-gen.py (Linux "any" SLL2, Ethernet with a VLAN tag,
# raw IP) into exactly the attempts in the .out next to each: first SYNs
# to 25/465/587 over IPv4 and IPv6 (through a hop-by-hop header), to
# localhost too; never SYN-ACKs, ACKs, other ports, UDP, fragments,
# truncated frames or ARP.
tid="sniffer golden"
. "$top_srcdir/tests/lib.sh"
printf 'server_name: t\n' > "$T/s.yaml"
for cap in "$top_srcdir"/tests/data/sniffer-*.pcap; do
	want="${cap%.pcap}.out"
	"$top_builddir/sniffer/osm-sniffer" -r "$cap" -c "$T/s.yaml" > "$T/got" 2>&1 ||
		fail "osm-sniffer -r $cap failed: $(cat "$T/got")"
	diff -u "$want" "$T/got" > "$T/diff" || fail "$(basename "$cap"): $(cat "$T/diff")"
done
# the ports come from the configuration
printf 'server_name: t\nsniffer: { ports: [587] }\n' > "$T/s587.yaml"
"$top_builddir/sniffer/osm-sniffer" -r "$top_srcdir/tests/data/sniffer-sll2.pcap" -c "$T/s587.yaml" > "$T/got" 2>&1
expect_eq "$(grep -c ' > ' "$T/got")" 1 "only port 587 with sniffer.ports [587]"
# a file that is not a capture
echo "not a pcap" > "$T/bad.pcap"
"$top_builddir/sniffer/osm-sniffer" -r "$T/bad.pcap" -c "$T/s.yaml" > "$T/got" 2>&1 && fail "a bad file was accepted"
expect_grep "osm-sniffer: .*" "$T/got" "a clear error for a bad file"
# live capture without the permission: a clear message and exit 1
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	printf 'server_name: t\nuser: ""\nsniffer: { backend: pcap }\n' > "$T/live.yaml"
	chmod 644 "$T/live.yaml"
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		"$top_builddir/sniffer/osm-sniffer" -f -c "$T/live.yaml" > "$T/perm" 2>&1
	expect_eq "$?" 1 "no capture permission: exit 1"
	expect_grep "no permission to capture on any" "$T/perm" "and says why"
	# a kernel without packet sockets (OpenVZ): say so once, exit 0
	"$top_builddir/tests/tools/nopacket" "$top_builddir/sniffer/osm-sniffer" -f -c "$T/live.yaml" > "$T/ovz" 2>&1
	expect_eq "$?" 0 "no packet sockets: exit 0"
	expect_grep "this system cannot capture packets .*the rest of osm runs on" "$T/ovz" "and says why"
	expect_eq "$(wc -l < "$T/ovz")" 1 "in one line"
	# an interface that does not exist is a configuration error
	printf 'server_name: t\nuser: ""\nsniffer: { backend: pcap, interface: osmnosuch0 }\n' > "$T/noif.yaml"
	"$top_builddir/sniffer/osm-sniffer" -f -c "$T/noif.yaml" > "$T/noif" 2>&1
	expect_eq "$?" 1 "no such interface: exit 1"
	expect_grep "sniffer.interface osmnosuch0: no such interface" "$T/noif" "and says which"
fi
pass
