/*
 * The "virt" board: RAM at 0x80000000, a boot ROM at the reset vector, the
 * SiFive test finisher, CLINT, PLIC, a 16550A UART and up to two CFI flash
 * banks, at QEMU virt's addresses so firmware built for it runs unmodified.
 *
 * The boot ROM, the CLINT and the PLIC's M-mode contexts exist only on an
 * accelerator that runs M-mode (ACCEL_CAP_MMODE); on one that does not
 * (KVM), the same board without them starts the S-mode payload directly.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "console.h"
#include "devtree.h"
#include "files.h"
#include "firmware.h"
#include "hw/cfi_flash.h"
#include "hw/clint.h"
#include "hw/finisher.h"
#include "hw/plic.h"
#include "hw/uart.h"
#include "hw/virtio_blk.h"
#include "hw/virtio_mmio.h"
#include "loader.h"
#include "machine.h"
#include "pack.h"
#include "util.h"

#define MiB		(UINT64_C(1) << 20)
#define FDT_ALIGN	(2 * MiB)
#define FDT_LIMIT	(UINT64_C(3) << 30)	/* keep the tree below 3 GiB of RAM */

/* OpenSBI's fw_dynamic_info, version 2, right after the boot ROM code. */
#define FW_DYNAMIC_MAGIC	UINT64_C(0x4942534f)
#define FW_DYNAMIC_MODE_S	1

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

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void bootrom_fill(struct vm *vm, uint64_t start, uint64_t next)
{
	uint8_t *rom = vm->bootrom;

	memset(rom, 0, VIRT_BOOTROM_SIZE);
	memcpy(rom, bootrom_code, sizeof(bootrom_code));
	put64(rom + 24, start);
	put64(rom + 32, vm->fdt_addr);
	put64(rom + 40, FW_DYNAMIC_MAGIC);
	put64(rom + 48, 2);			/* version */
	put64(rom + 56, next);			/* next stage */
	put64(rom + 64, FW_DYNAMIC_MODE_S);
	put64(rom + 72, 0);			/* options */
	put64(rom + 80, UINT64_MAX);		/* boot hart: any */
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Load every image, build the device tree, fill the boot ROM. */
static int load_guest(struct vm *vm, char *err, size_t errlen)
{
	const struct vm_config *c = &vm->cfg;
	struct loaded_image fw = { 0 }, kernel = { 0 };
	struct fdt_extra x = { 0 };
	uint64_t start, top;
	int ret;

	if (c->firmware) {
		ret = load_image(vm, c->firmware, "--firmware", VIRT_FW_LOAD, &fw, err, errlen);
		if (ret)
			return ret;
	}
	if (c->kernel) {
		ret = load_image(vm, c->kernel, "--kernel", VIRT_KERNEL_LOAD, &kernel, err, errlen);
		if (ret)
			return ret;
		if (c->firmware && overlaps(fw.start, fw.end - fw.start,
					    kernel.start, kernel.end - kernel.start)) {
			snprintf(err, errlen, "%s overlaps %s in RAM", c->kernel, c->firmware);
			return -EINVAL;
		}
	}
	if (c->initrd) {
		uint8_t *buf;
		size_t len;
		uint64_t at = VIRT_RAM_BASE + vm->ram_size / 2;

		ret = read_file(c->initrd, "--initrd", &buf, &len, vm->ram_size / 4, err, errlen);
		if (ret)
			return ret;
		memcpy(vm->ram + (at - VIRT_RAM_BASE), buf, len);
		free(buf);
		x.initrd_start = at;
		x.initrd_end = at + len;
	}
	ret = fdt_build(vm, &x, err, errlen);
	if (ret)
		return ret;
	top = VIRT_RAM_BASE + (vm->ram_size < FDT_LIMIT ? vm->ram_size : FDT_LIMIT);
	vm->fdt_addr = (top - vm->fdt_size) & ~(FDT_ALIGN - 1);
	if (vm->fdt_addr < VIRT_RAM_BASE ||
	    (c->firmware && overlaps(vm->fdt_addr, vm->fdt_size, fw.start, fw.end - fw.start)) ||
	    (c->kernel && overlaps(vm->fdt_addr, vm->fdt_size, kernel.start, kernel.end - kernel.start)) ||
	    (x.initrd_end && overlaps(vm->fdt_addr, vm->fdt_size, x.initrd_start, x.initrd_end - x.initrd_start))) {
		snprintf(err, errlen, "no room for the device tree at the top of %" PRIu64
			 " MiB of RAM: give more memory with -m", vm->ram_size >> 20);
		return -ENOSPC;
	}
	memcpy(vm->ram + (vm->fdt_addr - VIRT_RAM_BASE), vm->fdt, vm->fdt_size);
	/* At start and at every reset: the guest may have rewritten bank 0. */
	if (c->boot_flash) {
		ret = pack_check_boot(c->flash[0].path, vm, err, errlen);
		if (ret)
			return ret;
	}

	if (vm_has_mmode(vm) && c->uefi_vars) {
		/* OpenSBI, then UEFI in S-mode at the flash base (fw_dynamic). */
		bootrom_fill(vm, fw.entry, VIRT_FLASH0_BASE);
	} else if (vm_has_mmode(vm)) {
		start = c->boot_flash ? VIRT_FLASH0_BASE : fw.entry;
		bootrom_fill(vm, start, c->kernel ? kernel.entry : 0);
	} else {
		vm->entry = c->boot_flash ? VIRT_FLASH0_BASE : kernel.entry;
	}
	return 0;
}

static int check_config(const struct vm_config *c, char *err, size_t errlen)
{
	if (!c->firmware && !c->kernel && !c->boot_flash && !c->dump_dtb) {
		snprintf(err, errlen, "nothing to boot: give --firmware FILE, or --boot flash with --flash FILE");
		return -EINVAL;
	}
	if (c->boot_flash && !c->nflash) {
		snprintf(err, errlen, "--boot flash needs a flash image: add --flash FILE");
		return -EINVAL;
	}
	if (c->nharts < 1 || c->nharts > VIRT_MAX_HARTS) {
		snprintf(err, errlen, "--cpus %u: must be between 1 and %d", c->nharts, VIRT_MAX_HARTS);
		return -EINVAL;
	}
	if (c->ram_size < 16 * MiB || c->ram_size > (UINT64_C(64) << 30) || c->ram_size % MiB) {
		snprintf(err, errlen, "-m: RAM size must be a whole number of MiB between 16M and 64G");
		return -EINVAL;
	}
	return 0;
}

/* What the chosen accelerator can start. */
static int check_entry(const struct vm *vm, char *err, size_t errlen)
{
	const struct vm_config *c = &vm->cfg;

	if (vm_has_mmode(vm)) {
		if (!c->firmware && !c->boot_flash && !c->dump_dtb) {
			snprintf(err, errlen, "--kernel: the %s accelerator starts in "
				 "M-mode: give M-mode firmware with --firmware (e.g. "
				 "OpenSBI fw_jump.bin) to start it", vm->accel->name);
			return -EINVAL;
		}
		return 0;
	}
	/*
	 * KVM cannot fetch instructions from a region without a slot: a
	 * payload in flash runs only from the mapped array.
	 */
	if (c->boot_flash && !c->flash_map) {
		snprintf(err, errlen, "--boot flash with --flash-map=off: the %s "
			 "accelerator cannot execute from a trapping flash; "
			 "use --flash-map=on", vm->accel->name);
		return -EINVAL;
	}
	if (c->boot_flash && c->kernel) {
		snprintf(err, errlen, "--boot flash starts the payload packed in "
			 "the flash image: drop --kernel");
		return -EINVAL;
	}
	return 0;
}

static void console_write(void *opaque, uint8_t byte)
{
	console_output(byte);
}

/* Guest time in nanoseconds: the UART's pacing sees the guest's gaps. */
static uint64_t guest_ns(void *opaque)
{
	return vm_mtime(opaque) * (UINT64_C(1000000000) / VIRT_TIMEBASE_HZ);
}

static int create_devices(struct vm *vm, char *err, size_t errlen)
{
	struct irq_line uart_irq;

	bool mmode = vm_has_mmode(vm);

	vm->finisher = finisher_create(vm, VIRT_TEST_BASE);
	if (mmode)
		vm->clint = clint_create(vm, VIRT_CLINT_BASE);
	vm->plic = plic_create(vm, VIRT_PLIC_BASE, VIRT_PLIC_NDEV, mmode);
	if (!vm->finisher || (mmode && !vm->clint) || !vm->plic) {
		snprintf(err, errlen, "cannot create the board's devices: out of memory");
		return -ENOMEM;
	}
	uart_irq = (struct irq_line){ plic_set_irq, vm->plic, VIRT_UART0_IRQ };
	vm->uart = uart_create(vm, VIRT_UART0_BASE, uart_irq, console_write, NULL);
	if (!vm->uart) {
		snprintf(err, errlen, "cannot create the UART: out of memory");
		return -ENOMEM;
	}
	/*
	 * How far apart the guest's reads of the line status are, in its own
	 * time: on the virtual clock a udelay(100) between two reads is 100
	 * guest microseconds, however fast the host ran it.
	 */
	uart_set_clock(vm->uart, guest_ns, vm);
	return 0;
}

/* Flash bank i at its window, backed by the image named on the command line. */
static int create_flash(struct vm *vm, unsigned i, char *err, size_t errlen)
{
	static const char *const names[VM_MAX_FLASH] = { "flash0", "flash1" };
	const struct flash_config *f = &vm->cfg.flash[i];
	struct cfi_flash_config fc = {
		.base = i ? VIRT_FLASH1_BASE : VIRT_FLASH0_BASE,
		.window = VIRT_FLASH_WINDOW,
		.path = f->path,
		.readonly = f->readonly,
		.sync = f->sync,
		.map = vm->cfg.flash_map,
		.timing = f->timing,
		.powercut = f->powercut,
		.fail = f->fail,
		.seed = f->seed,
		/* a bank without an image: the default part */
		.part = i < vm->cfg.nflash ? &f->part : NULL,
		.slot = SLOT_FLASH0 + i,
		.name = names[i],
	};
	char why[400];

	vm->flash[i] = cfi_flash_create(vm, &fc, why, sizeof(why));
	if (!vm->flash[i]) {
		snprintf(err, errlen, "%s %s", f->option ? f->option : "--flash", why);
		return -EINVAL;
	}
	vm->flash_desc[i] = (struct flash_desc){
		.base = fc.base,
		.size = cfi_flash_size(vm->flash[i]),
		.bank_width = cfi_flash_bank_width(vm->flash[i]),
		.device_width = cfi_flash_device_width(vm->flash[i]),
	};
	return 0;
}

/* The next virtio-mmio transport, for `dev`. */
static int add_virtio(struct vm *vm, const struct virtio_dev *dev, char *err,
		      size_t errlen)
{
	static const char *const names[VIRT_VIRTIO_COUNT] = {
		"virtio0", "virtio1", "virtio2", "virtio3",
		"virtio4", "virtio5", "virtio6", "virtio7",
	};
	unsigned n = vm->nvirtio;
	struct irq_line irq = { plic_set_irq, vm->plic, VIRT_VIRTIO_IRQ + n };

	if (n == VIRT_VIRTIO_COUNT) {
		snprintf(err, errlen, "at most %d virtio devices", VIRT_VIRTIO_COUNT);
		return -ENOSPC;
	}
	vm->virtio[n] = virtio_mmio_create(vm, VIRT_VIRTIO_BASE + n * VIRT_VIRTIO_STRIDE,
					   names[n], irq, dev, err, errlen);
	if (!vm->virtio[n])
		return -ENOMEM;
	vm->nvirtio++;
	return 0;
}

/* Disk i (--drive): virtio-blk on its image. */
static int create_drive(struct vm *vm, unsigned i, char *err, size_t errlen)
{
	const struct drive_config *d = &vm->cfg.drive[i];
	struct virtio_dev dev;
	char why[400];

	vm->blk[i] = virtio_blk_open(d->path, d->readonly, &dev, why, sizeof(why));
	if (!vm->blk[i]) {
		snprintf(err, errlen, "--drive %s", why);
		return -EINVAL;
	}
	return add_virtio(vm, &dev, err, errlen);
}

int machine_create(struct vm *vm, const struct vm_config *cfg, char *err,
		   size_t errlen)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = *cfg;
	ret = check_config(cfg, err, errlen);
	if (ret)
		return ret;
	vm->nharts = cfg->nharts;
	vm->ram_size = cfg->ram_size;
	clock_gettime(CLOCK_MONOTONIC, &vm->start);

	ret = accel_open(vm, cfg->accel ? cfg->accel : "auto",
			 (cfg->firmware ? ACCEL_CAP_MMODE : 0) |
			 (cfg->clock_virtual ? ACCEL_CAP_VCLOCK : 0), err, errlen);
	/* UEFI on a CPU that runs M-mode: Debian's OpenSBI, unless given. */
	if (!ret && cfg->uefi_vars && vm_has_mmode(vm) && !vm->cfg.firmware)
		vm->cfg.firmware = FIRMWARE_OPENSBI;
	if (!ret)
		ret = check_entry(vm, err, errlen);
	if (ret)
		return ret;
	vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram != MAP_FAILED && vm_has_mmode(vm))
		vm->bootrom = mmap(NULL, VIRT_BOOTROM_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->ram == MAP_FAILED || vm->bootrom == MAP_FAILED) {
		vm->ram = vm->ram == MAP_FAILED ? NULL : vm->ram;
		vm->bootrom = vm->bootrom == MAP_FAILED ? NULL : vm->bootrom;
		snprintf(err, errlen, "cannot allocate %" PRIu64 " MiB of guest RAM", vm->ram_size >> 20);
		return -ENOMEM;
	}
	ret = vm_set_memory_region(vm, SLOT_RAM, VIRT_RAM_BASE, vm->ram_size, vm->ram, MEM_FLAG_RAM);
	if (!ret && vm->bootrom)
		ret = vm_set_memory_region(vm, SLOT_BOOTROM, VIRT_BOOTROM_BASE, VIRT_BOOTROM_SIZE,
					   vm->bootrom, MEM_FLAG_READONLY);
	if (ret) {
		snprintf(err, errlen, "cannot map guest memory: %s", strerror(-ret));
		return ret;
	}
	ret = create_devices(vm, err, errlen);
	/*
	 * Firmware built for QEMU virt expects both flash banks once it finds
	 * one (U-Boot probes a fixed number); a bank without an image is a
	 * volatile erased one.
	 */
	for (unsigned i = 0; !ret && cfg->nflash && i < VM_MAX_FLASH; i++)
		ret = create_flash(vm, i, err, errlen);
	for (unsigned i = 0; !ret && i < cfg->ndrives; i++)
		ret = create_drive(vm, i, err, errlen);
	if (ret)
		return ret;
	return load_guest(vm, err, errlen);
}

