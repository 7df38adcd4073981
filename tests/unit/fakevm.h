/*
 * A VM with a recording accelerator, for device tests that need no CPU.
 * It keeps the slot table the way a backend would, and remembers the last
 * interrupt level and timer compare value set for each hart.  Setting
 * fake_slot_failures makes that many slot changes fail (-ENOMEM) and leave
 * the table as it was.
 */
#ifndef NORVM_FAKEVM_H
#define NORVM_FAKEVM_H

#include <errno.h>
#include <string.h>

#include "board.h"
#include "vm.h"

struct fake_slot {
	uint64_t gpa, size;
	void *host;
	uint32_t flags;
};

static struct fake_slot fake_slots[ACCEL_MAX_SLOTS];
static unsigned fake_slot_changes;
static unsigned fake_slot_failures;	/* fail this many slot changes next */
static bool fake_irq[VM_MAX_HARTS][16];
static uint64_t fake_timecmp[VM_MAX_HARTS];
static unsigned fake_kicks;

static int fake_set_memory_region(struct vm *vm, unsigned slot, uint64_t gpa,
				  uint64_t size, void *host, uint32_t flags)
{
	if (fake_slot_failures) {
		fake_slot_failures--;
		return -ENOMEM;
	}
	fake_slots[slot] = (struct fake_slot){ gpa, size, host, flags };
	fake_slot_changes++;
	return 0;
}

static void fake_set_irq(struct vm *vm, unsigned hart, unsigned irq, bool level)
{
	fake_irq[hart][irq] = level;
}

static void fake_set_timecmp(struct vm *vm, unsigned hart, uint64_t cmp)
{
	fake_timecmp[hart] = cmp;
}

static void fake_kick(struct vm *vm)
{
	fake_kicks++;
}

static const struct accel_ops fake_accel_ops = {
	.name = "fake",
	.caps = ACCEL_CAP_MMODE,
	.set_memory_region = fake_set_memory_region,
	.set_irq = fake_set_irq,
	.set_timecmp = fake_set_timecmp,
	.kick = fake_kick,
};

/* The same without M-mode, as KVM. */
static const struct accel_ops fake_smode_accel_ops = {
	.name = "fake-smode",
	.set_memory_region = fake_set_memory_region,
	.set_irq = fake_set_irq,
	.kick = fake_kick,
};

/* What code outside the boards reads of one (the loader: its guests'
 * architecture); a test of a board's devices sets the real board. */
static const struct board fake_board = { .name = "riscv-virt", .arch = "riscv64" };

/* A zeroed VM with `nharts` harts on the recording accelerator. */
static inline void fake_vm_init(struct vm *vm, unsigned nharts)
{
	memset(vm, 0, sizeof(*vm));
	memset(fake_slots, 0, sizeof(fake_slots));
	memset(fake_irq, 0, sizeof(fake_irq));
	memset(fake_timecmp, 0, sizeof(fake_timecmp));
	fake_slot_changes = 0;
	fake_slot_failures = 0;
	fake_kicks = 0;
	vm->accel = &fake_accel_ops;
	vm->board = &fake_board;
	vm->nharts = nharts;
	strcpy(vm->cpu_isa, "rv64imafdc_zicsr_zifencei");
	vm->timebase_hz = VM_TIMEBASE_HZ;
	clock_gettime(CLOCK_MONOTONIC, &vm->start);
}

/* Is guest address `gpa` covered by a slot, and with which flags? */
static inline const struct fake_slot *fake_slot_at(uint64_t gpa)
{
	for (unsigned i = 0; i < ACCEL_MAX_SLOTS; i++)
		if (fake_slots[i].size && gpa - fake_slots[i].gpa < fake_slots[i].size)
			return &fake_slots[i];
	return NULL;
}

#endif
