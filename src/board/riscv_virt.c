/*
 * riscv-virt: QEMU riscv virt's memory map (riscv_virt.h), so firmware
 * built for it runs unmodified: RAM at 0x80000000, a boot ROM at the reset
 * vector, the SiFive test finisher, CLINT, PLIC, a 16550A UART, two flash
 * banks and eight virtio-mmio transports.
 *
 * The boot ROM, the CLINT and the PLIC's M-mode contexts exist only on an
 * accelerator that runs M-mode (ACCEL_CAP_MMODE); on one that does not
 * (KVM), the same board without them starts the S-mode payload directly.
 */
#include <errno.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "board.h"
#include "board/riscv_virt.h"
#include "console.h"
#include "firmware.h"
#include "hw/clint.h"
#include "hw/finisher.h"
#include "hw/plic.h"
#include "hw/uart.h"
#include "loader.h"
#include "util.h"
#include "vm.h"

#define MiB		(UINT64_C(1) << 20)
#define FDT_ALIGN	(2 * MiB)
#define FDT_LIMIT	(UINT64_C(3) << 30)	/* keep the tree below 3 GiB of RAM */

/* OpenSBI's fw_dynamic_info, version 2, right after the boot ROM code. */
#define FW_DYNAMIC_MAGIC	UINT64_C(0x4942534f)
#define FW_DYNAMIC_MODE_S	1

enum { PH_PLIC = 1, PH_TEST = 2, PH_CPU_INTC = 0x10 /* + hart */ };

struct riscv_virt {
	struct plic *plic;
	uint8_t *bootrom;		/* ACCEL_CAP_MMODE only */
};

static struct riscv_virt *rv(struct vm *vm)
{
	return vm->board_priv;
}

/*
 * The boot ROM: a0 = hartid, a1 = device tree, a2 = fw_dynamic_info, then
 * jump to the start address kept in the ROM's data words.
 */
static const uint32_t bootrom_code[] = {
	0x00000297,	/* auipc t0, 0 */
	0x02828613,	/* addi  a2, t0, 40    fw_dynamic_info */
	0xf1402573,	/* csrr  a0, mhartid */
	0x0202b583,	/* ld    a1, 32(t0)    device tree */
	0x0182b283,	/* ld    t0, 24(t0)    start address */
	0x00028067,	/* jr    t0 */
};

static void bootrom_fill(struct vm *vm, uint64_t start, uint64_t next)
{
	uint8_t *rom = rv(vm)->bootrom;

	memset(rom, 0, VIRT_BOOTROM_SIZE);
	memcpy(rom, bootrom_code, sizeof(bootrom_code));
	le_put(rom + 24, 8, start);
	le_put(rom + 32, 8, vm->fdt_addr);
	le_put(rom + 40, 8, FW_DYNAMIC_MAGIC);
	le_put(rom + 48, 8, 2);			/* version */
	le_put(rom + 56, 8, next);			/* next stage */
	le_put(rom + 64, 8, FW_DYNAMIC_MODE_S);
	le_put(rom + 72, 8, 0);			/* options */
	le_put(rom + 80, 8, UINT64_MAX);		/* boot hart: any */
}

static struct irq_line irq_of(struct vm *vm, unsigned n)
{
	return (struct irq_line){ plic_set_irq, rv(vm)->plic, n };
}

static void console_write(void *opaque, uint8_t byte)
{
	console_output(byte);
}

static void destroy(void *state)
{
	struct riscv_virt *b = state;

	if (b->bootrom)
		munmap(b->bootrom, VIRT_BOOTROM_SIZE);
	free(b);
}

/* The board's own state, as a device with nothing on the bus. */
static int add_self(struct vm *vm, char *err, size_t errlen)
{
	struct riscv_virt *b = calloc(1, sizeof(*b));

	/* When it cannot be added, the VM has destroyed it. */
	if (!b || vm_add_device(vm, (struct device){ .name = "riscv-virt", .irq = -1,
						    .state = b, .destroy = destroy })) {
		snprintf(err, errlen, "riscv-virt: out of memory");
		return -ENOMEM;
	}
	vm->board_priv = b;
	return 0;
}

