#!/usr/bin/env python3
# sniffer-gen.py - writes the sniffer's golden capture files:
#   sniffer-sll2.pcap (Linux "any", LINKTYPE_LINUX_SLL2), sniffer-ether.pcap
#   (Ethernet, one with a VLAN tag) and sniffer-raw.pcap (raw IP).
# Each mixes first SYNs to 25/465/587 (IPv4, IPv6, IPv6 with a hop-by-hop
# header) with what must not count: SYN-ACK, ACK, other ports, UDP,
# fragments, truncated frames, ARP.  Run: python3 sniffer-gen.py DIR
import ipaddress
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp(sport, dport, flags):
    return struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, flags, 64240, 0, 0)


def ip4(src, dst, payload, proto=6, frag=0):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, frag, 64, proto, 0,
                    ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ip6(src, dst, payload, nh=6, hbh=False):
    if hbh:   # hop-by-hop options: next header, length 0 (8 bytes), PadN
        payload = bytes([nh, 0, 1, 4, 0, 0, 0, 0]) + payload
        nh = 0
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64,
                       ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed) + payload


def sll2(ethertype, ifindex, pkttype, payload):
    return struct.pack("!HHIHBB8s", ethertype, 0, ifindex, 1, pkttype, 6, b"\x02" * 6 + b"\0\0") + payload


def ether(ethertype, payload, vlan=None):
    h = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01"
    if vlan is not None:
        h += struct.pack("!HH", 0x8100, vlan)
    return h + struct.pack("!H", ethertype) + payload


def write(path, linktype, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        t = 1795428000
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", t + i, i, len(fr), len(fr)))
            f.write(fr)


SYN, SYNACK, ACK = 0x02, 0x12, 0x10
d = sys.argv[1]
v4 = lambda s, p, fl=SYN, sp=40000: ip4("192.0.2.1", "192.0.2.2", tcp(sp, p, fl))
v6 = lambda p, hbh=False, sp=40001: ip6("2001:db8::1", "2001:db8::2", tcp(sp, p, SYN), hbh=hbh)
write(d + "/sniffer-sll2.pcap", 276, [
    sll2(0x0800, 2, 4, v4(0, 25)),                       # counts
    sll2(0x0800, 2, 4, v4(0, 25)),                       # a retransmission: printed again
    sll2(0x0800, 2, 0, ip4("192.0.2.2", "192.0.2.1", tcp(25, 40000, SYNACK))),
    sll2(0x0800, 2, 4, v4(0, 25, ACK)),
    sll2(0x0800, 2, 4, v4(0, 80)),                       # not SMTP
    sll2(0x86DD, 2, 4, v6(587)),                         # counts
    sll2(0x86DD, 2, 4, v6(465, hbh=True, sp=40002)),     # counts, through the extension header
    sll2(0x0800, 1, 0, ip4("127.0.0.1", "127.0.0.1", tcp(40003, 25, SYN))),  # localhost: counts
    sll2(0x0800, 2, 4, v4(0, 25)[:30]),                  # truncated
    sll2(0x0800, 2, 4, ip4("192.0.2.1", "192.0.2.2", tcp(40004, 25, SYN), frag=0x2000)),  # a fragment
    sll2(0x0800, 2, 4, ip4("192.0.2.1", "192.0.2.2", struct.pack("!HHHH", 5353, 25, 8, 0), proto=17)),
])
write(d + "/sniffer-ether.pcap", 1, [
    ether(0x0800, v4(0, 465, sp=41000), vlan=7),         # counts, VLAN-tagged
    ether(0x0800, v4(0, 587, sp=41001)),                 # counts
    ether(0x0806, b"\0\x01\x08\0\x06\x04\0\x01" + b"\0" * 20),  # ARP
    ether(0x86DD, v6(25, sp=41002)),                     # counts
])
write(d + "/sniffer-raw.pcap", 101, [
    v4(0, 25, sp=42000),                                 # counts
    v6(587, sp=42001),                                   # counts
    b"\x45",                                             # one byte
])
