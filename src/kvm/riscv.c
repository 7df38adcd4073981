/*
 * KVM on riscv64 hosts with the hypervisor extension (kvm.h).  There is
 * no M-mode: the payload starts in VS-mode with a0 = hart id and a1 =
 * device tree, KVM itself is the SBI (timer, IPIs, hart start/stop,
 * reset), and what KVM leaves to the VMM arrives as exits: the legacy SBI
 * console (to the console) and system reset or shutdown.  The PLIC stays a
 * device on the bus; its S-mode line reaches a hart with KVM_INTERRUPT.
 */
#if defined(__riscv) && __riscv_xlen == 64

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "console.h"
#include "kvm/guest_insn.h"
#include "kvm/kvm.h"
#include "util.h"
#include "vm.h"

/* SBI extensions KVM forwards to the VMM. */
#define SBI_LEGACY_PUTCHAR	0x01
#define SBI_LEGACY_GETCHAR	0x02
#define SBI_ERR_NOT_SUPPORTED	(-2)
#define SBI_SRST_REASON_SYSFAIL	1

#define CSR_COUNT (sizeof(struct kvm_riscv_csr) / sizeof(unsigned long))

const char *const kvm_arch_guest = "riscv64";

/* The CSRs as KVM created the vCPU: its reset state. */
struct vcpu_riscv {
	uint64_t csr_reset[CSR_COUNT];
};

static uint64_t reg_id(uint64_t type, uint64_t index)
{
	return KVM_REG_RISCV | KVM_REG_SIZE_U64 | type | index;
}

static int get_reg(int fd, uint64_t id, uint64_t *val)
{
	return kvm_get_reg(fd, id, val);
}

int kvm_arch_vm_init(struct vm *vm, struct kvm_state *k, char *err, size_t errlen)
{
	return 0;
}

