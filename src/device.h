/*
 * A device as the machine sees it: where it sits on the bus, its line on
 * the board's interrupt controller, and the hooks every device answers
 * alike (reset, destroy, its node in the device tree).  A board creates
 * its devices and adds their descriptors to the VM; the machine resets and
 * destroys them, and the device tree is written by walking them, so a new
 * device is its own file plus one line in a board.
 */
#ifndef NORVM_DEVICE_H
#define NORVM_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct board_fdt;

struct device {
	const char *name;		/* its bus region's, e.g. "uart", "flash0" */
	uint64_t base, size;		/* its bus region */
	int irq;			/* its line on the board's controller, -1: none */
	bool soc;			/* its node is a child of the board's device bus */
	void *state;			/* the device's own */
	void (*reset)(void *state);	/* power-on state; NULL: none kept */
	void (*destroy)(void *state);
	/* Its node in the device tree; NULL: it has none.  0 or a libfdt error. */
	int (*fdt)(void *fdt, const struct device *d, const struct board_fdt *b);
};

/* What a device's node needs from the board's part of the tree. */
struct board_fdt {
	const struct vm *vm;
	uint32_t intc;			/* the interrupt controller's phandle */
	unsigned irq_cells;		/* 1: a source number (PLIC); 3: GIC SPI */
	uint32_t cpu_intc;		/* RISC-V: hart 0's local controller, + hart */
	uint32_t test;			/* RISC-V: the test device's phandle */
	uint32_t clock;			/* ARM: the APB clock's phandle (PrimeCells) */
	bool dma_coherent;		/* ARM: DMA sees the caches: say so (virtio) */
};

/* "interrupts" and "interrupt-parent" for line `irq`, as the board's
 * controller numbers them.  0 or a libfdt error. */
int fdt_device_irq(void *fdt, const struct board_fdt *b, int irq);
/*
 * RISC-V: interrupts-extended naming lines a (-1: none) and c of every
 * hart's local interrupt controller (the CLINT's and the PLIC's nodes).
 */
int fdt_per_hart_irqs(void *fdt, const struct board_fdt *b, int a, int c);
/* "reg" of d's region, two cells each for address and size. */
int fdt_device_reg(void *fdt, const struct device *d);

/*
 * Add `d` to the VM: the VM owns it from then on, destroyed with it, or at
 * once when there is no room for it (-ENOSPC).
 */
int vm_add_device(struct vm *vm, struct device d)
	__attribute__((warn_unused_result));

#endif
