/* SiFive test finisher: power-off and reset requests from the guest. */
#include <inttypes.h>
#include <libfdt.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "hw/finisher.h"
#include "services.h"
#include "util.h"

#define FINISHER_PASS	0x5555
#define FINISHER_FAIL	0x3333
#define FINISHER_RESET	0x7777

struct finisher {
	struct vm *vm;
	atomic_bool warned;
};

static uint64_t finisher_read(void *opaque, uint64_t off, unsigned len)
{
	return 0;
}

static void finisher_write(void *opaque, uint64_t off, unsigned len,
			   uint64_t val)
{
	struct finisher *f = opaque;
	unsigned code = (unsigned)(val >> 16) & 0xffff;

	/*
	 * The register is 32 bits at offset 0; stores of 8, 16 and 32 bits
	 * all count (OpenSBI uses a 16-bit store, so a failure from it has
	 * no code).  A 64-bit store is two bus cycles, the upper one to
	 * offset 4, which holds nothing.
	 */
	if (off != 0)
		return;
	if (len < 4)
		code = 0;
	switch (val & 0xffff) {
	case FINISHER_PASS:
		vm_request_exit(f->vm, VM_EXIT_POWEROFF, 0);
		break;
	case FINISHER_FAIL:
		/* Exit statuses are 8 bits; keep a failure a failure. */
		vm_request_exit(f->vm, VM_EXIT_POWEROFF,
				code & 0xff ? (int)(code & 0xff) : 1);
		break;
	case FINISHER_RESET:
		vm_request_exit(f->vm, VM_EXIT_RESET, 0);
		break;
	default:
		say_once(&f->warned, "test finisher: unknown command 0x%llx ignored",
			 (unsigned long long)val);
	}
}

static const struct mmio_ops finisher_ops = {
	.read = finisher_read,
	.write = finisher_write,
};

struct finisher *finisher_create(struct vm *vm, uint64_t base)
{
	struct finisher *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->vm = vm;
	if (vm_register_mmio(vm, base, FINISHER_SIZE, "test", &finisher_ops,
			  f)) {
		free(f);
		return NULL;
	}
	return f;
}

void finisher_destroy(struct finisher *f)
{
	free(f);
}

static int finisher_fdt(void *fdt, const struct device *d, const struct board_fdt *b)
{
	static const char compat[] = "sifive,test1\0sifive,test0\0syscon";
	char name[48];
	int e;

	snprintf(name, sizeof(name), "test@%" PRIx64, d->base);
	if ((e = fdt_begin_node(fdt, name)) ||
	    (e = fdt_property(fdt, "compatible", compat, sizeof(compat))) ||
	    (e = fdt_device_reg(fdt, d)) ||
	    (e = fdt_property_u32(fdt, "phandle", b->test)))
		return e;
	return fdt_end_node(fdt);
}

static void destroy(void *state)
{
	finisher_destroy(state);
}

struct device finisher_device(struct finisher *f, uint64_t base)
{
	return (struct device){
		.name = "test", .base = base, .size = FINISHER_SIZE, .irq = -1,
		.soc = true, .state = f, .destroy = destroy, .fdt = finisher_fdt,
	};
}
