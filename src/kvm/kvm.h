/*
 * Linux KVM as an accelerator: what the common part (kvm.c: the VM, its
 * vCPUs and threads, memory slots, the run loop, MMIO and system events)
 * shares with the part for the host's architecture (riscv.c on riscv64,
 * arm64.c on arm64, other.c elsewhere), which sets registers, starts and
 * resets vCPUs, raises interrupts and handles its own exits.
 */
#ifndef NORVM_KVM_KVM_H
#define NORVM_KVM_KVM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel.h"

struct vm;

struct vcpu {
	unsigned id;
	int fd;
	struct kvm_run *run;
	pthread_mutex_t lock;		/* thread, running */
	pthread_t thread;
	bool running;
	void *arch;			/* the architecture part's */
};

struct kvm_slot {
	uint64_t gpa, size;
	void *host;
	uint32_t flags;
};

struct kvm_state {
	int sys_fd, vm_fd;
	size_t run_size;
	unsigned nvcpus;
	struct vcpu *vcpus;
	pthread_mutex_t slot_lock;
	struct kvm_slot slots[ACCEL_MAX_SLOTS];
	atomic_bool irq_warned;
	/* Loads and stores KVM could not describe, decoded and done here. */
	atomic_uint_least64_t emulated;
	void *arch;			/* the architecture part's */
};

/* The guests this host's KVM runs ("riscv64", "arm64"); NULL: none norvm has. */
extern const char *const kvm_arch_guest;

/* After the VM exists, before its vCPUs (arm64: the interrupt controller). */
int kvm_arch_vm_init(struct vm *vm, struct kvm_state *k, char *err, size_t errlen);
/* A vCPU just created. */
int kvm_arch_vcpu_init(struct vm *vm, struct kvm_state *k, struct vcpu *v,
		       char *err, size_t errlen);
/* Every vCPU created: what the device tree needs to know of them. */
int kvm_arch_vm_ready(struct vm *vm, struct kvm_state *k, char *err, size_t errlen);
void kvm_arch_destroy(struct kvm_state *k);
/* Put a vCPU in its reset state, to start as `e` says. */
void kvm_arch_reset_vcpu(struct vm *vm, struct kvm_state *k, struct vcpu *v,
			 const struct hart_entry *e);
/* An exit the common loop does not know; false: not this one's either. */
bool kvm_arch_exit(struct vm *vm, struct kvm_state *k, struct vcpu *v);
/* An MMIO load of `len` bytes KVM will complete with `data`. */
void kvm_arch_mmio_load(struct vm *vm, struct kvm_state *k, struct vcpu *v,
			unsigned len, uint64_t data);
/* Interrupts: a hart's line (RISC-V), or an in-kernel controller's input. */
void kvm_arch_set_irq(struct vm *vm, struct kvm_state *k, unsigned hart,
		      unsigned irq, bool level);
int kvm_arch_irqchip_create(struct vm *vm, struct kvm_state *k,
			    const struct irqchip_config *c, char *err, size_t errlen);
void kvm_arch_irqchip_line(struct vm *vm, struct kvm_state *k, unsigned line, bool level);
/* The exit status a shutdown system event asks for. */
int kvm_arch_poweroff_status(struct vcpu *v);
/* The vCPU's program counter, for messages (0 when unknown). */
uint64_t kvm_arch_pc(struct vcpu *v);

/* Shared helpers. */
int kvm_get_reg(int fd, uint64_t id, void *val);
int kvm_set_reg(int fd, uint64_t id, const void *val);
/* Set a register or say on stderr which one could not be set. */
void kvm_set_or_warn(struct vcpu *v, uint64_t id, uint64_t val, const char *what);
/* Host memory behind guest-physical [gpa, gpa + len) (guest_mem_fn). */
const void *kvm_guest_ptr(void *opaque, uint64_t gpa, uint64_t len);
/* Run the vCPU once with immediate_exit: KVM completes a pending MMIO
 * load or hypercall into the registers, then returns. */
void kvm_complete_pending(struct vcpu *v);
/* An MMIO access of the guest, to the bus; unclaimed reads see 0. */
uint64_t kvm_mmio(struct vm *vm, uint64_t addr, unsigned len, bool is_write, uint64_t data);

#endif