static void *hart_thread(void *arg)
{
	struct vm *vm = ((void **)arg)[0];
	unsigned hart = (unsigned)(uintptr_t)((void **)arg)[1];

	vm->accel->run_hart(vm, hart);
	/* One hart stopping for good stops the machine. */
	vm_request_exit(vm, VM_EXIT_ERROR, 1);
	return NULL;
}

/* Run every hart on its own thread until the machine stops. */
static int run_harts(struct vm *vm)
{
	pthread_t tid[VIRT_MAX_HARTS];
	void *args[VIRT_MAX_HARTS][2];
	unsigned started = 0;

	for (unsigned h = 0; h < vm->nharts; h++) {
		struct hart_entry e = { .pc = VIRT_BOOTROM_BASE };

		/* S-mode entry: hart 0 starts, the guest starts the others. */
		if (!vm_has_mmode(vm))
			e = (struct hart_entry){ .pc = vm->entry, .a0 = h,
						 .a1 = vm->fdt_addr, .stopped = h != 0 };
		vm->accel->reset_hart(vm, h, &e);
		args[h][0] = vm;
		args[h][1] = (void *)(uintptr_t)h;
	}
	for (unsigned h = 0; h < vm->nharts; h++) {
		if (pthread_create(&tid[h], NULL, hart_thread, args[h])) {
			fprintf(stderr, "norvm: cannot start a thread for hart %u\n", h);
			vm_request_exit(vm, VM_EXIT_ERROR, 1);
			break;
		}
		started++;
	}
	for (unsigned h = 0; h < started; h++)
		pthread_join(tid[h], NULL);
	return atomic_load(&vm->exit_reason);
}

