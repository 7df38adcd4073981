/* A virtual machine: configuration, memory, bus, devices, harts. */
#ifndef NORVM_VM_H
#define NORVM_VM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "accel.h"
#include "hw/cfi_flash.h"
#include "mmio.h"
#include "virt.h"

#define VM_MAX_FLASH 2

struct flash_config {
	const char *path;
	bool readonly;
	bool sync;
	bool timing;			/* operations take the part's times */
	struct cfi_part part;		/* what the bank's devices are */
};

struct vm_config {
	const char *firmware;
	const char *kernel;
	const char *initrd;
	const char *append;
	uint64_t ram_size;
	unsigned nharts;
	bool boot_flash;		/* reset vector jumps to flash bank 0 */
	bool flash_map;			/* map the array while in read-array mode */
	struct flash_config flash[VM_MAX_FLASH];
	unsigned nflash;
	const char *dump_dtb;
	bool stats;
	const char *stats_json;
	const char *gdb;		/* --gdb: where to listen */
	bool gdb_wait;			/* --gdb-wait: harts start stopped */
};

struct uart;
struct clint;
struct plic;
struct finisher;
struct cfi_flash;

/* What the device tree says about a flash bank. */
struct flash_desc {
	uint64_t base, size;		/* size 0: no bank */
	unsigned bank_width, device_width;
};

struct vm {
	struct vm_config cfg;
	const struct accel_ops *accel;
	void *accel_priv;
	unsigned nharts;

	uint8_t *ram;
	uint64_t ram_size;
	uint8_t *bootrom;

	struct mmio_bus bus;
	struct uart *uart;
	struct clint *clint;
	struct plic *plic;
	struct finisher *finisher;
	struct cfi_flash *flash[VM_MAX_FLASH];
	struct flash_desc flash_desc[VM_MAX_FLASH];

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
 * The one way devices and the board change guest memory.  Complete when it
 * returns.  Returns 0 or a negative errno.
 */
int vm_set_memory_region(struct vm *vm, unsigned slot, uint64_t gpa,
			 uint64_t size, void *host, uint32_t flags);

/* Machine time in VIRT_TIMEBASE_HZ ticks since the VM started. */
uint64_t vm_mtime(const struct vm *vm);

/* Raise/lower a hart's interrupt line (a mip bit). */
void vm_set_hart_irq(struct vm *vm, unsigned hart, unsigned irq, bool level);
void vm_set_hart_timecmp(struct vm *vm, unsigned hart, uint64_t cmp);

/* Ask every hart to stop; the first reason given wins. */
void vm_request_exit(struct vm *vm, enum vm_exit_reason why, int code);

static inline bool vm_should_stop(struct vm *vm)
{
	return atomic_load_explicit(&vm->exit_reason, memory_order_relaxed) != 0;
}

#endif
