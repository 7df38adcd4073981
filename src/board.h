/*
 * A board: the memory map and devices of one kind of machine, and how its
 * guest starts.  The machine (machine.c) makes RAM, the accelerator, the
 * flash banks and the disks the same way on every board, and asks the
 * board for the rest: its own devices, its interrupt lines, its part of
 * the device tree, and the entry.  A board is one file under src/board/
 * and a line in the table in board.c.
 */
#ifndef NORVM_BOARD_H
#define NORVM_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "irq.h"

struct vm;
struct board_fdt;
struct hart_entry;
struct loaded_image;

struct board {
	const char *name;		/* --machine NAME */
	const char *summary;		/* one line for `norvm --help` */
	const char *arch;		/* the guest's: "riscv64", "arm64" */
	unsigned max_harts;
	uint64_t ram_base;
	uint64_t ram_max;		/* RAM the map has room for */
	uint64_t flash_base[2];		/* the two banks' windows */
	uint64_t flash_window;		/* their size: the largest bank */
	/* virtio-mmio transports: the first, the distance between two, how
	 * many, and the first one's interrupt line (the others follow) */
	uint64_t virtio_base, virtio_stride;
	unsigned virtio_count, virtio_irq;
	/* where --firmware and --kernel load when they are raw binaries
	 * (firmware_load 0: the board takes no --firmware) */
	uint64_t firmware_load, kernel_load;
	/* the root's compatible and model */
	const char *compatible, *model;
	/*
	 * --uefi: the firmware's code and its variable store's template, each
	 * a file under norvm's firmware directory (firmware.h) or an absolute
	 * path (from `uefi_package`, a Debian package); the store's size.
	 */
	const char *uefi_code, *uefi_vars;
	uint64_t uefi_vars_size;
	const char *uefi_package;

	/*
	 * Create the board's own devices (interrupt controller, timer, UART,
	 * ...) and set vm->console; flash banks and disks come after.  0 or
	 * -errno with one line in `err`.
	 */
	int (*create)(struct vm *vm, char *err, size_t errlen);
	/* A device's interrupt line `n`, as the board wires it. */
	struct irq_line (*irq)(struct vm *vm, unsigned n);
	/* The tree's board part: what device nodes need (`b`) and the
	 * console's path (`stdout`); then the nodes before the devices
	 * (harts, interrupt controller, timer). */
	void (*fdt_setup)(struct vm *vm, struct board_fdt *b, char *stdout, size_t len);
	int (*fdt_begin)(void *fdt, struct vm *vm, const struct board_fdt *b);
	/* ...and the nodes after the device bus (power-off, reboot). */
	int (*fdt_end)(void *fdt, struct vm *vm, const struct board_fdt *b);
	/* Does the board put some devices under a "soc" simple-bus? */
	bool soc_bus;
	/*
	 * Where the device tree goes in RAM, for a tree of `size` bytes, the
	 * loaded images known; 0 when there is no room (`err` says so).
	 */
	uint64_t (*fdt_place)(struct vm *vm, size_t size, char *err, size_t errlen);
	/*
	 * Set the guest's start after the images are in RAM and the tree is
	 * placed: `fw` and `kernel` are what --firmware and --kernel loaded
	 * (entry 0: not given).
	 */
	int (*boot)(struct vm *vm, const struct loaded_image *fw,
		    const struct loaded_image *kernel, char *err, size_t errlen);
	/*
	 * Where hart `hart` starts on an accelerator without M-mode; NULL:
	 * at vm->entry with a0 = its id and a1 = the tree, hart 0 running
	 * (RISC-V's SBI convention).
	 */
	void (*hart_entry)(const struct vm *vm, unsigned hart, struct hart_entry *e);
};

/* The board called `name`, or NULL; board_default() for this host. */
const struct board *board_find(const char *name);
const struct board *board_default(void);
/* The boards' names, for messages: "riscv-virt, arm64-virt". */
extern const char board_names[];

#endif
