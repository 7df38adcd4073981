/*
 * The machine: RAM, the accelerator, the board's devices, the flash banks
 * and the disks, the images and the device tree; running the harts,
 * resetting, tearing down.  What differs between boards (memory map,
 * devices, interrupt wiring, where the tree goes, the entry) is the
 * board's (board.h); every device is reset and destroyed through its
 * descriptor (device.h).
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

#include "board.h"
#include "console.h"
#include "devtree.h"
#include "files.h"
#include "firmware.h"
#include "hw/cfi_flash.h"
#include "hw/serial.h"
#include "hw/virtio_blk.h"
#include "hw/virtio_mmio.h"
#include "loader.h"
#include "machine.h"
#include "pack.h"
#include "util.h"

#define MiB		(UINT64_C(1) << 20)

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Load every image, build and place the device tree, set the entry. */
static int load_guest(struct vm *vm, char *err, size_t errlen)
{
	const struct vm_config *c = &vm->cfg;
	const struct board *b = vm->board;
	struct loaded_image fw = { 0 }, kernel = { 0 };
	struct fdt_extra x = { 0 };
	int ret;

	if (c->firmware) {
		ret = load_image(vm, c->firmware, "--firmware", b->firmware_load, &fw,
				 err, errlen);
		if (ret)
			return ret;
	}
	if (c->kernel) {
		ret = load_image(vm, c->kernel, "--kernel", b->kernel_load, &kernel, err,
				 errlen);
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
		uint64_t at = vm->ram_base + vm->ram_size / 2;

		ret = read_file(c->initrd, "--initrd", &buf, &len, vm->ram_size / 4, err, errlen);
		if (ret)
			return ret;
		memcpy(vm->ram + (at - vm->ram_base), buf, len);
		free(buf);
		x.initrd_start = at;
		x.initrd_end = at + len;
	}
	ret = fdt_build(vm, &x, err, errlen);
	if (ret)
		return ret;
	vm->fdt_addr = b->fdt_place(vm, vm->fdt_size, err, errlen);
	if (!vm->fdt_addr)
		return -ENOSPC;
	if ((c->firmware && overlaps(vm->fdt_addr, vm->fdt_size, fw.start, fw.end - fw.start)) ||
	    (c->kernel && overlaps(vm->fdt_addr, vm->fdt_size, kernel.start, kernel.end - kernel.start)) ||
	    (x.initrd_end && overlaps(vm->fdt_addr, vm->fdt_size, x.initrd_start, x.initrd_end - x.initrd_start))) {
		snprintf(err, errlen, "no room for the device tree at the top of %" PRIu64
			 " MiB of RAM: give more memory with -m", vm->ram_size >> 20);
		return -ENOSPC;
	}
	memcpy(vm->ram + (vm->fdt_addr - vm->ram_base), vm->fdt, vm->fdt_size);
	/* At start and at every reset: the guest may have rewritten bank 0. */
	if (c->boot_flash) {
		ret = pack_check_boot(c->flash[0].path, vm, err, errlen);
		if (ret)
			return ret;
	}
	return b->boot(vm, &fw, &kernel, err, errlen);
}

