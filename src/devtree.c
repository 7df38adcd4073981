/*
 * The guest device tree, written with libfdt's sequential-write API.  The
 * layout follows QEMU's riscv virt board so firmware built for it finds
 * every device where it looks.
 */
#include <errno.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devtree.h"
#include "vm.h"

#define FDT_MAX_SIZE	(64 * 1024)

enum {
	PH_PLIC = 1,
	PH_TEST = 2,
	PH_CPU_INTC = 0x10,	/* + hart */
};

/* fdt_property helpers; `e` accumulates the first libfdt error. */
#define P(call) do { if (!e) e = (call); } while (0)

static int prop_reg(void *f, uint64_t base, uint64_t size)
{
	fdt64_t r[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };

	return fdt_property(f, "reg", r, sizeof(r));
}

static int prop_strings(void *f, const char *name, const char *list, size_t len)
{
	return fdt_property(f, name, list, (int)len);
}

#define STRLIST(f, name, lit) prop_strings(f, name, lit, sizeof(lit))

static int cpus(void *f, const struct vm *vm)
{
	int e = 0;

	P(fdt_begin_node(f, "cpus"));
	P(fdt_property_u32(f, "#address-cells", 1));
	P(fdt_property_u32(f, "#size-cells", 0));
	P(fdt_property_u32(f, "timebase-frequency", (uint32_t)vm->timebase_hz));
	for (unsigned h = 0; h < vm->nharts; h++) {
		char name[32];

		snprintf(name, sizeof(name), "cpu@%u", h);
		P(fdt_begin_node(f, name));
		P(fdt_property_string(f, "device_type", "cpu"));
		P(fdt_property_u32(f, "reg", h));
		P(fdt_property_string(f, "status", "okay"));
		P(fdt_property_string(f, "compatible", "riscv"));
		P(fdt_property_string(f, "riscv,isa", vm->cpu_isa));
		P(fdt_property_string(f, "mmu-type", "riscv,sv39"));
		P(fdt_begin_node(f, "interrupt-controller"));
		P(fdt_property_u32(f, "#interrupt-cells", 1));
		P(fdt_property(f, "interrupt-controller", NULL, 0));
		P(fdt_property_string(f, "compatible", "riscv,cpu-intc"));
		P(fdt_property_u32(f, "phandle", PH_CPU_INTC + h));
		P(fdt_end_node(f));
		P(fdt_end_node(f));
	}
	P(fdt_end_node(f));
	return e;
}

/*
 * interrupts-extended = <intc(h) a intc(h) b> for every hart, or only
 * <intc(h) b> when `a` is NO_IRQ.
 */
#define NO_IRQ UINT32_MAX

static int irqs_per_hart(void *f, const struct vm *vm, uint32_t a, uint32_t b)
{
	fdt32_t cells[VIRT_MAX_HARTS * 4];
	unsigned n = 0;

	for (unsigned h = 0; h < vm->nharts; h++) {
		if (a != NO_IRQ) {
			cells[n++] = cpu_to_fdt32(PH_CPU_INTC + h);
			cells[n++] = cpu_to_fdt32(a);
		}
		cells[n++] = cpu_to_fdt32(PH_CPU_INTC + h);
		cells[n++] = cpu_to_fdt32(b);
	}
	return fdt_property(f, "interrupts-extended", cells, (int)(n * sizeof(cells[0])));
}