/* A guest reset: devices and memory back to power-on, images reloaded. */
static int reboot(struct vm *vm)
{
	char err[512];
	int ret;

	madvise(vm->ram, vm->ram_size, MADV_DONTNEED);
	if (vm->clint)
		clint_reset(vm->clint);
	plic_reset(vm->plic);
	uart_reset(vm->uart);
	for (unsigned i = 0; i < VM_MAX_FLASH; i++)
		if (vm->flash[i])
			cfi_flash_reset(vm->flash[i]);
	for (unsigned i = 0; i < vm->nvirtio; i++)
		virtio_mmio_reset(vm->virtio[i]);
	ret = load_guest(vm, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "norvm: reset: %s\n", err);
		return ret;
	}
	atomic_store(&vm->exit_reason, VM_EXIT_NONE);
	return 0;
}

int machine_run(struct vm *vm)
{
	int why;

	if (console_start(vm, vm->uart))
		return 1;
	cfi_flash_catch_faults();	/* after the console's SIGBUS handler */
	for (;;) {
		why = run_harts(vm);
		if (why != VM_EXIT_RESET || reboot(vm))
			break;
	}
	console_stop();
	if (why == VM_EXIT_RESET)
		return 1;
	return vm->exit_code;
}

void machine_destroy(struct vm *vm)
{
	for (unsigned i = 0; i < VM_MAX_FLASH; i++)
		if (vm->flash[i])
			cfi_flash_destroy(vm->flash[i]);
	for (unsigned i = 0; i < vm->nvirtio; i++)
		virtio_mmio_destroy(vm->virtio[i]);
	for (unsigned i = 0; i < VM_MAX_DRIVES; i++)
		virtio_blk_close(vm->blk[i]);
	if (vm->uart)
		uart_destroy(vm->uart);
	if (vm->plic)
		plic_destroy(vm->plic);
	if (vm->clint)
		clint_destroy(vm->clint);
	if (vm->finisher)
		finisher_destroy(vm->finisher);
	if (vm->accel)
		vm->accel->destroy(vm);
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	if (vm->bootrom)
		munmap(vm->bootrom, VIRT_BOOTROM_SIZE);
	free(vm->fdt);
	memset(vm, 0, sizeof(*vm));
}

int machine_dump_dtb(struct vm *vm, const char *path, char *err, size_t errlen)
{
	return output_write(path, "--dump-dtb", vm->fdt, vm->fdt_size, false, err, errlen);
}
