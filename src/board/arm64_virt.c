/*
 * arm64-virt: the part of QEMU arm virt's memory map that firmware built
 * for it needs (Debian's U-Boot for qemu_arm64, EDK2's ArmVirtQemu as
 * Debian's AAVMF), on KVM: two 64 MiB flash banks at 0, KVM's GICv3,
 * a PL011 UART and a PL031 clock, eight virtio-mmio transports, RAM at
 * 1 GiB.  The architected timer and PSCI are KVM's.
 *
 * Firmware in flash (--boot flash) starts at bank 0's first byte, with the
 * device tree at the base of RAM, where those firmwares look for it (they
 * ignore x0).  A kernel given with --kernel starts at its first byte with
 * x0 = the device tree, kept at the top of RAM.  Hart 0 starts; PSCI
 * CPU_ON starts the others.
 */
#include <errno.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "console.h"
#include "hw/pl011.h"
#include "hw/pl031.h"
#include "loader.h"
#include "vm.h"

#define MiB		(UINT64_C(1) << 20)
#define GiB		(UINT64_C(1) << 30)

#define FLASH0_BASE	UINT64_C(0x00000000)
#define FLASH1_BASE	UINT64_C(0x04000000)
#define FLASH_WINDOW	(64 * MiB)
#define GIC_DIST_BASE	UINT64_C(0x08000000)
#define GIC_DIST_SIZE	UINT64_C(0x00010000)
#define GIC_REDIST_BASE	UINT64_C(0x080a0000)
#define GIC_REDIST_SIZE	UINT64_C(0x00020000)	/* each hart's */
#define UART_BASE	UINT64_C(0x09000000)
#define RTC_BASE	UINT64_C(0x09010000)
#define VIRTIO_BASE	UINT64_C(0x0a000000)
#define VIRTIO_STRIDE	UINT64_C(0x00000200)
#define VIRTIO_COUNT	8
#define RAM_BASE	UINT64_C(0x40000000)
#define RAM_MAX		(3 * GiB)		/* up to 4 GiB: no high memory */
#define KERNEL_LOAD	(RAM_BASE + 2 * MiB)	/* Linux: 2 MiB aligned */
#define FDT_ALIGN	(2 * MiB)

/* Shared peripheral interrupts (GIC INTID - 32), QEMU virt's. */
#define UART_IRQ	1
#define RTC_IRQ		2
#define VIRTIO_IRQ	16			/* + transport */
#define NR_SPIS		(VIRTIO_IRQ + VIRTIO_COUNT)

/* Private peripheral interrupts of the architected timer (KVM's). */
#define PPI_SEC_PHYS	13
#define PPI_PHYS	14
#define PPI_VIRT	11
#define PPI_HYP		10
#define IRQ_TYPE_PPI	1
#define IRQ_LEVEL_HIGH	4

enum { PH_GIC = 1, PH_APB_CLK = 2 };

static void line(void *opaque, unsigned n, bool level)
{
	struct vm *vm = opaque;

	vm->accel->irqchip_line(vm, n, level);
}

static struct irq_line irq_of(struct vm *vm, unsigned n)
{
	return (struct irq_line){ line, vm, n };
}

static void console_write(void *opaque, uint8_t byte)
{
	console_output(byte);
}

static int create(struct vm *vm, char *err, size_t errlen)
{
	struct irqchip_config gic = {
		.dist = GIC_DIST_BASE, .redist = GIC_REDIST_BASE, .spis = NR_SPIS,
	};
	struct pl011 *uart;
	struct pl031 *rtc;
	int ret;

	if (!vm->accel->irqchip_create) {
		snprintf(err, errlen, "arm64-virt: the %s accelerator has no GIC",
			 vm->accel->name);
		return -ENOTSUP;
	}
	ret = vm->accel->irqchip_create(vm, &gic, err, errlen);
	if (ret)
		return ret;
	uart = pl011_create(vm, UART_BASE, irq_of(vm, UART_IRQ), console_write, NULL);
	if (!uart || vm_add_device(vm, pl011_device(uart, UART_BASE, UART_IRQ)))
		goto nomem;
	vm->console = pl011_rx(uart);
	rtc = pl031_create(vm, RTC_BASE);
	if (!rtc || vm_add_device(vm, pl031_device(rtc, RTC_BASE, RTC_IRQ)))
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "cannot create the board's devices: out of memory");
	return -ENOMEM;
}

