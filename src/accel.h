/*
 * The memory and exit contract between a VM and its accelerator.
 *
 * It mirrors KVM: guest memory is a set of slots (KVM_SET_USER_MEMORY_REGION),
 * a slot is either RAM or read-only (KVM_MEM_READONLY), and every access that
 * no slot satisfies leaves the accelerator as an MMIO exit (KVM_EXIT_MMIO)
 * which the VM hands to the MMIO bus.  Devices never see this header: they
 * use services.h (vm_set_memory_region() and the bus).
 *
 *   RAM slot       loads, stores and fetches stay in the accelerator
 *   READONLY slot  loads and fetches stay; a store is an MMIO exit
 *   no slot        every access is an MMIO exit; unclaimed -> access fault
 *
 * A slot change is complete when set_memory_region returns: the next access
 * of every hart (the very next instruction fetch included) sees the new map.
 *
 * Accelerators are picked by name from a table (accel_open).  What is
 * specific to M-mode is a capability an accelerator declares, and the
 * board leaves out what it does not get:
 *
 *   ACCEL_CAP_MMODE  the harts run M-mode firmware, entered from the boot
 *                    ROM; the CLINT drives the machine timer (set_timecmp)
 *                    and the IRQ_M_* lines; the PLIC has M-mode contexts.
 *                    Without it (KVM) the payload starts in S-mode with
 *                    a0 = hart id and a1 = device tree, the accelerator is
 *                    the SBI (timer, IPIs, HSM, reset), and harts other
 *                    than 0 start stopped until the guest starts them.
 */
#ifndef NORVM_ACCEL_H
#define NORVM_ACCEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mmio.h"
#include "services.h"

struct debug_ops;
struct vm;

#define ACCEL_MAX_SLOTS		32

#define ACCEL_CAP_MMODE		(1u << 0)
#define ACCEL_CAP_VCLOCK	(1u << 1)	/* virtual_time: --clock virtual */

/* Where and how a hart starts. */
struct hart_entry {
	uint64_t pc;
	uint64_t a0, a1;	/* S-mode entry: hart id, device tree */
	bool stopped;		/* waits for an SBI HSM hart_start */
};

/* An interrupt controller the accelerator holds (irqchip_create). */
struct irqchip_config {
	uint64_t dist;		/* GICv3: the distributor's base */
	uint64_t redist;	/* ...and the first hart's redistributor (0x20000 each) */
	unsigned spis;		/* shared peripheral interrupts the board wires */
};

/* What a code generator did for a hart. */
struct jit_stats {
	uint64_t blocks, insns, bytes, flushes;	/* flushes: buffer emptied */
};

/* What an accelerator tells of a hart after the run (--stats-json). */
struct hart_state {
	uint64_t pc, x[32], instret;
	unsigned priv;
	bool jit;			/* the code generator ran this hart */
	struct jit_stats jit_stats;
};

struct accel_ops {
	const char *name;
	/* The guests it runs ("riscv64", "arm64"), as boards name theirs;
	 * NULL: it depends on the host, and create() says. */
	const char *arch;
	unsigned caps;		/* ACCEL_CAP_* */
	/*
	 * Allocate per-VM and per-hart state for vm->nharts harts and fill
	 * vm->cpu_isa and vm->timebase_hz.  On failure: a negative errno and
	 * one line in `err` saying why this accelerator cannot run here.
	 */
	int (*create)(struct vm *vm, char *err, size_t errlen);
	void (*destroy)(struct vm *vm);
	/* KVM_SET_USER_MEMORY_REGION; size 0 removes the slot. */
	int (*set_memory_region)(struct vm *vm, unsigned slot, uint64_t gpa,
				 uint64_t size, void *host, uint32_t flags);
	/* Put a hart in its reset state, to start as `e` says. */
	void (*reset_hart)(struct vm *vm, unsigned hart, const struct hart_entry *e);
	/* Run one hart on the calling thread until vm_should_stop(). */
	int (*run_hart)(struct vm *vm, unsigned hart);
	/* Raise or lower an interrupt line (a mip bit) of a hart. */
	void (*set_irq)(struct vm *vm, unsigned hart, unsigned irq, bool level);
	/*
	 * ARM: create the GICv3 inside the accelerator (KVM's vGIC), after
	 * create() and before any hart runs; 0 or -errno with one line in `err`.
	 * NULL: the accelerator holds no interrupt controller.
	 */
	int (*irqchip_create)(struct vm *vm, const struct irqchip_config *c,
			      char *err, size_t errlen);
	/* Raise or lower an input of that controller (a GIC SPI number). */
	void (*irqchip_line)(struct vm *vm, unsigned line, bool level);
	/* ACCEL_CAP_MMODE: the machine timer compare value (CLINT mtimecmp). */
	void (*set_timecmp)(struct vm *vm, unsigned hart, uint64_t mtimecmp);
	/* Make every hart return to its run loop soon (stop, interrupts). */
	void (*kick)(struct vm *vm);
	/* Optional: what a debugger may do with its harts (debug.h). */
	const struct debug_ops *debug;
	/* Optional: its own members of --stats-json's object, each written
	 * as ",\n  \"name\": value". */
	void (*stats_json)(struct vm *vm, FILE *f);
	/* Guest instructions retired by a hart; NULL when not counted. */
	uint64_t (*instret)(struct vm *vm, unsigned hart);
	/* A stopped hart's architectural state; NULL when not told. */
	void (*hart_state)(struct vm *vm, unsigned hart, struct hart_state *s);
	/*
	 * The virtual clock (--clock virtual), in VM_TIMEBASE_HZ ticks:
	 * guest time that advances with the instructions the harts retire.
	 * NULL: this accelerator runs on host time only.
	 */
	uint64_t (*virtual_time)(struct vm *vm);
};

extern const struct accel_ops soft_accel_ops;
extern const struct accel_ops kvm_accel_ops;

/* The accepted --accel names, for messages: "kvm, soft or auto". */
const char *accel_choices(void);

/* Is `name` an accelerator or "auto"? */
bool accel_known(const char *name);

/*
 * Create the accelerator named `name` for vm (vm->accel set on success).
 * "auto" takes the first in the table that can run the board's guests and
 * has the capabilities `need_caps` asks for: KVM when /dev/kvm works and
 * the guest needs neither M-mode (M-mode firmware was given) nor the
 * virtual clock, else the built-in CPU (RISC-V boards only).  A named
 * accelerator that cannot run here, runs another architecture, or lacks a
 * capability needed, fails with one line in `err`.
 */
int accel_open(struct vm *vm, const char *name, unsigned need_caps,
	       char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
