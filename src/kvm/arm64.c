/*
 * KVM on arm64 hosts (kvm.h).  Each hart is a vCPU of KVM's preferred
 * target with PSCI 0.2: KVM answers the guest's PSCI calls (CPU_ON starts
 * the other harts, SYSTEM_OFF and SYSTEM_RESET arrive as system events),
 * the architected timer is KVM's, and the GICv3 is KVM's vGIC, created by
 * the board (irqchip_create) and driven through KVM_IRQ_LINE.  A hart
 * starts at EL1h with interrupts masked and x0 = the device tree.
 *
 * A load or store that reaches a region without memory and carries no
 * syndrome (a pair, a writeback form, a SIMD&FP register) comes back as
 * KVM_EXIT_ARM_NISV (KVM_CAP_ARM_NISV_TO_USER): norvm reads the
 * instruction through the guest's own page tables, decodes it (a64.h)
 * and performs it on the bus, then steps over it.  Anything it cannot
 * decode stops the VM with one line naming the instruction.
 */
#if defined(__aarch64__)

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm/a64.h"
#include "kvm/kvm.h"
#include "util.h"
#include "vm.h"

const char *const kvm_arch_guest = "arm64";

struct kvm_arm64 {
	struct kvm_vcpu_init init;	/* the preferred target */
	int gic_fd;
};

#define CORE_REG(off) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
		       ((off) / sizeof(__u32)))
#define REG_X(n)	CORE_REG(offsetof(struct kvm_regs, regs.regs) + 8 * (n))
#define REG_SP_EL0	CORE_REG(offsetof(struct kvm_regs, regs.sp))
#define REG_PC		CORE_REG(offsetof(struct kvm_regs, regs.pc))
#define REG_PSTATE	CORE_REG(offsetof(struct kvm_regs, regs.pstate))
#define REG_SP_EL1	CORE_REG(offsetof(struct kvm_regs, sp_el1))
#define REG_V(n)	(KVM_REG_ARM64 | KVM_REG_SIZE_U128 | KVM_REG_ARM_CORE | \
			 ((offsetof(struct kvm_regs, fp_regs.vregs) + 16 * (n)) / sizeof(__u32)))
#define REG_SCTLR_EL1	ARM64_SYS_REG(3, 0, 1, 0, 0)
#define REG_TTBR0_EL1	ARM64_SYS_REG(3, 0, 2, 0, 0)
#define REG_TTBR1_EL1	ARM64_SYS_REG(3, 0, 2, 0, 1)
#define REG_TCR_EL1	ARM64_SYS_REG(3, 0, 2, 0, 2)

/* EL1h, debug, SError, IRQ and FIQ masked. */
#define PSTATE_RESET	(PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT)
#define GIC_NR_IRQS	128	/* SGIs and PPIs (32), then the SPIs */

static struct kvm_arm64 *arm(struct kvm_state *k)
{
	return k->arch;
}

static uint64_t get(struct vcpu *v, uint64_t id)
{
	uint64_t val = 0;

	kvm_get_reg(v->fd, id, &val);
	return val;
}