static int soc(void *f, const struct vm *vm)
{
	char name[48];
	int e = 0;

	P(fdt_begin_node(f, "soc"));
	P(fdt_property_u32(f, "#address-cells", 2));
	P(fdt_property_u32(f, "#size-cells", 2));
	P(fdt_property_string(f, "compatible", "simple-bus"));
	P(fdt_property(f, "ranges", NULL, 0));

	snprintf(name, sizeof(name), "test@%" PRIx64, VIRT_TEST_BASE);
	P(fdt_begin_node(f, name));
	P(STRLIST(f, "compatible", "sifive,test1\0sifive,test0\0syscon"));
	P(prop_reg(f, VIRT_TEST_BASE, VIRT_TEST_SIZE));
	P(fdt_property_u32(f, "phandle", PH_TEST));
	P(fdt_end_node(f));

	if (vm_has_mmode(vm)) {
		snprintf(name, sizeof(name), "clint@%" PRIx64, VIRT_CLINT_BASE);
		P(fdt_begin_node(f, name));
		P(STRLIST(f, "compatible", "sifive,clint0\0riscv,clint0"));
		P(prop_reg(f, VIRT_CLINT_BASE, VIRT_CLINT_SIZE));
		P(irqs_per_hart(f, vm, IRQ_M_SOFT, IRQ_M_TIMER));
		P(fdt_end_node(f));
	}

	snprintf(name, sizeof(name), "plic@%" PRIx64, VIRT_PLIC_BASE);
	P(fdt_begin_node(f, name));
	P(STRLIST(f, "compatible", "sifive,plic-1.0.0\0riscv,plic0"));
	P(prop_reg(f, VIRT_PLIC_BASE, VIRT_PLIC_SIZE));
	P(fdt_property_u32(f, "#address-cells", 0));
	P(fdt_property_u32(f, "#interrupt-cells", 1));
	P(fdt_property(f, "interrupt-controller", NULL, 0));
	P(fdt_property_u32(f, "riscv,ndev", VIRT_PLIC_NDEV));
	P(irqs_per_hart(f, vm, vm_has_mmode(vm) ? IRQ_M_EXT : NO_IRQ, IRQ_S_EXT));
	P(fdt_property_u32(f, "phandle", PH_PLIC));
	P(fdt_end_node(f));

	for (unsigned i = 0; i < vm->nvirtio; i++) {
		uint64_t base = VIRT_VIRTIO_BASE + i * VIRT_VIRTIO_STRIDE;

		snprintf(name, sizeof(name), "virtio_mmio@%" PRIx64, base);
		P(fdt_begin_node(f, name));
		P(fdt_property_string(f, "compatible", "virtio,mmio"));
		P(prop_reg(f, base, VIRT_VIRTIO_STRIDE));
		P(fdt_property_u32(f, "interrupts", VIRT_VIRTIO_IRQ + i));
		P(fdt_property_u32(f, "interrupt-parent", PH_PLIC));
		P(fdt_end_node(f));
	}

	snprintf(name, sizeof(name), "serial@%" PRIx64, VIRT_UART0_BASE);
	P(fdt_begin_node(f, name));
	P(fdt_property_string(f, "compatible", "ns16550a"));
	P(prop_reg(f, VIRT_UART0_BASE, VIRT_UART0_SIZE));
	P(fdt_property_u32(f, "clock-frequency", VIRT_UART_CLOCK_HZ));
	P(fdt_property_u32(f, "interrupts", VIRT_UART0_IRQ));
	P(fdt_property_u32(f, "interrupt-parent", PH_PLIC));
	P(fdt_end_node(f));

	P(fdt_end_node(f));
	return e;
}

static int syscon(void *f, const char *node, const char *compat, uint32_t value)
{
	int e = 0;

	P(fdt_begin_node(f, node));
	P(fdt_property_string(f, "compatible", compat));
	P(fdt_property_u32(f, "regmap", PH_TEST));
	P(fdt_property_u32(f, "offset", 0));
	P(fdt_property_u32(f, "value", value));
	P(fdt_end_node(f));
	return e;
}

static int flash(void *f, const struct vm *vm)
{
	char name[48];
	int e = 0;

	for (unsigned i = 0; i < VM_MAX_FLASH; i++) {
		const struct flash_desc *d = &vm->flash_desc[i];

		if (!d->size)
			continue;
		snprintf(name, sizeof(name), "flash@%" PRIx64, d->base);
		P(fdt_begin_node(f, name));
		P(fdt_property_string(f, "compatible", "cfi-flash"));
		P(prop_reg(f, d->base, d->size));
		P(fdt_property_u32(f, "bank-width", d->bank_width));
		P(fdt_property_u32(f, "device-width", d->device_width));
		P(fdt_end_node(f));
	}
	return e;
}

static int chosen(void *f, const struct vm *vm, const struct fdt_extra *x)
{
	char path[48];
	int e = 0;

	snprintf(path, sizeof(path), "/soc/serial@%" PRIx64, VIRT_UART0_BASE);
	P(fdt_begin_node(f, "chosen"));
	P(fdt_property_string(f, "stdout-path", path));
	if (vm->cfg.append)
		P(fdt_property_string(f, "bootargs", vm->cfg.append));
	if (x->initrd_end) {
		P(fdt_property_u64(f, "linux,initrd-start", x->initrd_start));
		P(fdt_property_u64(f, "linux,initrd-end", x->initrd_end));
	}
	P(fdt_end_node(f));
	return e;
}

int fdt_build(struct vm *vm, const struct fdt_extra *x, char *err, size_t errlen)
{
	void *f = calloc(1, FDT_MAX_SIZE);
	char name[48];
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
	P(fdt_property_string(f, "compatible", "riscv-virtio"));
	P(fdt_property_string(f, "model", "riscv-virtio,norvm"));
	if (!e)
		e = chosen(f, vm, x);
	snprintf(name, sizeof(name), "memory@%" PRIx64, VIRT_RAM_BASE);
	P(fdt_begin_node(f, name));
	P(fdt_property_string(f, "device_type", "memory"));
	P(prop_reg(f, VIRT_RAM_BASE, vm->ram_size));
	P(fdt_end_node(f));
	if (!e)
		e = cpus(f, vm);
	if (!e)
		e = soc(f, vm);
	if (!e)
		e = syscon(f, "poweroff", "syscon-poweroff", 0x5555);
	if (!e)
		e = syscon(f, "reboot", "syscon-reboot", 0x7777);
	if (!e)
		e = flash(f, vm);
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
