/*
 * PLIC register map: priority 0x0 + 4*src, pending bits 0x1000, enable
 * bits 0x2000 + 0x80*ctx, threshold 0x200000 + 0x1000*ctx and
 * claim/complete 0x200004 + 0x1000*ctx.  Only 32-bit accesses do anything.
 */
#include <inttypes.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/plic.h"
#include "services.h"

#define PLIC_PRIORITY	0x000000
#define PLIC_PENDING	0x001000
#define PLIC_ENABLE	0x002000
#define PLIC_CONTEXT	0x200000
#define PLIC_MAX_PRIO	7
#define WORDS		(PLIC_MAX_SOURCES / 32)
#define MAX_CONTEXTS	(2 * VM_MAX_HARTS)

struct plic {
	struct vm *vm;
	pthread_mutex_t lock;
	unsigned ndev, nctx;
	bool m_contexts;		/* context 2h: M-mode, 2h + 1: S-mode */
	uint32_t priority[PLIC_MAX_SOURCES];
	uint32_t level[WORDS];		/* the source lines */
	uint32_t pending[WORDS];
	uint32_t claimed[WORDS];	/* in service: claimed, not completed */
	uint32_t enable[MAX_CONTEXTS][WORDS];
	uint32_t threshold[MAX_CONTEXTS];
	bool out[MAX_CONTEXTS];
};

static bool test(const uint32_t *bits, unsigned n)
{
	return (bits[n / 32] >> (n % 32)) & 1;
}

static void assign(uint32_t *bits, unsigned n, bool v)
{
	if (v)
		bits[n / 32] |= 1u << (n % 32);
	else
		bits[n / 32] &= ~(1u << (n % 32));
}

/* The best source a context would claim now, or 0. */
static unsigned best(struct plic *p, unsigned ctx)
{
	unsigned src = 0, prio = p->threshold[ctx];

	for (unsigned s = 1; s <= p->ndev; s++)
		if (test(p->pending, s) && test(p->enable[ctx], s) &&
		    p->priority[s] > prio) {
			src = s;
			prio = p->priority[s];
		}
	return src;
}

static void update(struct plic *p)
{
	for (unsigned ctx = 0; ctx < p->nctx; ctx++) {
		bool on = best(p, ctx) != 0;

		if (on != p->out[ctx]) {
			p->out[ctx] = on;
			if (!p->m_contexts)
				vm_set_hart_irq(p->vm, ctx, IRQ_S_EXT, on);
			else
				vm_set_hart_irq(p->vm, ctx / 2,
						ctx & 1 ? IRQ_S_EXT : IRQ_M_EXT, on);
		}
	}
}

void plic_set_irq(void *opaque, unsigned src, bool level)
{
	struct plic *p = opaque;

	if (src == 0 || src > p->ndev)
		return;
	pthread_mutex_lock(&p->lock);
	assign(p->level, src, level);
	/* The gateway passes a level only while the source is not claimed. */
	if (!test(p->claimed, src))
		assign(p->pending, src, level);
	update(p);
	pthread_mutex_unlock(&p->lock);
}

static uint32_t claim(struct plic *p, unsigned ctx)
{
	unsigned src = best(p, ctx);

	if (src) {
		assign(p->pending, src, false);
		assign(p->claimed, src, true);
	}
	return src;
}

static void complete(struct plic *p, unsigned ctx, uint64_t src)
{
	if (src == 0 || src > p->ndev || !test(p->claimed, (unsigned)src))
		return;
	assign(p->claimed, (unsigned)src, false);
	if (test(p->level, (unsigned)src))
		assign(p->pending, (unsigned)src, true);
}