int kvm_arch_vm_init(struct vm *vm, struct kvm_state *k, char *err, size_t errlen)
{
	static const struct { int cap; const char *what; } caps[] = {
		{ KVM_CAP_ARM_PSCI_0_2, "PSCI 0.2" },
		{ KVM_CAP_DEVICE_CTRL, "in-kernel devices" },
		{ KVM_CAP_IRQCHIP, "an in-kernel interrupt controller" },
		{ KVM_CAP_ONE_REG, "register access" },
	};
	struct kvm_arm64 *a = calloc(1, sizeof(*a));

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	a->gic_fd = -1;
	k->arch = a;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (ioctl(k->sys_fd, KVM_CHECK_EXTENSION, caps[i].cap) <= 0) {
			snprintf(err, errlen, "this KVM has no %s (capability %d)",
				 caps[i].what, caps[i].cap);
			return -ENOTSUP;
		}
	}
	if (ioctl(k->vm_fd, KVM_ARM_PREFERRED_TARGET, &a->init) < 0) {
		snprintf(err, errlen, "KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* KVM_ARM_VCPU_INIT: the vCPU's reset state, running or powered off. */
static int vcpu_init(struct kvm_state *k, struct vcpu *v, bool off)
{
	struct kvm_vcpu_init init = arm(k)->init;

	memset(init.features, 0, sizeof(init.features));
	init.features[0] = 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (off)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	return ioctl(v->fd, KVM_ARM_VCPU_INIT, &init) < 0 ? -errno : 0;
}

int kvm_arch_vcpu_init(struct vm *vm, struct kvm_state *k, struct vcpu *v,
		       char *err, size_t errlen)
{
	int ret = vcpu_init(k, v, v->id != 0);

	if (ret)
		snprintf(err, errlen, "KVM_ARM_VCPU_INIT of vcpu %u: %s", v->id,
			 strerror(-ret));
	return ret;
}

int kvm_arch_vm_ready(struct vm *vm, struct kvm_state *k, char *err, size_t errlen)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_NISV_TO_USER };

	/* Without it an access KVM cannot decode fails KVM_RUN (ENOSYS). */
	if (ioctl(k->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_NISV_TO_USER) > 0 &&
	    ioctl(k->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
		snprintf(err, errlen, "KVM_ENABLE_CAP(ARM_NISV_TO_USER): %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int gic_attr(int fd, uint32_t group, uint64_t attr, const void *val)
{
	struct kvm_device_attr a = { .group = group, .attr = attr, .addr = (uintptr_t)val };

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

int kvm_arch_irqchip_create(struct vm *vm, struct kvm_state *k,
			    const struct irqchip_config *c, char *err, size_t errlen)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	uint32_t nr = GIC_NR_IRQS;
	int ret;

	if (c->spis + 32 > GIC_NR_IRQS) {
		snprintf(err, errlen, "the GIC has room for %d SPIs, not %u",
			 GIC_NR_IRQS - 32, c->spis);
		return -EINVAL;
	}
	if (ioctl(k->vm_fd, KVM_CREATE_DEVICE, &cd) < 0) {
		snprintf(err, errlen, "KVM cannot create a GICv3 (KVM_CREATE_DEVICE: %s)",
			 strerror(errno));
		return -errno;
	}
	arm(k)->gic_fd = (int)cd.fd;
	ret = gic_attr(cd.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &c->dist);
	if (!ret)
		ret = gic_attr(cd.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST,
			       &c->redist);
	if (!ret)
		ret = gic_attr(cd.fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr);
	if (!ret)
		ret = gic_attr(cd.fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	if (ret)
		snprintf(err, errlen, "cannot set up KVM's GICv3: %s", strerror(-ret));
	return ret;
}

void kvm_arch_destroy(struct kvm_state *k)
{
	struct kvm_arm64 *a = arm(k);

	if (!a)
		return;
	if (a->gic_fd >= 0)
		close(a->gic_fd);
	free(a);
	k->arch = NULL;
}

void kvm_arch_reset_vcpu(struct vm *vm, struct kvm_state *k, struct vcpu *v,
			 const struct hart_entry *e)
{
	int ret = vcpu_init(k, v, e->stopped);

	if (ret) {
		fprintf(stderr, "norvm: hart %u: KVM_ARM_VCPU_INIT: %s\n", v->id,
			strerror(-ret));
		return;
	}
	if (e->stopped)
		return;			/* PSCI CPU_ON sets where it starts */
	kvm_set_or_warn(v, REG_X(0), e->a0, "x0");
	kvm_set_or_warn(v, REG_PC, e->pc, "pc");
	kvm_set_or_warn(v, REG_PSTATE, PSTATE_RESET, "pstate");
}

uint64_t kvm_arch_pc(struct vcpu *v)
{
	return get(v, REG_PC);
}

/* --- Loads and stores without syndrome. ------------------------------- */

/*
 * One access of up to 8 bytes at guest-physical `ipa`: memory a slot holds
 * (a store to a read-only slot is the device's), else the bus.
 */
static uint64_t guest_access(struct vm *vm, struct kvm_state *k, uint64_t ipa, unsigned len,
		       bool store, uint64_t data)
{
	bool ro = false;
	uint8_t *p = NULL;

	pthread_mutex_lock(&k->slot_lock);
	for (unsigned i = 0; i < ACCEL_MAX_SLOTS && !p; i++) {
		const struct kvm_slot *s = &k->slots[i];

		if (s->size && ipa >= s->gpa && ipa - s->gpa <= s->size - len) {
			p = (uint8_t *)s->host + (ipa - s->gpa);
			ro = s->flags & MEM_FLAG_READONLY;
		}
	}
	pthread_mutex_unlock(&k->slot_lock);
	if (p && !(store && ro)) {
		if (store)
			memcpy(p, &data, len);
		else
			memcpy(&data, p, len);
		return data;
	}
	return kvm_mmio(vm, ipa, len, store, data);
}

/* The register named by an access: X0-X30, 31 reading as zero. */
static uint64_t xreg(struct vcpu *v, unsigned n)
{
	return n == 31 ? 0 : get(v, REG_X(n));
}

/* The stack pointer of the exception level the guest is at. */
static uint64_t sp_id(uint64_t pstate)
{
	return (pstate & 0xf) == PSR_MODE_EL1h ? REG_SP_EL1 : REG_SP_EL0;
}

static void nisv_failed(struct vm *vm, struct vcpu *v, uint64_t pc, uint32_t insn,
			bool fetched, uint64_t ipa, const char *why)
{
	if (fetched)
		fprintf(stderr, "norvm: hart %u: pc 0x%" PRIx64 ": instruction 0x%08" PRIx32
			" accesses 0x%" PRIx64 " without syndrome and %s\n", v->id, pc,
			insn, ipa, why);
	else
		fprintf(stderr, "norvm: hart %u: pc 0x%" PRIx64 ": an access to 0x%" PRIx64
			" without syndrome, and %s\n", v->id, pc, ipa, why);
	vm_request_exit(vm, VM_EXIT_ERROR, 1);
}

/* Sign- or zero-extend a loaded integer as the access says. */
static uint64_t extend(const struct a64_access *a, uint64_t val)
{
	unsigned shift = 64 - 8 * a->size;

	if (a->size == 8)
		return val;
	if (!a->sign)
		return val & ((UINT64_C(1) << (8 * a->size)) - 1);
	val = (uint64_t)((int64_t)(val << shift) >> shift);
	return a->to32 ? (uint32_t)val : val;
}

static bool emulate_nisv(struct vm *vm, struct kvm_state *k, struct vcpu *v)
{
	uint64_t fault = v->run->arm_nisv.fault_ipa;
	uint64_t pc = get(v, REG_PC), pstate = get(v, REG_PSTATE);
	struct a64_mmu m = {
		.sctlr = get(v, REG_SCTLR_EL1), .tcr = get(v, REG_TCR_EL1),
		.ttbr0 = get(v, REG_TTBR0_EL1), .ttbr1 = get(v, REG_TTBR1_EL1),
	};
	uint64_t base, addr, ipa[2][2], val[2][2] = { { 0 } };
	unsigned nregs, parts, chunk;
	bool hit = false;
	struct a64_access a;
	uint32_t insn;

	atomic_fetch_add(&k->emulated, 1);
	if (!a64_fetch(&m, pc, kvm_guest_ptr, k, &insn)) {
		nisv_failed(vm, v, pc, 0, false, fault, "its instruction cannot be read");
		return true;
	}
	if (!a64_decode_ldst(insn, &a)) {
		nisv_failed(vm, v, pc, insn, true, fault,
			    "is no load or store norvm emulates");
		return true;
	}
	base = a.literal ? pc : a.rn == 31 ? get(v, sp_id(pstate)) : get(v, REG_X(a.rn));
	addr = base + (a.post ? 0 : (uint64_t)a.offset);
	if (a.reg_offset)
		addr += a64_extend(&a, xreg(v, a.rm));
	nregs = a.pair ? 2 : 1;
	parts = a.size == 16 ? 2 : 1;
	chunk = a.size == 16 ? 8 : a.size;
	for (unsigned r = 0; r < nregs; r++) {
		for (unsigned p = 0; p < parts; p++) {
			uint64_t va = addr + r * a.size + p * chunk;

			if (!a64_translate(&m, va, kvm_guest_ptr, k, &ipa[r][p])) {
				nisv_failed(vm, v, pc, insn, true, fault,
					    "its address does not translate");
				return true;
			}
			hit |= fault >= ipa[r][p] && fault < ipa[r][p] + chunk;
		}
	}
	if (!hit) {
		nisv_failed(vm, v, pc, insn, true, fault, "it is not the access that faulted");
		return true;
	}
	/* Loads: read everything first (a register may be the base). */
	for (unsigned r = 0; r < nregs; r++) {
		unsigned rt = r ? a.rt2 : a.rt;

		if (!a.load) {
			if (a.fp) {
				__uint128_t q = 0;

				kvm_get_reg(v->fd, REG_V(rt), &q);
				val[r][0] = (uint64_t)q;
				val[r][1] = (uint64_t)(q >> 64);
			} else {
				val[r][0] = xreg(v, rt);
			}
		}
		for (unsigned p = 0; p < parts; p++)
			val[r][p] = guest_access(vm, k, ipa[r][p], chunk, !a.load, val[r][p]);
	}
	if (a.load) {
		for (unsigned r = 0; r < nregs; r++) {
			unsigned rt = r ? a.rt2 : a.rt;

			if (a.fp) {
				__uint128_t q = (__uint128_t)val[r][1] << 64 |
						(a.size >= 8 ? val[r][0] :
						 val[r][0] & ((UINT64_C(1) << (8 * a.size)) - 1));

				if (kvm_set_reg(v->fd, REG_V(rt), &q))
					fprintf(stderr, "norvm: hart %u: cannot set v%u\n", v->id, rt);
			} else if (rt != 31) {
				kvm_set_or_warn(v, REG_X(rt), extend(&a, val[r][0]), "a loaded register");
			}
		}
	}
	if (a.writeback)
		kvm_set_or_warn(v, a.rn == 31 ? sp_id(pstate) : REG_X(a.rn),
				base + (uint64_t)a.offset, "the base register");
	kvm_set_or_warn(v, REG_PC, pc + 4, "pc");
	return true;
}

bool kvm_arch_exit(struct vm *vm, struct kvm_state *k, struct vcpu *v)
{
	if (v->run->exit_reason != KVM_EXIT_ARM_NISV)
		return false;
	return emulate_nisv(vm, k, v);
}

void kvm_arch_mmio_load(struct vm *vm, struct kvm_state *k, struct vcpu *v,
			unsigned len, uint64_t data)
{
}

int kvm_arch_poweroff_status(struct vcpu *v)
{
	return 0;
}

void kvm_arch_set_irq(struct vm *vm, struct kvm_state *k, unsigned hart,
		      unsigned irq, bool level)
{
}

void kvm_arch_irqchip_line(struct vm *vm, struct kvm_state *k, unsigned line, bool level)
{
	struct kvm_irq_level l = {
		.irq = KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT | (line + 32),
		.level = level,
	};

	if (ioctl(k->vm_fd, KVM_IRQ_LINE, &l) < 0)
		say_once(&k->irq_warned, "KVM_IRQ_LINE %u: %s (logged once)", line,
			 strerror(errno));
}

#endif
