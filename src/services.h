/*
 * What a device may ask of the machine it sits in: claim an MMIO range, map
 * or unmap a host buffer as a memory slot, raise an interrupt line, read
 * the clock, stop the machine.  Devices include this header, not vm.h:
 * the VM is an opaque handle here, so no device can reach the accelerator
 * or the board's state, and a device works the same on every accelerator.
 */
#ifndef NORVM_SERVICES_H
#define NORVM_SERVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "mmio.h"

struct vm;

/* Machine time runs at this rate (mtime, the flash timing model). */
#define VM_TIMEBASE_HZ	UINT64_C(10000000)
/* Harts a VM may have. */
#define VM_MAX_HARTS	8

/* Memory slot flags. */
#define MEM_FLAG_RAM		0u
#define MEM_FLAG_READONLY	(1u << 1)	/* same bit as KVM_MEM_READONLY */

/*
 * Interrupt lines of a hart, numbered as mip bits.  The M-mode lines exist
 * only on an accelerator that runs M-mode (ACCEL_CAP_MMODE); the board
 * creates no device that drives them otherwise.
 */
#define IRQ_S_SOFT	1
#define IRQ_M_SOFT	3
#define IRQ_S_TIMER	5
#define IRQ_M_TIMER	7
#define IRQ_S_EXT	9
#define IRQ_M_EXT	11

/* What ended a run of the harts. */
enum vm_exit_reason {
	VM_EXIT_NONE = 0,
	VM_EXIT_POWEROFF,	/* with an exit status */
	VM_EXIT_RESET,		/* guest asked for a reboot */
	VM_EXIT_USER,		/* console escape or signal */
	VM_EXIT_ERROR,		/* the VMM itself failed */
};

/* Claim [base, base + size) on the MMIO bus; 0 or a negative errno. */
int vm_register_mmio(struct vm *vm, uint64_t base, uint64_t size,
		     const char *name, const struct mmio_ops *ops, void *opaque)
	__attribute__((warn_unused_result));

/*
 * Map `size` bytes at `host` as guest-physical [gpa, gpa + size) (flags:
 * MEM_FLAG_*), replacing what the slot held; size 0 removes the slot.  The
 * change is complete when it returns: every hart's next access sees it.
 * Returns 0 or a negative errno.
 */
int vm_set_memory_region(struct vm *vm, unsigned slot, uint64_t gpa,
			 uint64_t size, void *host, uint32_t flags);

unsigned vm_nharts(const struct vm *vm);

/*
 * Guest RAM at guest-physical [gpa, gpa + len) as host memory, for a
 * device's DMA (virtio queues and buffers); NULL unless the whole range is
 * RAM.  The harts use the same memory meanwhile: a device orders its
 * accesses to shared rings with fences, as the guest does.
 */
void *vm_guest_ram(struct vm *vm, uint64_t gpa, uint64_t len);

/* Machine time in VM_TIMEBASE_HZ ticks since the VM started. */
uint64_t vm_mtime(const struct vm *vm);

/* Raise or lower a hart's interrupt line (IRQ_*). */
void vm_set_hart_irq(struct vm *vm, unsigned hart, unsigned irq, bool level);

/* A hart's machine timer compare value (M-mode only: the CLINT). */
void vm_set_hart_timecmp(struct vm *vm, unsigned hart, uint64_t cmp);

/* Ask every hart to stop; the first reason given wins. */
void vm_request_exit(struct vm *vm, enum vm_exit_reason why, int code);
/*
 * The same from a signal handler: async-signal-safe, kicks no hart (each
 * sees the request the next time it checks whether to stop).
 */
void vm_request_exit_signal_safe(struct vm *vm, enum vm_exit_reason why, int code);

#endif