#define P(call) do { if (!e) e = (call); } while (0)

static int psci(void *f)
{
	static const char compat[] = "arm,psci-1.0\0arm,psci-0.2\0arm,psci";
	int e = 0;

	P(fdt_begin_node(f, "psci"));
	P(fdt_property(f, "compatible", compat, sizeof(compat)));
	P(fdt_property_string(f, "method", "hvc"));
	P(fdt_end_node(f));
	return e;
}

static int cpus(void *f, const struct vm *vm)
{
	int e = 0;

	P(fdt_begin_node(f, "cpus"));
	P(fdt_property_u32(f, "#address-cells", 1));
	P(fdt_property_u32(f, "#size-cells", 0));
	for (unsigned h = 0; h < vm->nharts; h++) {
		char name[32];

		snprintf(name, sizeof(name), "cpu@%u", h);
		P(fdt_begin_node(f, name));
		P(fdt_property_string(f, "device_type", "cpu"));
		P(fdt_property_string(f, "compatible", "arm,armv8"));
		P(fdt_property_u32(f, "reg", h));
		P(fdt_property_string(f, "enable-method", "psci"));
		P(fdt_end_node(f));
	}
	P(fdt_end_node(f));
	return e;
}

static int timer(void *f)
{
	static const char compat[] = "arm,armv8-timer\0arm,armv7-timer";
	static const unsigned ppis[] = { PPI_SEC_PHYS, PPI_PHYS, PPI_VIRT, PPI_HYP };
	fdt32_t irqs[3 * 4];
	int e = 0;

	for (unsigned i = 0; i < 4; i++) {
		irqs[3 * i] = cpu_to_fdt32(IRQ_TYPE_PPI);
		irqs[3 * i + 1] = cpu_to_fdt32(ppis[i]);
		irqs[3 * i + 2] = cpu_to_fdt32(IRQ_LEVEL_HIGH);
	}
	P(fdt_begin_node(f, "timer"));
	P(fdt_property(f, "compatible", compat, sizeof(compat)));
	P(fdt_property(f, "interrupts", irqs, sizeof(irqs)));
	P(fdt_property_u32(f, "interrupt-parent", PH_GIC));
	P(fdt_property(f, "always-on", NULL, 0));
	P(fdt_end_node(f));
	return e;
}

static int gic(void *f, const struct vm *vm)
{
	fdt64_t reg[4] = {
		cpu_to_fdt64(GIC_DIST_BASE), cpu_to_fdt64(GIC_DIST_SIZE),
		cpu_to_fdt64(GIC_REDIST_BASE), cpu_to_fdt64(GIC_REDIST_SIZE * vm->nharts),
	};
	char name[48];
	int e = 0;

	snprintf(name, sizeof(name), "intc@%" PRIx64, GIC_DIST_BASE);
	P(fdt_begin_node(f, name));
	P(fdt_property_string(f, "compatible", "arm,gic-v3"));
	P(fdt_property(f, "reg", reg, sizeof(reg)));
	P(fdt_property_u32(f, "#redistributor-regions", 1));
	P(fdt_property_u32(f, "#interrupt-cells", 3));
	P(fdt_property(f, "interrupt-controller", NULL, 0));
	P(fdt_property_u32(f, "#address-cells", 2));
	P(fdt_property_u32(f, "#size-cells", 2));
	P(fdt_property(f, "ranges", NULL, 0));
	P(fdt_property_u32(f, "phandle", PH_GIC));
	P(fdt_end_node(f));
	return e;
}

