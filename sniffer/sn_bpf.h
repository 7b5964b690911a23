/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SN_BPF_H
#define SN_BPF_H

/*
 * sn_bpf.h - the event the eBPF program (sn_bpf.bpf.c) hands to
 * userland (sn_ebpf.c) through its ring buffer; shared by both.
 */

#define SN_BPF_MAX_PORTS	8
#define SN_BPF_CONNECT		1	/* CLOSE -> SYN_SENT, inside connect() */
#define SN_BPF_RESULT		2	/* SYN_SENT -> anything else */

struct sn_bpf_event {
	unsigned long long sk;		/* the socket, to join the two phases */
	unsigned long long ns;		/* when (bpf_ktime_get_ns: CLOCK_MONOTONIC) */
	unsigned int pid;		/* phase 1: the caller's (tgid) */
	unsigned int uid;		/* the socket's owner (sk_uid) */
	unsigned int netns;		/* the socket's network namespace inode */
	unsigned short family;		/* AF_INET, AF_INET6 */
	unsigned short sport;		/* host order; 0 in phase 1 */
	unsigned short dport;		/* host order */
	unsigned char phase;
	unsigned char newstate;		/* TCP_ESTABLISHED 1, TCP_CLOSE 7, ... */
	unsigned char saddr[16];
	unsigned char daddr[16];
	char	comm[16];
};

#endif
