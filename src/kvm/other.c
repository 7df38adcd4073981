/*
 * KVM on a host whose guests norvm has no board for (x86_64, ...): the
 * common part (kvm.c) refuses every board before calling any of these.
 */
#if !(defined(__riscv) && __riscv_xlen == 64) && !defined(__aarch64__)

#include <errno.h>
#include <stdio.h>

#include "kvm/kvm.h"

const char *const kvm_arch_guest = NULL;

int kvm_arch_vm_init(struct vm *vm, struct kvm_state *k, char *err, size_t errlen)
{
	return -1;
}

int kvm_arch_vcpu_init(struct vm *vm, struct kvm_state *k, struct vcpu *v,
		       char *err, size_t errlen)
{
	return -1;
}

int kvm_arch_vm_ready(struct vm *vm, struct kvm_state *k, char *err, size_t errlen)
{
	return -1;
}

void kvm_arch_destroy(struct kvm_state *k)
{
}

void kvm_arch_reset_vcpu(struct vm *vm, struct kvm_state *k, struct vcpu *v,
			 const struct hart_entry *e)
{
}

bool kvm_arch_exit(struct vm *vm, struct kvm_state *k, struct vcpu *v)
{
	return false;
}

void kvm_arch_mmio_load(struct vm *vm, struct kvm_state *k, struct vcpu *v,
			unsigned len, uint64_t data)
{
}

void kvm_arch_set_irq(struct vm *vm, struct kvm_state *k, unsigned hart,
		      unsigned irq, bool level)
{
}

int kvm_arch_irqchip_create(struct vm *vm, struct kvm_state *k,
			    const struct irqchip_config *c, char *err, size_t errlen)
{
	snprintf(err, errlen, "KVM holds no interrupt controller on this host");
	return -ENOTSUP;
}

void kvm_arch_irqchip_line(struct vm *vm, struct kvm_state *k, unsigned line, bool level)
{
}

int kvm_arch_poweroff_status(struct vcpu *v)
{
	return 0;
}

uint64_t kvm_arch_pc(struct vcpu *v)
{
	return 0;
}

#endif