int kvm_arch_vcpu_init(struct vm *vm, struct kvm_state *k, struct vcpu *v,
		       char *err, size_t errlen)
{
	struct vcpu_riscv *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	v->arch = r;
	for (unsigned i = 0; i < CSR_COUNT; i++) {
		int ret = get_reg(v->fd, reg_id(KVM_REG_RISCV_CSR, i), &r->csr_reset[i]);

		if (ret) {
			snprintf(err, errlen, "cannot read vcpu %u's CSR %u: %s", v->id,
				 i, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* riscv,isa from KVM's ISA bitmap, single letters in canonical order. */
static void format_isa(uint64_t bits, char *out, size_t len)
{
	static const char order[] = "imafdqcbkjtpvn";
	size_t n = (size_t)snprintf(out, len, "rv64");

	for (const char *c = order; *c && n + 1 < len; c++)
		if (bits & (1ull << (*c - 'a')))
			out[n++] = *c;
	out[n] = 0;
	snprintf(out + n, len - n, "_zicsr_zifencei");
}

int kvm_arch_vm_ready(struct vm *vm, struct kvm_state *k, char *err, size_t errlen)
{
	uint64_t isa, freq;
	int fd = k->vcpus[0].fd, ret;

	ret = get_reg(fd, reg_id(KVM_REG_RISCV_CONFIG, KVM_REG_RISCV_CONFIG_REG(isa)), &isa);
	if (!ret)
		ret = get_reg(fd, reg_id(KVM_REG_RISCV_TIMER,
					 KVM_REG_RISCV_TIMER_REG(frequency)), &freq);
	if (ret) {
		snprintf(err, errlen, "cannot read the vcpu's ISA and timer: %s",
			 strerror(-ret));
		return ret;
	}
	if (!freq || freq > UINT32_MAX) {
		snprintf(err, errlen, "KVM reports a timer of %" PRIu64 " Hz", freq);
		return -ERANGE;
	}
	format_isa(isa, vm->cpu_isa, sizeof(vm->cpu_isa));
	vm->timebase_hz = freq;
	return 0;
}

void kvm_arch_destroy(struct kvm_state *k)
{
}

void kvm_arch_reset_vcpu(struct vm *vm, struct kvm_state *k, struct vcpu *v,
			 const struct hart_entry *e)
{
	struct vcpu_riscv *r = v->arch;
	struct kvm_mp_state mp = {
		.mp_state = e->stopped ? KVM_MP_STATE_STOPPED : KVM_MP_STATE_RUNNABLE,
	};
	uint64_t off = KVM_RISCV_TIMER_STATE_OFF;

	for (unsigned n = 1; n < 32; n++) {
		uint64_t val = n == 10 ? e->a0 : n == 11 ? e->a1 : 0;

		kvm_set_or_warn(v, reg_id(KVM_REG_RISCV_CORE, n), val, "a register");
	}
	kvm_set_or_warn(v, reg_id(KVM_REG_RISCV_CORE, KVM_REG_RISCV_CORE_REG(regs.pc)),
			e->pc, "pc");
	kvm_set_or_warn(v, reg_id(KVM_REG_RISCV_CORE, KVM_REG_RISCV_CORE_REG(mode)),
			KVM_RISCV_MODE_S, "the mode");
	for (unsigned i = 0; i < CSR_COUNT; i++)
		kvm_set_or_warn(v, reg_id(KVM_REG_RISCV_CSR, i), r->csr_reset[i], "a CSR");
	kvm_set_or_warn(v, reg_id(KVM_REG_RISCV_TIMER, KVM_REG_RISCV_TIMER_REG(compare)),
			UINT64_MAX, "the timer");
	/* Fails (EINVAL) when no timer is pending: the state wanted anyway. */
	kvm_set_reg(v->fd, reg_id(KVM_REG_RISCV_TIMER, KVM_REG_RISCV_TIMER_REG(state)), &off);
	if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
		fprintf(stderr, "norvm: hart %u: KVM_SET_MP_STATE: %s\n", v->id,
			strerror(errno));
}

uint64_t kvm_arch_pc(struct vcpu *v)
{
	uint64_t pc = 0;

	get_reg(v->fd, reg_id(KVM_REG_RISCV_CORE, KVM_REG_RISCV_CORE_REG(regs.pc)), &pc);
	return pc;
}

/*
 * KVM (Linux 6.1 at least) completes an MMIO load by shifting the value
 * left and right as an unsigned long, so lb, lh, lw, c.lw and c.lwsp
 * come back zero-extended.  When the value's top bit is set, find the
 * load at pc: the register to correct once KVM has completed it.
 * Returns the register, or 0 when there is nothing to correct.
 */
static unsigned needs_sign_fix(struct kvm_state *k, struct vcpu *v, unsigned len,
			       uint64_t data)
{
	uint64_t pc, satp;
	uint32_t insn;
	unsigned rd = 0;

	if (len == 8 || !((data >> (8 * len - 1)) & 1))
		return 0;
	if (get_reg(v->fd, reg_id(KVM_REG_RISCV_CORE, KVM_REG_RISCV_CORE_REG(regs.pc)), &pc) ||
	    get_reg(v->fd, reg_id(KVM_REG_RISCV_CSR, KVM_REG_RISCV_CSR_REG(satp)), &satp) ||
	    !guest_fetch(satp, pc, kvm_guest_ptr, k, &insn))
		return 0;
	if (guest_signed_load(insn, &rd) != len)
		return 0;
	return rd;
}

/* Let KVM complete the load, then write rd sign-extended. */
void kvm_arch_mmio_load(struct vm *vm, struct kvm_state *k, struct vcpu *v,
			unsigned len, uint64_t data)
{
	unsigned rd = needs_sign_fix(k, v, len, data), shift = 64 - 8 * len;

	if (!rd)
		return;
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	ioctl(v->fd, KVM_RUN, 0);		/* completes it, then EINTR */
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	kvm_set_or_warn(v, reg_id(KVM_REG_RISCV_CORE, rd),
			(uint64_t)((int64_t)(data << shift) >> shift), "a loaded register");
}

static void handle_sbi(struct kvm_run *run)
{
	/* KVM writes ret[1] to a1; a legacy call must leave a1 as it was. */
	run->riscv_sbi.ret[1] = run->riscv_sbi.args[1];
	switch (run->riscv_sbi.extension_id) {
	case SBI_LEGACY_PUTCHAR:
		console_output((uint8_t)run->riscv_sbi.args[0]);
		run->riscv_sbi.ret[0] = 0;
		break;
	case SBI_LEGACY_GETCHAR:
		run->riscv_sbi.ret[0] = (unsigned long)(long)console_getchar();
		break;
	default:
		run->riscv_sbi.ret[0] = (unsigned long)SBI_ERR_NOT_SUPPORTED;
		run->riscv_sbi.ret[1] = 0;
		break;
	}
}

bool kvm_arch_exit(struct vm *vm, struct kvm_state *k, struct vcpu *v)
{
	if (v->run->exit_reason != KVM_EXIT_RISCV_SBI)
		return false;
	handle_sbi(v->run);
	return true;
}

int kvm_arch_poweroff_status(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint64_t reason = run->system_event.ndata ? run->system_event.data[0] : 0;

	return reason == SBI_SRST_REASON_SYSFAIL ? 1 : 0;
}

void kvm_arch_set_irq(struct vm *vm, struct kvm_state *k, unsigned hart,
		      unsigned irq, bool level)
{
	struct kvm_interrupt i = { .irq = level ? KVM_INTERRUPT_SET : KVM_INTERRUPT_UNSET };

	/* Without M-mode the PLIC's S-mode context is the only line. */
	if (irq != IRQ_S_EXT)
		return;
	if (ioctl(k->vcpus[hart].fd, KVM_INTERRUPT, &i) < 0)
		say_once(&k->irq_warned, "hart %u: KVM_INTERRUPT: %s (logged once)", hart,
			 strerror(errno));
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

#endif
