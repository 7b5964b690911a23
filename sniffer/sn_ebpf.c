/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sn_ebpf - load the eBPF program, read its ring buffer; see sn_ebpf.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "sn_bpf.skel.h"
#include "sn_ebpf.h"

struct sn_ebpf {
	struct sn_bpf *skel;
	struct ring_buffer *rb;
	sn_ebpf_fn *fn;
	void   *ctx;
};

/* libbpf's own chatter goes nowhere: the caller reports one reason */
static int
sn_ebpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void) level, (void) fmt, (void) ap;
	return 0;
}

static int
sn_ebpf_event(void *ctx, void *data, size_t len)
{
	struct sn_ebpf *e = ctx;

	if (len >= sizeof(struct sn_bpf_event))
		e->fn(e->ctx, data);
	return 0;
}

struct sn_ebpf *
sn_ebpf_open(const unsigned *ports, int nports, char *err, size_t errlen)
{
	struct sn_ebpf *e = calloc(1, sizeof(*e));
	int	r;

	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	libbpf_set_print(sn_ebpf_quiet);
	if ((e->skel = sn_bpf__open()) == NULL) {
		snprintf(err, errlen, "open: %s", strerror(errno));
		goto fail;
	}
	for (int i = 0; i < nports && i < SN_BPF_MAX_PORTS; i++)
		e->skel->rodata->sn_ports[i] = (unsigned short) ports[i];
	e->skel->rodata->sn_nports = (unsigned) (nports < SN_BPF_MAX_PORTS ? nports : SN_BPF_MAX_PORTS);
	if ((r = sn_bpf__load(e->skel)) != 0) {
		snprintf(err, errlen, "load: %s", strerror(-r));
		goto fail;
	}
	if ((r = sn_bpf__attach(e->skel)) != 0) {
		snprintf(err, errlen, "attach to inet_sock_set_state: %s", strerror(-r));
		goto fail;
	}
	if ((e->rb = ring_buffer__new(bpf_map__fd(e->skel->maps.sn_events), sn_ebpf_event, e, NULL)) == NULL) {
		snprintf(err, errlen, "ring buffer: %s", strerror(errno));
		goto fail;
	}
	return e;
fail:
	sn_ebpf_close(e);
	return NULL;
}

int
sn_ebpf_fd(struct sn_ebpf *e)
{
	return ring_buffer__epoll_fd(e->rb);
}

int
sn_ebpf_read(struct sn_ebpf *e, sn_ebpf_fn *fn, void *ctx)
{
	e->fn = fn;
	e->ctx = ctx;
	return ring_buffer__consume(e->rb);
}

void
sn_ebpf_close(struct sn_ebpf *e)
{
	if (e == NULL)
		return;
	ring_buffer__free(e->rb);
	sn_bpf__destroy(e->skel);
	free(e);
}
