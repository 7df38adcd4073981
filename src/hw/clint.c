/*
 * CLINT: msip at 0x0 + 4*hart, mtimecmp at 0x4000 + 8*hart, mtime at
 * 0xbff8.  mtime is the VM's clock (vm_mtime); writes to it are ignored,
 * as the clock cannot be set.  mtimecmp and mtime are accessible as 64-bit
 * words or as 32-bit halves.
 */
#include <inttypes.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "hw/clint.h"
#include "services.h"

#define CLINT_MSIP	0x0000
#define CLINT_MTIMECMP	0x4000
#define CLINT_MTIME	0xbff8

struct clint {
	struct vm *vm;
	pthread_mutex_t lock;
	uint32_t msip[VM_MAX_HARTS];
	uint64_t mtimecmp[VM_MAX_HARTS];
};

/* Read `len` bytes at byte `shift` of a 64-bit register. */
static uint64_t part(uint64_t reg, unsigned shift, unsigned len)
{
	reg >>= 8 * shift;
	return len == 8 ? reg : reg & ((1ull << (8 * len)) - 1);
}

static uint64_t merge(uint64_t reg, unsigned shift, unsigned len, uint64_t val)
{
	uint64_t mask = len == 8 ? UINT64_MAX : ((1ull << (8 * len)) - 1);

	return (reg & ~(mask << (8 * shift))) | ((val & mask) << (8 * shift));
}

static bool sized(uint64_t off, unsigned len)
{
	return (len == 4 || len == 8) && !(off & (len - 1));
}

static uint64_t clint_read(void *opaque, uint64_t off, unsigned len)
{
	struct clint *c = opaque;
	uint64_t v = 0;

	if (!sized(off, len))
		return 0;
	pthread_mutex_lock(&c->lock);
	if (off < CLINT_MSIP + 4 * vm_nharts(c->vm) && len == 4)
		v = c->msip[off / 4];
	else if (off >= CLINT_MTIMECMP &&
		 off < CLINT_MTIMECMP + 8 * vm_nharts(c->vm))
		v = part(c->mtimecmp[(off - CLINT_MTIMECMP) / 8], off & 7, len);
	else if (off >= CLINT_MTIME && off < CLINT_MTIME + 8)
		v = part(vm_mtime(c->vm), off & 7, len);
	pthread_mutex_unlock(&c->lock);
	return v;
}

static void clint_write(void *opaque, uint64_t off, unsigned len, uint64_t val)
{
	struct clint *c = opaque;

	if (!sized(off, len))
		return;
	pthread_mutex_lock(&c->lock);
	if (off < CLINT_MSIP + 4 * vm_nharts(c->vm) && len == 4) {
		unsigned h = (unsigned)off / 4;

		c->msip[h] = val & 1;
		vm_set_hart_irq(c->vm, h, IRQ_M_SOFT, val & 1);
	} else if (off >= CLINT_MTIMECMP &&
		   off < CLINT_MTIMECMP + 8 * vm_nharts(c->vm)) {
		unsigned h = (unsigned)(off - CLINT_MTIMECMP) / 8;

		c->mtimecmp[h] = merge(c->mtimecmp[h], off & 7, len, val);
		vm_set_hart_timecmp(c->vm, h, c->mtimecmp[h]);
	}
	pthread_mutex_unlock(&c->lock);
}

static const struct mmio_ops clint_ops = {
	.read = clint_read,
	.write = clint_write,
};

void clint_reset(struct clint *c)
{
	pthread_mutex_lock(&c->lock);
	for (unsigned h = 0; h < vm_nharts(c->vm); h++) {
		c->msip[h] = 0;
		c->mtimecmp[h] = UINT64_MAX;
		vm_set_hart_irq(c->vm, h, IRQ_M_SOFT, false);
		vm_set_hart_timecmp(c->vm, h, UINT64_MAX);
	}
	pthread_mutex_unlock(&c->lock);
}

struct clint *clint_create(struct vm *vm, uint64_t base)
{
	struct clint *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->vm = vm;
	pthread_mutex_init(&c->lock, NULL);
	for (unsigned h = 0; h < vm_nharts(vm); h++) {
		c->mtimecmp[h] = UINT64_MAX;
		vm_set_hart_timecmp(vm, h, UINT64_MAX);
	}
	if (vm_register_mmio(vm, base, CLINT_SIZE, "clint", &clint_ops,
			  c)) {
		clint_destroy(c);
		return NULL;
	}
	return c;
}

void clint_destroy(struct clint *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static int clint_fdt(void *fdt, const struct device *d, const struct board_fdt *b)
{
	static const char compat[] = "sifive,clint0\0riscv,clint0";
	char name[48];
	int e;

	snprintf(name, sizeof(name), "clint@%" PRIx64, d->base);
	if ((e = fdt_begin_node(fdt, name)) ||
	    (e = fdt_property(fdt, "compatible", compat, sizeof(compat))) ||
	    (e = fdt_device_reg(fdt, d)) ||
	    (e = fdt_per_hart_irqs(fdt, b, IRQ_M_SOFT, IRQ_M_TIMER)))
		return e;
	return fdt_end_node(fdt);
}

static void reset(void *state)
{
	clint_reset(state);
}

static void destroy(void *state)
{
	clint_destroy(state);
}

struct device clint_device(struct clint *c, uint64_t base)
{
	return (struct device){
		.name = "clint", .base = base, .size = CLINT_SIZE, .irq = -1, .soc = true,
		.state = c, .reset = reset, .destroy = destroy, .fdt = clint_fdt,
	};
}
