// SPDX-License-Identifier: GPL-2.0-only
/*
 * sn_bpf.bpf.c - osm-sniffer's eBPF program: every TCP connection attempt
 * to the watched ports, from the socket's state changes (the
 * inet_sock_set_state raw tracepoint, which needs no tracefs).
 *
 * CLOSE -> SYN_SENT runs inside connect(), so the current task is the
 * caller: its pid and the socket's uid go out at once, while the caller
 * still waits (userland reads its /proc then).  The source port is not
 * bound yet; it goes out with the outcome, when the socket leaves
 * SYN_SENT (ESTABLISHED, or CLOSE for refused, timed out or rejected
 * by a local firewall rule before any packet left).  Built CO-RE
 * against the build machine's BTF; GPL because the helpers are.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "sn_bpf.h"

#define AF_INET		2
#define AF_INET6	10
#define TCP_SYN_SENT	2
#define TCP_CLOSE	7

char LICENSE[] SEC("license") = "GPL";

/* set by userland before the program is loaded */
const volatile unsigned short sn_ports[SN_BPF_MAX_PORTS] = {};
const volatile unsigned int sn_nports = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} sn_events SEC(".maps");

static __always_inline int
sn_watched(unsigned short port)
{
	for (int i = 0; i < SN_BPF_MAX_PORTS; i++)
		if (i < sn_nports && sn_ports[i] == port)
			return 1;
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int
sn_state(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = (struct sock *) ctx->args[0];
	int	old = (int) ctx->args[1], new = (int) ctx->args[2];
	struct sn_bpf_event *e;
	unsigned short dport;

	if (!((old == TCP_CLOSE && new == TCP_SYN_SENT) || (old == TCP_SYN_SENT && new != TCP_SYN_SENT)))
		return 0;
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (!sn_watched(dport))
		return 0;
	if ((e = bpf_ringbuf_reserve(&sn_events, sizeof(*e), 0)) == NULL)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->sk = (unsigned long long) sk;
	e->ns = bpf_ktime_get_ns();
	e->phase = new == TCP_SYN_SENT ? SN_BPF_CONNECT : SN_BPF_RESULT;
	e->newstate = (unsigned char) new;
	e->dport = dport;
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->uid = BPF_CORE_READ(sk, sk_uid.val);
	e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	if (e->phase == SN_BPF_CONNECT) {
		e->pid = (unsigned int) (bpf_get_current_pid_tgid() >> 32);
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	}
	if (e->family == AF_INET) {
		bpf_core_read(e->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(e->daddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(e->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}
