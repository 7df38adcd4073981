/* ARM PL031 real-time clock. */
#include <inttypes.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hw/pl031.h"
#include "services.h"

enum {
	REG_DR = 0x00, REG_MR = 0x04, REG_LR = 0x08, REG_CR = 0x0c,
	REG_IMSC = 0x10, REG_RIS = 0x14, REG_MIS = 0x18, REG_ICR = 0x1c,
	REG_ID = 0xfe0,
};

/* PeriphID0-3, PCellID0-3 of a PL031. */
static const uint8_t ids[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

struct pl031 {
	pthread_mutex_t lock;
	int64_t offset;			/* guest seconds - host seconds */
	uint32_t mr, lr, imsc;
};

static uint32_t now(const struct pl031 *r)
{
	return (uint32_t)(time(NULL) + r->offset);
}

static uint64_t pl031_read(void *opaque, uint64_t off, unsigned len)
{
	struct pl031 *r = opaque;
	uint32_t v = 0;

	if (off >= REG_ID && off < REG_ID + 0x20)
		return (off & 3) ? 0 : ids[(off - REG_ID) / 4];
	pthread_mutex_lock(&r->lock);
	switch (off) {
	case REG_DR: v = now(r); break;
	case REG_MR: v = r->mr; break;
	case REG_LR: v = r->lr; break;
	case REG_CR: v = 1; break;		/* always started */
	case REG_IMSC: v = r->imsc; break;
	}
	pthread_mutex_unlock(&r->lock);
	return v;
}

static void pl031_write(void *opaque, uint64_t off, unsigned len, uint64_t val)
{
	struct pl031 *r = opaque;
	uint32_t v = (uint32_t)val;

	pthread_mutex_lock(&r->lock);
	switch (off) {
	case REG_MR: r->mr = v; break;
	case REG_LR:
		r->lr = v;
		r->offset = (int64_t)v - (int64_t)time(NULL);
		break;
	case REG_IMSC: r->imsc = v & 1; break;
	}
	pthread_mutex_unlock(&r->lock);
}

static const struct mmio_ops pl031_ops = {
	.read = pl031_read,
	.write = pl031_write,
};

struct pl031 *pl031_create(struct vm *vm, uint64_t base)
{
	struct pl031 *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	pthread_mutex_init(&r->lock, NULL);
	if (vm_register_mmio(vm, base, PL031_SIZE, "pl031", &pl031_ops, r)) {
		pl031_destroy(r);
		return NULL;
	}
	return r;
}

void pl031_destroy(struct pl031 *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static int pl031_fdt(void *fdt, const struct device *d, const struct board_fdt *b)
{
	static const char compat[] = "arm,pl031\0arm,primecell";
	char name[48];
	int e;

	snprintf(name, sizeof(name), "pl031@%" PRIx64, d->base);
	if ((e = fdt_begin_node(fdt, name)) ||
	    (e = fdt_property(fdt, "compatible", compat, sizeof(compat))) ||
	    (e = fdt_device_reg(fdt, d)) ||
	    (e = fdt_device_irq(fdt, b, d->irq)) ||
	    (e = fdt_property_u32(fdt, "clocks", b->clock)) ||
	    (e = fdt_property_string(fdt, "clock-names", "apb_pclk")))
		return e;
	return fdt_end_node(fdt);
}

static void destroy(void *state)
{
	pl031_destroy(state);
}

/* The clock keeps its time across a guest reset, as a battery-backed one. */
struct device pl031_device(struct pl031 *r, uint64_t base, int irq)
{
	return (struct device){
		.name = "pl031", .base = base, .size = PL031_SIZE, .irq = irq,
		.state = r, .destroy = destroy, .fdt = pl031_fdt,
	};
}