/* The PrimeCells' bus clock: 24 MHz, as QEMU virt's. */
static int apb_clock(void *f)
{
	int e = 0;

	P(fdt_begin_node(f, "apb-pclk"));
	P(fdt_property_string(f, "compatible", "fixed-clock"));
	P(fdt_property_u32(f, "#clock-cells", 0));
	P(fdt_property_u32(f, "clock-frequency", 24000000));
	P(fdt_property_string(f, "clock-output-names", "clk24mhz"));
	P(fdt_property_u32(f, "phandle", PH_APB_CLK));
	P(fdt_end_node(f));
	return e;
}

static void fdt_setup(struct vm *vm, struct board_fdt *b, char *stdout, size_t len)
{
	*b = (struct board_fdt){ .vm = vm, .intc = PH_GIC, .irq_cells = 3,
				 .clock = PH_APB_CLK, .dma_coherent = true };
	snprintf(stdout, len, "/pl011@%" PRIx64, UART_BASE);
}

static int fdt_begin(void *fdt, struct vm *vm, const struct board_fdt *b)
{
	int e = psci(fdt);

	P(cpus(fdt, vm));
	P(timer(fdt));
	P(gic(fdt, vm));
	P(apb_clock(fdt));
	return e;
}

/*
 * Firmware from flash finds the tree at the base of RAM; a kernel is told
 * where it is, at the top of RAM (2 MiB aligned), out of its way.
 */
static uint64_t fdt_place(struct vm *vm, size_t size, char *err, size_t errlen)
{
	uint64_t at = (RAM_BASE + vm->ram_size - size) & ~(FDT_ALIGN - 1);

	if (vm->cfg.boot_flash)
		return RAM_BASE;
	if (at < RAM_BASE) {
		snprintf(err, errlen, "no room for the device tree in %" PRIu64 " MiB of RAM",
			 vm->ram_size >> 20);
		return 0;
	}
	return at;
}

static int boot(struct vm *vm, const struct loaded_image *fw,
		const struct loaded_image *kernel, char *err, size_t errlen)
{
	vm->entry = vm->cfg.boot_flash ? FLASH0_BASE : kernel->entry;
	return 0;
}

static void hart_entry(const struct vm *vm, unsigned hart, struct hart_entry *e)
{
	*e = (struct hart_entry){ .pc = vm->entry, .a0 = vm->fdt_addr, .stopped = hart != 0 };
}

const struct board arm64_virt_board = {
	.name = "arm64-virt",
	.summary = "arm64, QEMU arm virt's map (KVM on arm64 hosts)",
	.arch = "arm64",
	.max_harts = VM_MAX_HARTS,
	.ram_base = RAM_BASE,
	.ram_max = RAM_MAX,
	.flash_base = { FLASH0_BASE, FLASH1_BASE },
	.flash_window = FLASH_WINDOW,
	.virtio_base = VIRTIO_BASE,
	.virtio_stride = VIRTIO_STRIDE,
	.virtio_count = VIRTIO_COUNT,
	.virtio_irq = VIRTIO_IRQ,
	.kernel_load = KERNEL_LOAD,
	.compatible = "linux,dummy-virt",
	.model = "norvm arm64-virt",
	.uefi_code = "/usr/share/AAVMF/AAVMF_CODE.fd",
	.uefi_vars = "/usr/share/AAVMF/AAVMF_VARS.fd",
	.uefi_vars_size = 64 * MiB,
	.uefi_package = "qemu-efi-aarch64",
	.create = create,
	.irq = irq_of,
	.fdt_setup = fdt_setup,
	.fdt_begin = fdt_begin,
	.fdt_place = fdt_place,
	.boot = boot,
	.hart_entry = hart_entry,
};