static uint64_t plic_read(void *opaque, uint64_t off, unsigned len)
{
	struct plic *p = opaque;
	uint64_t v = 0;

	if (len != 4 || (off & 3))
		return 0;
	pthread_mutex_lock(&p->lock);
	if (off < PLIC_PENDING) {
		if (off / 4 <= p->ndev)
			v = p->priority[off / 4];
	} else if (off < PLIC_PENDING + 4 * WORDS) {
		v = p->pending[(off - PLIC_PENDING) / 4];
	} else if (off >= PLIC_ENABLE && off < PLIC_ENABLE + 0x80 * p->nctx) {
		unsigned ctx = (unsigned)(off - PLIC_ENABLE) / 0x80;
		unsigned w = (unsigned)(off - PLIC_ENABLE) % 0x80 / 4;

		if (w < WORDS)
			v = p->enable[ctx][w];
	} else if (off >= PLIC_CONTEXT &&
		   off < PLIC_CONTEXT + 0x1000 * p->nctx) {
		unsigned ctx = (unsigned)(off - PLIC_CONTEXT) / 0x1000;

		switch ((off - PLIC_CONTEXT) % 0x1000) {
		case 0: v = p->threshold[ctx]; break;
		case 4: v = claim(p, ctx); update(p); break;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return v;
}

static uint32_t source_mask(struct plic *p, unsigned w)
{
	uint32_t m = UINT32_MAX;

	if (w == 0)
		m &= ~1u;			/* source 0 does not exist */
	for (unsigned b = 0; b < 32; b++)
		if (32 * w + b > p->ndev)
			m &= ~(1u << b);
	return m;
}

static void plic_write(void *opaque, uint64_t off, unsigned len, uint64_t val)
{
	struct plic *p = opaque;
	uint32_t v = (uint32_t)val;

	if (len != 4 || (off & 3))
		return;
	pthread_mutex_lock(&p->lock);
	if (off < PLIC_PENDING) {
		if (off / 4 >= 1 && off / 4 <= p->ndev)
			p->priority[off / 4] = v & PLIC_MAX_PRIO;
	} else if (off >= PLIC_ENABLE && off < PLIC_ENABLE + 0x80 * p->nctx) {
		unsigned ctx = (unsigned)(off - PLIC_ENABLE) / 0x80;
		unsigned w = (unsigned)(off - PLIC_ENABLE) % 0x80 / 4;

		if (w < WORDS)
			p->enable[ctx][w] = v & source_mask(p, w);
	} else if (off >= PLIC_CONTEXT &&
		   off < PLIC_CONTEXT + 0x1000 * p->nctx) {
		unsigned ctx = (unsigned)(off - PLIC_CONTEXT) / 0x1000;

		switch ((off - PLIC_CONTEXT) % 0x1000) {
		case 0: p->threshold[ctx] = v & PLIC_MAX_PRIO; break;
		case 4: complete(p, ctx, v); break;
		}
	}
	update(p);
	pthread_mutex_unlock(&p->lock);
}

static const struct mmio_ops plic_ops = {
	.read = plic_read,
	.write = plic_write,
};

void plic_reset(struct plic *p)
{
	pthread_mutex_lock(&p->lock);
	memset(p->priority, 0, sizeof(p->priority));
	memset(p->claimed, 0, sizeof(p->claimed));
	memset(p->enable, 0, sizeof(p->enable));
	memset(p->threshold, 0, sizeof(p->threshold));
	memcpy(p->pending, p->level, sizeof(p->pending));
	update(p);
	pthread_mutex_unlock(&p->lock);
}

struct plic *plic_create(struct vm *vm, uint64_t base, unsigned ndev,
			 bool m_contexts)
{
	struct plic *p;

	if (ndev >= PLIC_MAX_SOURCES)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->vm = vm;
	p->ndev = ndev;
	p->m_contexts = m_contexts;
	p->nctx = (m_contexts ? 2 : 1) * vm_nharts(vm);
	pthread_mutex_init(&p->lock, NULL);
	if (vm_register_mmio(vm, base, PLIC_SIZE, "plic", &plic_ops, p)) {
		plic_destroy(p);
		return NULL;
	}
	return p;
}

void plic_destroy(struct plic *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static int plic_fdt(void *fdt, const struct device *d, const struct board_fdt *b)
{
	static const char compat[] = "sifive,plic-1.0.0\0riscv,plic0";
	const struct plic *p = d->state;
	char name[48];
	int e;

	snprintf(name, sizeof(name), "plic@%" PRIx64, d->base);
	if ((e = fdt_begin_node(fdt, name)) ||
	    (e = fdt_property(fdt, "compatible", compat, sizeof(compat))) ||
	    (e = fdt_device_reg(fdt, d)) ||
	    (e = fdt_property_u32(fdt, "#address-cells", 0)) ||
	    (e = fdt_property_u32(fdt, "#interrupt-cells", 1)) ||
	    (e = fdt_property(fdt, "interrupt-controller", NULL, 0)) ||
	    (e = fdt_property_u32(fdt, "riscv,ndev", p->ndev)) ||
	    (e = fdt_per_hart_irqs(fdt, b, p->m_contexts ? IRQ_M_EXT : -1, IRQ_S_EXT)) ||
	    (e = fdt_property_u32(fdt, "phandle", b->intc)))
		return e;
	return fdt_end_node(fdt);
}

static void reset(void *state)
{
	plic_reset(state);
}

static void destroy(void *state)
{
	plic_destroy(state);
}

struct device plic_device(struct plic *p, uint64_t base)
{
	return (struct device){
		.name = "plic", .base = base, .size = PLIC_SIZE, .irq = -1, .soc = true,
		.state = p, .reset = reset, .destroy = destroy, .fdt = plic_fdt,
	};
}
