/*
 * The memory and exit contract between a VM and its accelerator.
 *
 * It mirrors KVM: guest memory is a set of slots (KVM_SET_USER_MEMORY_REGION),
 * a slot is either RAM or read-only (KVM_MEM_READONLY), and every access that
 * no slot satisfies leaves the accelerator as an MMIO exit (KVM_EXIT_MMIO)
 * which the VM hands to the MMIO bus.  Devices never see this header's
 * backend side: they only call vm_set_memory_region() and answer the bus.
 *
 *   RAM slot       loads, stores and fetches stay in the accelerator
 *   READONLY slot  loads and fetches stay; a store is an MMIO exit
 *   no slot        every access is an MMIO exit; unclaimed -> access fault
 *
 * A slot change is complete when set_memory_region returns: the next access
 * of every hart (the very next instruction fetch included) sees the new map.
 */
#ifndef NORVM_ACCEL_H
#define NORVM_ACCEL_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

#define MEM_FLAG_RAM		0u
#define MEM_FLAG_READONLY	(1u << 1)	/* same bit as KVM_MEM_READONLY */

#define ACCEL_MAX_SLOTS		32

/* One MMIO exit, shaped like kvm_run.mmio plus the fetch bit KVM lacks. */
struct mmio_exit {
	uint64_t addr;		/* guest physical address */
	uint64_t data;		/* little-endian value, low `len` bytes used */
	uint8_t len;		/* 1, 2, 4 or 8 */
	bool is_write;
	bool is_fetch;		/* an instruction fetch from a trapping region */
};

/* What ended a run of the harts. */
enum vm_exit_reason {
	VM_EXIT_NONE = 0,
	VM_EXIT_POWEROFF,	/* status in vm->exit_code */
	VM_EXIT_RESET,		/* guest asked for a reboot */
	VM_EXIT_USER,		/* console escape or signal */
	VM_EXIT_ERROR,		/* the VMM itself failed */
};

/* Interrupt numbers as mip bits. */
#define IRQ_S_SOFT	1
#define IRQ_M_SOFT	3
#define IRQ_S_TIMER	5
#define IRQ_M_TIMER	7
#define IRQ_S_EXT	9
#define IRQ_M_EXT	11

struct accel_ops {
	const char *name;
	/* Allocate per-VM and per-hart state for vm->nharts harts. */
	int (*create)(struct vm *vm);
	void (*destroy)(struct vm *vm);
	/* KVM_SET_USER_MEMORY_REGION; size 0 removes the slot. */
	int (*set_memory_region)(struct vm *vm, unsigned slot, uint64_t gpa,
				 uint64_t size, void *host, uint32_t flags);
	/* Put a hart in its reset state with its pc at `pc`. */
	void (*reset_hart)(struct vm *vm, unsigned hart, uint64_t pc);
	/* Run one hart on the calling thread until vm_should_stop(). */
	int (*run_hart)(struct vm *vm, unsigned hart);
	/* Raise or lower an interrupt line (a mip bit) of a hart. */
	void (*set_irq)(struct vm *vm, unsigned hart, unsigned irq, bool level);
	/* The machine timer compare value of a hart (CLINT mtimecmp). */
	void (*set_timecmp)(struct vm *vm, unsigned hart, uint64_t mtimecmp);
	/* Make every hart return to its run loop soon (stop, interrupts). */
	void (*kick)(struct vm *vm);
	/* Guest instructions retired by a hart, for statistics. */
	uint64_t (*instret)(struct vm *vm, unsigned hart);
};

extern const struct accel_ops soft_accel_ops;

#endif