static int check_config(const struct vm_config *c, const struct board *b, char *err,
			size_t errlen)
{
	if (!c->firmware && !c->kernel && !c->boot_flash && !c->dump_dtb) {
		snprintf(err, errlen, "nothing to boot: give --firmware FILE, or --boot flash with --flash FILE");
		return -EINVAL;
	}
	if (c->boot_flash && !c->nflash) {
		snprintf(err, errlen, "--boot flash needs a flash image: add --flash FILE");
		return -EINVAL;
	}
	if (c->nharts < 1 || c->nharts > b->max_harts) {
		snprintf(err, errlen, "--cpus %u: must be between 1 and %u", c->nharts, b->max_harts);
		return -EINVAL;
	}
	if (c->ram_size < 16 * MiB || c->ram_size > b->ram_max || c->ram_size % MiB) {
		snprintf(err, errlen, "-m: RAM size must be a whole number of MiB between 16M and %"
			 PRIu64 "G", b->ram_max >> 30);
		return -EINVAL;
	}
	if (c->firmware && !b->firmware_load) {
		snprintf(err, errlen, "--firmware: the %s board starts firmware from flash "
			 "bank 0 (--flash FILE --boot flash)", b->name);
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
	if (c->boot_flash && (!c->flash_map || c->flash[0].trap)) {
		snprintf(err, errlen, "--boot flash with %s: the %s accelerator "
			 "cannot execute from a trapping flash; map bank 0 (map=off "
			 "traps one bank)", c->flash_map ? "bank 0 at map=off" :
			 "--flash-map=off", vm->accel->name);
		return -EINVAL;
	}
	if (c->boot_flash && c->kernel) {
		snprintf(err, errlen, "--boot flash starts the payload packed in "
			 "the flash image: drop --kernel");
		return -EINVAL;
	}
	return 0;
}

/* Guest time in nanoseconds: the UART's pacing sees the guest's gaps. */
static uint64_t guest_ns(void *opaque)
{
	return vm_mtime(opaque) * (UINT64_C(1000000000) / VM_TIMEBASE_HZ);
}

/* Add a device machine.c made (destroyed if there is no room). */
static int add_device(struct vm *vm, struct device d, char *err, size_t errlen)
{
	if (!vm_add_device(vm, d))
		return 0;
	snprintf(err, errlen, "%s: too many devices", d.name);
	return -ENOSPC;
}

/* Flash bank i at its window, backed by the image named on the command line. */
static int create_flash(struct vm *vm, unsigned i, char *err, size_t errlen)
{
	static const char *const names[VM_MAX_FLASH] = { "flash0", "flash1" };
	const struct flash_config *f = &vm->cfg.flash[i];
	struct cfi_flash_config fc = {
		.base = vm->board->flash_base[i],
		.window = vm->board->flash_window,
		.path = f->path,
		.readonly = f->readonly,
		.sync = f->sync,
		.map = vm->cfg.flash_map && !f->trap,
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
	return add_device(vm, cfi_flash_device(vm->flash[i]), err, errlen);
}

/* The board's next virtio-mmio transport, for `dev`. */
static int add_virtio(struct vm *vm, const struct virtio_dev *dev, char *err,
		      size_t errlen)
{
	static const char *const names[] = {
		"virtio0", "virtio1", "virtio2", "virtio3", "virtio4", "virtio5",
		"virtio6", "virtio7", "virtio8", "virtio9", "virtio10", "virtio11",
	};
	const struct board *b = vm->board;
	unsigned n = vm->nvirtio, irq = b->virtio_irq + n;
	uint64_t base = b->virtio_base + n * b->virtio_stride;
	struct virtio_mmio *t;

	if (n == b->virtio_count || n == sizeof(names) / sizeof(names[0])) {
		snprintf(err, errlen, "at most %u virtio devices", n);
		if (dev->destroy)
			dev->destroy(dev->opaque);
		return -ENOSPC;
	}
	t = virtio_mmio_create(vm, base, names[n], b->irq(vm, irq), dev, err, errlen);
	if (!t) {
		if (dev->destroy)
			dev->destroy(dev->opaque);
		return -ENOMEM;
	}
	vm->nvirtio++;
	return add_device(vm, virtio_mmio_device(t, base, (int)irq), err, errlen);
}

/* Disk i (--drive): virtio-blk on its image. */
static int create_drive(struct vm *vm, unsigned i, char *err, size_t errlen)
{
	const struct drive_config *d = &vm->cfg.drive[i];
	struct virtio_dev dev;
	char why[400];

	if (!virtio_blk_open(d->path, d->readonly, &dev, why, sizeof(why))) {
		snprintf(err, errlen, "--drive %s", why);
		return -EINVAL;
	}
	return add_virtio(vm, &dev, err, errlen);
}

int machine_create(struct vm *vm, const struct vm_config *cfg, char *err,
		   size_t errlen)
{
	const struct board *b = cfg->machine ? board_find(cfg->machine) : board_default();
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = *cfg;
	if (!b) {
		snprintf(err, errlen, "--machine %s: no such board (%s)", cfg->machine,
			 board_names);
		return -EINVAL;
	}
	vm->board = b;
	ret = check_config(cfg, b, err, errlen);
	if (ret)
		return ret;
	vm->nharts = cfg->nharts;
	vm->ram_base = b->ram_base;
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
	if (vm->ram == MAP_FAILED) {
		vm->ram = NULL;
		snprintf(err, errlen, "cannot allocate %" PRIu64 " MiB of guest RAM", vm->ram_size >> 20);
		return -ENOMEM;
	}
	ret = vm_set_memory_region(vm, SLOT_RAM, vm->ram_base, vm->ram_size, vm->ram,
				   MEM_FLAG_RAM);
	if (ret) {
		snprintf(err, errlen, "cannot map guest memory: %s", strerror(-ret));
		return ret;
	}
	ret = b->create(vm, err, errlen);
	if (!ret)
		serial_rx_set_clock(vm->console, guest_ns, vm);
	/*
	 * Firmware built for QEMU's boards expects both flash banks once it
	 * finds one (U-Boot probes a fixed number); a bank without an image
	 * is a volatile erased one.
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
	pthread_t tid[VM_MAX_HARTS];
	void *args[VM_MAX_HARTS][2];
	unsigned started = 0;

	for (unsigned h = 0; h < vm->nharts; h++) {
		struct hart_entry e = { .pc = vm->entry };

		/* An entry without M-mode: hart 0 starts with its id and the
		 * tree, the guest starts the others; or as the board says. */
		if (!vm_has_mmode(vm) && vm->board->hart_entry)
			vm->board->hart_entry(vm, h, &e);
		else if (!vm_has_mmode(vm))
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
	for (unsigned i = 0; i < vm->ndevices; i++)
		if (vm->devices[i].reset)
			vm->devices[i].reset(vm->devices[i].state);
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

	if (console_start(vm, vm->console))
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
	/* The board's own state went in first: it goes last. */
	for (unsigned i = vm->ndevices; i-- > 0;)
		if (vm->devices[i].destroy)
			vm->devices[i].destroy(vm->devices[i].state);
	if (vm->accel)
		vm->accel->destroy(vm);
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	free(vm->fdt);
	memset(vm, 0, sizeof(*vm));
}

int machine_dump_dtb(struct vm *vm, const char *path, char *err, size_t errlen)
{
	return output_write(path, "--dump-dtb", vm->fdt, vm->fdt_size, false, err, errlen);
}
