/* The VM services devices and accelerators call: slots, time, irqs, exit. */
#include <errno.h>

#include "vm.h"

int vm_register_mmio(struct vm *vm, uint64_t base, uint64_t size,
		     const char *name, const struct mmio_ops *ops, void *opaque)
{
	return mmio_register(&vm->bus, base, size, name, ops, opaque);
}

int vm_set_memory_region(struct vm *vm, unsigned slot, uint64_t gpa,
			 uint64_t size, void *host, uint32_t flags)
{
	if (slot >= ACCEL_MAX_SLOTS || (flags & ~MEM_FLAG_READONLY))
		return -EINVAL;
	if (size && (!host || (gpa | size) & 0xfff || gpa + size < gpa))
		return -EINVAL;
	return vm->accel->set_memory_region(vm, slot, gpa, size, host, flags);
}

unsigned vm_nharts(const struct vm *vm)
{
	return vm->nharts;
}

int vm_add_device(struct vm *vm, struct device d)
{
	if (vm->ndevices == VM_MAX_DEVICES) {
		if (d.destroy)
			d.destroy(d.state);
		return -ENOSPC;
	}
	vm->devices[vm->ndevices++] = d;
	return 0;
}

void *vm_guest_ram(struct vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t base = vm->ram_base;

	if (!vm->ram || gpa < base || gpa - base > vm->ram_size ||
	    len > vm->ram_size - (gpa - base))
		return NULL;
	return vm->ram + (gpa - base);
}

bool vm_has_mmode(const struct vm *vm)
{
	return vm->accel && (vm->accel->caps & ACCEL_CAP_MMODE);
}

uint64_t vm_mtime(const struct vm *vm)
{
	struct timespec now;
	uint64_t ns;

	if (vm->cfg.clock_virtual)
		return vm->accel->virtual_time((struct vm *)vm);

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (uint64_t)(now.tv_sec - vm->start.tv_sec) * 1000000000ull +
	     (uint64_t)now.tv_nsec - (uint64_t)vm->start.tv_nsec;
	return ns / (1000000000ull / VM_TIMEBASE_HZ);
}

void vm_set_hart_irq(struct vm *vm, unsigned hart, unsigned irq, bool level)
{
	if (hart < vm->nharts && vm->accel->set_irq)
		vm->accel->set_irq(vm, hart, irq, level);
}

void vm_set_hart_timecmp(struct vm *vm, unsigned hart, uint64_t cmp)
{
	if (hart < vm->nharts && vm->accel->set_timecmp)
		vm->accel->set_timecmp(vm, hart, cmp);
}

void vm_request_exit_signal_safe(struct vm *vm, enum vm_exit_reason why, int code)
{
	int none = VM_EXIT_NONE;

	if (atomic_compare_exchange_strong(&vm->exit_reason, &none, (int)why))
		vm->exit_code = code;
}

void vm_request_exit(struct vm *vm, enum vm_exit_reason why, int code)
{
	vm_request_exit_signal_safe(vm, why, code);
	if (vm->accel && vm->accel->kick)
		vm->accel->kick(vm);
}
