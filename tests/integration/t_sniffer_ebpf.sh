#!/bin/sh
# t_sniffer_ebpf: t_sniffer.sh with osm-sniffer's eBPF backend; skipped,
# with the reason, where the machine cannot load BPF programs.
SN_BACKEND=ebpf
. "$top_srcdir/tests/integration/t_sniffer.sh"
