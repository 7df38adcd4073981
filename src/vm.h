/* A virtual machine: configuration, memory, bus, devices, harts. */
#ifndef NORVM_VM_H
#define NORVM_VM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "accel.h"
#include "device.h"
#include "hw/cfi_flash.h"
#include "mmio.h"
#include "services.h"

#define VM_MAX_FLASH 2
#define VM_MAX_DRIVES 8		/* virtio-blk disks (--drive) */

struct flash_config {
	const char *option;		/* what gave it: "--flash" (NULL), "--uefi" */
	const char *path;
	bool readonly;
	bool sync;
	bool timing;			/* operations take the part's times */
	bool trap;			/* map=off: never mapped, every access traps */
	uint64_t powercut, fail, seed;	/* fault injection (cfi_flash.h) */
	struct cfi_part part;		/* what the bank's devices are */
};

struct vm_config {
	const char *accel;		/* "kvm", "soft" or "auto" */
	int jit;			/* soft: -1 where available, 0 off, 1 on */
	uint64_t jit_buffer;		/* bytes of host code per hart; 0: default */
	unsigned jit_threshold;		/* runs before translating; 0: default */
	const char *firmware;
	const char *kernel;
	const char *initrd;
	const char *append;
	uint64_t ram_size;
	unsigned nharts;
	bool boot_flash;		/* start in flash bank 0 */
	/* time from the instructions retired, not the host's (--clock) */
	bool clock_virtual;
	bool flash_map;			/* map the array while in read-array mode */
	struct flash_config flash[VM_MAX_FLASH];
	unsigned nflash;
	const char *machine;		/* --machine: the board's name; NULL: default */
	/* --uefi VARS: EDK2 from flash bank 0 (uefi_code), variables in bank 1 */
	const char *uefi_vars;
	const char *uefi_code;
	struct drive_config {
		const char *path;
		bool readonly;
	} drive[VM_MAX_DRIVES];
	unsigned ndrives;
	const char *dump_dtb;
	bool stats;
	const char *stats_json;
	unsigned stats_interval_ms;	/* the timeline's interval (--stats-json) */
	const char *gdb;		/* --gdb: where to listen */
	bool gdb_wait;			/* --gdb-wait: harts start stopped */
};

struct serial_rx;
struct cfi_flash;
struct board;

#define VM_MAX_DEVICES	32

struct vm {
	struct vm_config cfg;
	const struct board *board;
	void *board_priv;		/* the board's own state */
	const struct accel_ops *accel;
	void *accel_priv;
	unsigned nharts;
	char cpu_isa[128];		/* riscv,isa of every hart */
	uint64_t timebase_hz;		/* the harts' time CSR rate */
	uint64_t entry;			/* S-mode entry point (no ACCEL_CAP_MMODE) */

	uint8_t *ram;
	uint64_t ram_base, ram_size;

	struct mmio_bus bus;
	struct device devices[VM_MAX_DEVICES];	/* the order they were made in */
	unsigned ndevices;
	struct serial_rx *console;	/* the console UART's receiver */
	struct cfi_flash *flash[VM_MAX_FLASH];
	unsigned nvirtio;		/* virtio-mmio transports made */

	void *fdt;
	size_t fdt_size;
	uint64_t fdt_addr;

	struct timespec start;		/* mtime 0 */
	atomic_int exit_reason;		/* enum vm_exit_reason, 0 while running */
	int exit_code;
};

/* Memory slot numbers used by the board. */
enum {
	SLOT_RAM = 0,
	SLOT_BOOTROM = 1,
	SLOT_FLASH0 = 2,	/* + bank */
};

/*
 * The board's and the accelerators' view of a VM; devices get services.h.
 * Does the accelerator run M-mode (ACCEL_CAP_MMODE)?
 */
bool vm_has_mmode(const struct vm *vm);

static inline bool vm_should_stop(struct vm *vm)
{
	return atomic_load_explicit(&vm->exit_reason, memory_order_relaxed) != 0;
}

#endif