static int create(struct vm *vm, char *err, size_t errlen)
{
	bool mmode = vm_has_mmode(vm);
	struct finisher *fin;
	struct clint *clint;
	struct uart *uart;
	struct riscv_virt *b;
	int ret = add_self(vm, err, errlen);

	if (ret)
		return ret;
	b = rv(vm);
	if (mmode) {
		b->bootrom = mmap(NULL, VIRT_BOOTROM_SIZE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b->bootrom == MAP_FAILED) {
			b->bootrom = NULL;
			snprintf(err, errlen, "riscv-virt: no memory for the boot ROM");
			return -ENOMEM;
		}
		ret = vm_set_memory_region(vm, SLOT_BOOTROM, VIRT_BOOTROM_BASE,
					   VIRT_BOOTROM_SIZE, b->bootrom, MEM_FLAG_READONLY);
		if (ret) {
			snprintf(err, errlen, "cannot map the boot ROM: %s", strerror(-ret));
			return ret;
		}
	}
	fin = finisher_create(vm, VIRT_TEST_BASE);
	if (!fin || vm_add_device(vm, finisher_device(fin, VIRT_TEST_BASE)))
		goto nomem;
	if (mmode) {
		clint = clint_create(vm, VIRT_CLINT_BASE);
		if (!clint || vm_add_device(vm, clint_device(clint, VIRT_CLINT_BASE)))
			goto nomem;
	}
	b->plic = plic_create(vm, VIRT_PLIC_BASE, VIRT_PLIC_NDEV, mmode);
	if (!b->plic || vm_add_device(vm, plic_device(b->plic, VIRT_PLIC_BASE)))
		goto nomem;
	uart = uart_create(vm, VIRT_UART0_BASE, irq_of(vm, VIRT_UART0_IRQ),
			   console_write, NULL);
	if (!uart || vm_add_device(vm, uart_device(uart, VIRT_UART0_BASE, VIRT_UART0_IRQ)))
		goto nomem;
	vm->console = uart_rx(uart);
	return 0;
nomem:
	snprintf(err, errlen, "cannot create the board's devices: out of memory");
	return -ENOMEM;
}

#define P(call) do { if (!e) e = (call); } while (0)

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

static void fdt_setup(struct vm *vm, struct board_fdt *b, char *stdout, size_t len)
{
	*b = (struct board_fdt){ .vm = vm, .intc = PH_PLIC, .irq_cells = 1,
				 .cpu_intc = PH_CPU_INTC, .test = PH_TEST };
	snprintf(stdout, len, "/soc/serial@%" PRIx64, VIRT_UART0_BASE);
}

static int fdt_begin(void *fdt, struct vm *vm, const struct board_fdt *b)
{
	return cpus(fdt, vm);
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

/* The finisher's power-off and reboot, as Linux's syscon drivers see them. */
static int fdt_end(void *fdt, struct vm *vm, const struct board_fdt *b)
{
	int e = syscon(fdt, "poweroff", "syscon-poweroff", 0x5555);

	return e ? e : syscon(fdt, "reboot", "syscon-reboot", 0x7777);
}

/* At the top of RAM (at most 3 GiB in, for 32-bit firmware), 2 MiB aligned. */
static uint64_t fdt_place(struct vm *vm, size_t size, char *err, size_t errlen)
{
	uint64_t top = VIRT_RAM_BASE + (vm->ram_size < FDT_LIMIT ? vm->ram_size : FDT_LIMIT);
	uint64_t at = (top - size) & ~(FDT_ALIGN - 1);

	if (at < VIRT_RAM_BASE) {
		snprintf(err, errlen, "no room for the device tree in %" PRIu64 " MiB of RAM",
			 vm->ram_size >> 20);
		return 0;
	}
	return at;
}

static int boot(struct vm *vm, const struct loaded_image *fw,
		const struct loaded_image *kernel, char *err, size_t errlen)
{
	const struct vm_config *c = &vm->cfg;

	if (!vm_has_mmode(vm)) {
		vm->entry = c->boot_flash ? VIRT_FLASH0_BASE : kernel->entry;
		return 0;
	}
	vm->entry = VIRT_BOOTROM_BASE;	/* every hart, in M-mode */
	if (c->uefi_vars)
		/* OpenSBI, then UEFI in S-mode at the flash base (fw_dynamic). */
		bootrom_fill(vm, fw->entry, VIRT_FLASH0_BASE);
	else
		bootrom_fill(vm, c->boot_flash ? VIRT_FLASH0_BASE : fw->entry,
			     c->kernel ? kernel->entry : 0);
	return 0;
}

const struct board riscv_virt_board = {
	.name = "riscv-virt",
	.summary = "RISC-V, QEMU virt's map (built-in CPU, or KVM on riscv64)",
	.arch = "riscv64",
	.max_harts = VM_MAX_HARTS,
	.ram_base = VIRT_RAM_BASE,
	.ram_max = VIRT_RAM_MAX,
	.flash_base = { VIRT_FLASH0_BASE, VIRT_FLASH1_BASE },
	.flash_window = VIRT_FLASH_WINDOW,
	.virtio_base = VIRT_VIRTIO_BASE,
	.virtio_stride = VIRT_VIRTIO_STRIDE,
	.virtio_count = VIRT_VIRTIO_COUNT,
	.virtio_irq = VIRT_VIRTIO_IRQ,
	.firmware_load = VIRT_FW_LOAD,
	.kernel_load = VIRT_KERNEL_LOAD,
	.compatible = "riscv-virtio",
	.model = "riscv-virtio,norvm",
	.uefi_code = FIRMWARE_UEFI_CODE,
	.uefi_vars = FIRMWARE_UEFI_VARS,
	.uefi_vars_size = UEFI_VARS_SIZE,
	.create = create,
	.irq = irq_of,
	.fdt_setup = fdt_setup,
	.fdt_begin = fdt_begin,
	.fdt_end = fdt_end,
	.soc_bus = true,
	.fdt_place = fdt_place,
	.boot = boot,
};
