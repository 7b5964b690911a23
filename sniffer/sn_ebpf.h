/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SN_EBPF_H
#define SN_EBPF_H

/*
 * sn_ebpf - osm-sniffer's eBPF backend: loads sn_bpf.bpf.c (compiled
 * into the binary as a libbpf skeleton) on the inet_sock_set_state raw
 * tracepoint and reads its events.
 *
 * sn_ebpf_open() loads and attaches it for the given ports, or returns
 * NULL with the reason in err (no BTF, no permission: CAP_BPF and
 * CAP_PERFMON, or root; a kernel older than 5.8).  sn_ebpf_fd() is the
 * descriptor to poll; sn_ebpf_read() hands every waiting event to fn.
 * Built only where the build machine has clang, bpftool and libbpf
 * (HAVE_EBPF).
 */
#include "sn_bpf.h"

struct sn_ebpf;

typedef void sn_ebpf_fn(void *ctx, const struct sn_bpf_event *);

struct sn_ebpf *sn_ebpf_open(const unsigned *ports, int nports, char *err, size_t errlen);
int	sn_ebpf_fd(struct sn_ebpf *);
int	sn_ebpf_read(struct sn_ebpf *, sn_ebpf_fn *fn, void *ctx);
void	sn_ebpf_close(struct sn_ebpf *);

#endif
