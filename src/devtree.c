/*
 * The guest device tree, written with libfdt's sequential-write API from
 * what exists: the root and /chosen, the memory, the board's own nodes
 * (harts, interrupt controller), then every device's node, those the board
 * puts on its "soc" bus there, in the order the devices were made.
 */
#include <errno.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "devtree.h"
#include "vm.h"

#define FDT_MAX_SIZE	(64 * 1024)

/* fdt_property helpers; `e` accumulates the first libfdt error. */
#define P(call) do { if (!e) e = (call); } while (0)

int fdt_device_reg(void *fdt, const struct device *d)
{
	fdt64_t r[2] = { cpu_to_fdt64(d->base), cpu_to_fdt64(d->size) };

	return fdt_property(fdt, "reg", r, sizeof(r));
}

int fdt_device_irq(void *fdt, const struct board_fdt *b, int irq)
{
	int e = 0;

	if (b->irq_cells == 3) {	/* GIC: an SPI, level high */
		fdt32_t c[3] = { cpu_to_fdt32(0), cpu_to_fdt32((uint32_t)irq),
				 cpu_to_fdt32(4) };

		P(fdt_property(fdt, "interrupts", c, sizeof(c)));
	} else {
		P(fdt_property_u32(fdt, "interrupts", (uint32_t)irq));
	}
	P(fdt_property_u32(fdt, "interrupt-parent", b->intc));
	return e;
}

int fdt_per_hart_irqs(void *fdt, const struct board_fdt *b, int a, int c)
{
	fdt32_t cells[VM_MAX_HARTS * 4];
	unsigned n = 0;

	for (unsigned h = 0; h < vm_nharts(b->vm); h++) {
		if (a >= 0) {
			cells[n++] = cpu_to_fdt32(b->cpu_intc + h);
			cells[n++] = cpu_to_fdt32((uint32_t)a);
		}
		cells[n++] = cpu_to_fdt32(b->cpu_intc + h);
		cells[n++] = cpu_to_fdt32((uint32_t)c);
	}
	return fdt_property(fdt, "interrupts-extended", cells, (int)(n * sizeof(cells[0])));
}

static int chosen(void *f, const struct vm *vm, const struct fdt_extra *x,
		  const char *stdout)
{
	int e = 0;

	P(fdt_begin_node(f, "chosen"));
	P(fdt_property_string(f, "stdout-path", stdout));
	if (vm->cfg.append)
		P(fdt_property_string(f, "bootargs", vm->cfg.append));
	if (x->initrd_end) {
		P(fdt_property_u64(f, "linux,initrd-start", x->initrd_start));
		P(fdt_property_u64(f, "linux,initrd-end", x->initrd_end));
	}
	P(fdt_end_node(f));
	return e;
}

/*
 * The nodes of the devices on the soc bus (`soc`), or of the others; a
 * board without that bus has every device at the root.
 */
static int devices(void *f, const struct vm *vm, const struct board_fdt *b, bool soc)
{
	int e = 0;

	for (unsigned i = 0; i < vm->ndevices; i++) {
		const struct device *d = &vm->devices[i];

		if (d->fdt && (d->soc == soc || !vm->board->soc_bus))
			P(d->fdt(f, d, b));
	}
	return e;
}

int fdt_build(struct vm *vm, const struct fdt_extra *x, char *err, size_t errlen)
{
	const struct board *bd = vm->board;
	void *f = calloc(1, FDT_MAX_SIZE);
	struct board_fdt b;
	fdt64_t mem[2] = { cpu_to_fdt64(vm->ram_base), cpu_to_fdt64(vm->ram_size) };
	char name[48], stdout[64];
	int e = 0;

	if (!f) {
		snprintf(err, errlen, "device tree: out of memory");
		return -ENOMEM;
	}
	P(fdt_create(f, FDT_MAX_SIZE));
	P(fdt_finish_reservemap(f));
	P(fdt_begin_node(f, ""));
	P(fdt_property_u32(f, "#address-cells", 2));
	P(fdt_property_u32(f, "#size-cells", 2));
	P(fdt_property_string(f, "compatible", bd->compatible));
	P(fdt_property_string(f, "model", bd->model));
	bd->fdt_setup(vm, &b, stdout, sizeof(stdout));
	if (!e)
		e = chosen(f, vm, x, stdout);
	snprintf(name, sizeof(name), "memory@%" PRIx64, vm->ram_base);
	P(fdt_begin_node(f, name));
	P(fdt_property_string(f, "device_type", "memory"));
	P(fdt_property(f, "reg", mem, sizeof(mem)));
	P(fdt_end_node(f));
	if (!e)
		e = bd->fdt_begin(f, vm, &b);
	if (bd->soc_bus) {
		P(fdt_begin_node(f, "soc"));
		P(fdt_property_u32(f, "#address-cells", 2));
		P(fdt_property_u32(f, "#size-cells", 2));
		P(fdt_property_string(f, "compatible", "simple-bus"));
		P(fdt_property(f, "ranges", NULL, 0));
		if (!e)
			e = devices(f, vm, &b, true);
		P(fdt_end_node(f));
	}
	if (!e && bd->fdt_end)
		e = bd->fdt_end(f, vm, &b);
	if (!e)
		e = devices(f, vm, &b, false);
	P(fdt_end_node(f));
	P(fdt_finish(f));
	if (e) {
		snprintf(err, errlen, "device tree: %s", fdt_strerror(e));
		free(f);
		return -EINVAL;
	}
	free(vm->fdt);
	vm->fdt = f;
	vm->fdt_size = fdt_totalsize(f);
	return 0;
}
