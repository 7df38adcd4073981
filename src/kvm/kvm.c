/*
 * Linux KVM as an accelerator (accel.h), on riscv64 hosts with the
 * hypervisor extension.
 *
 * Memory slots are KVM's (KVM_SET_USER_MEMORY_REGION; the flash array is a
 * KVM_MEM_READONLY slot), and every KVM_EXIT_MMIO goes to the same MMIO bus
 * the built-in CPU uses.  There is no M-mode: the payload starts in VS-mode
 * with a0 = hart id and a1 = device tree, KVM itself is the SBI (timer,
 * IPIs, hart start/stop, reset), and what KVM leaves to the VMM arrives as
 * exits: the legacy SBI console (to the console) and system reset or
 * shutdown (like the test finisher).  The PLIC stays a device on the bus;
 * its S-mode line reaches a hart with KVM_INTERRUPT.
 *
 * Each hart is a vcpu run by its own thread.  A kick sets the vcpu's
 * immediate_exit and signals its thread, so KVM_RUN returns whether the
 * thread is inside it or about to enter it.
 *
 * The checks that decide whether KVM can run at all (device, permission,
 * API version, capabilities, host architecture) build on every host, so
 * the answer is the same one clear line everywhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "console.h"
#include "kvm/guest_insn.h"
#include "vm.h"

#define KVM_API		12

/*
 * Opens the KVM device ($NORVM_KVM_DEVICE, or /dev/kvm) and checks what
 * norvm needs; returns the fd, or a negative errno with one line in `err`.
 */
static int kvm_open(char *err, size_t errlen)
{
	static const struct { int cap; const char *what; } caps[] = {
		{ KVM_CAP_USER_MEMORY, "user memory slots" },
		{ KVM_CAP_READONLY_MEM, "read-only memory slots" },
		{ KVM_CAP_IMMEDIATE_EXIT, "immediate exit" },
	};
	const char *dev = getenv("NORVM_KVM_DEVICE");
	int fd, e, version;

	if (!dev || !*dev)
		dev = "/dev/kvm";
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT)
			snprintf(err, errlen, "no %s: this kernel offers no KVM (it "
				 "needs CONFIG_KVM and a CPU with the hypervisor "
				 "extension); use --accel soft", dev);
		else if (e == EACCES || e == EPERM)
			snprintf(err, errlen, "%s: permission denied: join the group "
				 "that owns it (usually kvm), or use --accel soft", dev);
		else
			snprintf(err, errlen, "cannot open %s: %s", dev, strerror(e));
		return -e;
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version < 0) {
		e = errno;
		snprintf(err, errlen, "%s is not KVM (KVM_GET_API_VERSION: %s)",
			 dev, strerror(e));
		close(fd);
		return -e;
	}
	if (version != KVM_API) {
		snprintf(err, errlen, "KVM API version %d: norvm needs version %d",
			 version, KVM_API);
		close(fd);
		return -ENOTSUP;
	}
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (ioctl(fd, KVM_CHECK_EXTENSION, caps[i].cap) <= 0) {
			snprintf(err, errlen, "this KVM is too old: it has no %s "
				 "(capability %d)", caps[i].what, caps[i].cap);
			close(fd);
			return -ENOTSUP;
		}
	}
	if (ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS) < ACCEL_MAX_SLOTS) {
		snprintf(err, errlen, "this KVM offers fewer than %d memory slots",
			 ACCEL_MAX_SLOTS);
		close(fd);
		return -ENOTSUP;
	}
	return fd;
}

#if defined(__riscv) && __riscv_xlen == 64

#define KICK_SIGNAL	SIGUSR1

/* SBI extensions KVM forwards to the VMM. */
#define SBI_LEGACY_PUTCHAR	0x01
#define SBI_LEGACY_GETCHAR	0x02
#define SBI_ERR_NOT_SUPPORTED	(-2)
#define SBI_SRST_REASON_SYSFAIL	1

#define CSR_COUNT (sizeof(struct kvm_riscv_csr) / sizeof(unsigned long))

struct vcpu {
	unsigned id;
	int fd;
	struct kvm_run *run;
	pthread_mutex_t lock;		/* thread, running */
	pthread_t thread;
	bool running;
	uint64_t csr_reset[CSR_COUNT];	/* the CSRs as KVM created them */
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
};

static struct kvm_state *kvm_of(struct vm *vm)
{
	return vm->accel_priv;
}

static uint64_t reg_id(uint64_t type, uint64_t index)
{
	return KVM_REG_RISCV | KVM_REG_SIZE_U64 | type | index;
}

static int get_reg(int fd, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)val };

	return ioctl(fd, KVM_GET_ONE_REG, &r) < 0 ? -errno : 0;
}

static int set_reg(int fd, uint64_t id, uint64_t val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&val };

	return ioctl(fd, KVM_SET_ONE_REG, &r) < 0 ? -errno : 0;
}

static void kick_handler(int sig)
{
	/* Only interrupts KVM_RUN. */
}

static void kvm_destroy(struct vm *vm)
{
	struct kvm_state *k = kvm_of(vm);

	if (!k)
		return;
	for (unsigned i = 0; i < k->nvcpus; i++) {
		struct vcpu *v = &k->vcpus[i];

		if (v->run)
			munmap(v->run, k->run_size);
		if (v->fd >= 0)
			close(v->fd);
		pthread_mutex_destroy(&v->lock);
	}
	free(k->vcpus);
	if (k->vm_fd >= 0)
		close(k->vm_fd);
	if (k->sys_fd >= 0)
		close(k->sys_fd);
	pthread_mutex_destroy(&k->slot_lock);
	free(k);
	vm->accel_priv = NULL;
}

static int vcpu_create(struct kvm_state *k, unsigned id, char *err, size_t errlen)
{
	struct vcpu *v = &k->vcpus[id];
	void *run;

	v->id = id;
	v->fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0) {
		snprintf(err, errlen, "cannot create vcpu %u: %s", id, strerror(errno));
		return -errno;
	}
	run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (run == MAP_FAILED) {
		snprintf(err, errlen, "cannot map vcpu %u's run area: %s", id,
			 strerror(errno));
		return -errno;
	}
	v->run = run;
	for (unsigned i = 0; i < CSR_COUNT; i++) {
		int ret = get_reg(v->fd, reg_id(KVM_REG_RISCV_CSR, i), &v->csr_reset[i]);

		if (ret) {
			snprintf(err, errlen, "cannot read vcpu %u's CSR %u: %s", id,
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

static int read_cpu_info(struct vm *vm, struct kvm_state *k, char *err,
			 size_t errlen)
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

static int kvm_create(struct vm *vm, char *err, size_t errlen)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	struct kvm_state *k;
	int fd = kvm_open(err, errlen), ret;
	long size;

	if (fd < 0)
		return fd;
	k = calloc(1, sizeof(*k));
	if (k)
		k->vcpus = calloc(vm->nharts, sizeof(*k->vcpus));
	if (!k || !k->vcpus) {
		free(k);
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	vm->accel_priv = k;
	k->sys_fd = fd;
	k->vm_fd = -1;
	pthread_mutex_init(&k->slot_lock, NULL);
	for (unsigned i = 0; i < vm->nharts; i++) {
		k->vcpus[i].fd = -1;
		pthread_mutex_init(&k->vcpus[i].lock, NULL);
	}
	k->nvcpus = vm->nharts;
	k->vm_fd = ioctl(fd, KVM_CREATE_VM, 0);
	if (k->vm_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot create a VM (KVM_CREATE_VM: %s)",
			 strerror(-ret));
		goto fail;
	}
	size = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (long)sizeof(struct kvm_run)) {
		ret = -EINVAL;
		snprintf(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %ld", size);
		goto fail;
	}
	k->run_size = (size_t)size;
	for (unsigned i = 0; i < k->nvcpus; i++) {
		ret = vcpu_create(k, i, err, errlen);
		if (ret)
			goto fail;
	}
	ret = read_cpu_info(vm, k, err, errlen);
	if (ret)
		goto fail;
	/* No SA_RESTART: the signal must end KVM_RUN with EINTR. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(KICK_SIGNAL, &sa, NULL)) {
		ret = -errno;
		snprintf(err, errlen, "sigaction: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	kvm_destroy(vm);
	return ret;
}

static int kvm_set_memory_region(struct vm *vm, unsigned slot, uint64_t gpa,
				 uint64_t size, void *host, uint32_t flags)
{
	struct kvm_state *k = kvm_of(vm);
	struct kvm_slot *s = &k->slots[slot];
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = (flags & MEM_FLAG_READONLY) ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};
	int ret = 0;

	pthread_mutex_lock(&k->slot_lock);
	/* KVM moves or resizes a slot only by deleting it first. */
	if (s->size && size) {
		struct kvm_userspace_memory_region del = { .slot = slot };

		if (ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &del) < 0)
			ret = -errno;
		else
			s->size = 0;
	}
	if (!ret && (size || s->size)) {
		if (ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			ret = -errno;
		else
			*s = (struct kvm_slot){ gpa, size, host, flags };
	}
	pthread_mutex_unlock(&k->slot_lock);
	if (ret)
		fprintf(stderr, "norvm: KVM_SET_USER_MEMORY_REGION slot %u at 0x%"
			PRIx64 " (%" PRIu64 " bytes): %s\n", slot, gpa, size,
			strerror(-ret));
	return ret;
}

static void set_or_warn(struct vcpu *v, uint64_t id, uint64_t val, const char *what)
{
	int ret = set_reg(v->fd, id, val);

	if (ret)
		fprintf(stderr, "norvm: hart %u: cannot set %s: %s\n", v->id, what,
			strerror(-ret));
}

static void kvm_reset_hart(struct vm *vm, unsigned hart, const struct hart_entry *e)
{
	struct vcpu *v = &kvm_of(vm)->vcpus[hart];
	struct kvm_mp_state mp = {
		.mp_state = e->stopped ? KVM_MP_STATE_STOPPED : KVM_MP_STATE_RUNNABLE,
	};

	/*
	 * An MMIO read or SBI call the vcpu stopped in would be completed
	 * into the registers by the next KVM_RUN: complete it now, with an
	 * immediate exit, so it cannot land on the state set below.
	 */
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (ioctl(v->fd, KVM_RUN, 0) == 0)
		fprintf(stderr, "norvm: hart %u: KVM_RUN ran despite immediate_exit\n", hart);
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);

	for (unsigned r = 1; r < 32; r++) {
		uint64_t val = r == 10 ? e->a0 : r == 11 ? e->a1 : 0;

		set_or_warn(v, reg_id(KVM_REG_RISCV_CORE, r), val, "a register");
	}
	set_or_warn(v, reg_id(KVM_REG_RISCV_CORE, KVM_REG_RISCV_CORE_REG(regs.pc)),
		    e->pc, "pc");
	set_or_warn(v, reg_id(KVM_REG_RISCV_CORE, KVM_REG_RISCV_CORE_REG(mode)),
		    KVM_RISCV_MODE_S, "the mode");
	for (unsigned i = 0; i < CSR_COUNT; i++)
		set_or_warn(v, reg_id(KVM_REG_RISCV_CSR, i), v->csr_reset[i], "a CSR");
	set_or_warn(v, reg_id(KVM_REG_RISCV_TIMER, KVM_REG_RISCV_TIMER_REG(compare)),
		    UINT64_MAX, "the timer");
	/* Fails (EINVAL) when no timer is pending: the state wanted anyway. */
	set_reg(v->fd, reg_id(KVM_REG_RISCV_TIMER, KVM_REG_RISCV_TIMER_REG(state)),
		KVM_RISCV_TIMER_STATE_OFF);
	if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
		fprintf(stderr, "norvm: hart %u: KVM_SET_MP_STATE: %s\n", hart,
			strerror(errno));
}

/* guest_mem_fn over the VM's slots. */
static const void *guest_ptr(void *opaque, uint64_t gpa, uint64_t len)
{
	struct kvm_state *k = opaque;
	const void *p = NULL;

	pthread_mutex_lock(&k->slot_lock);
	for (unsigned i = 0; i < ACCEL_MAX_SLOTS && !p; i++) {
		const struct kvm_slot *s = &k->slots[i];

		if (s->size && gpa >= s->gpa && gpa - s->gpa <= s->size - len)
			p = (const uint8_t *)s->host + (gpa - s->gpa);
	}
	pthread_mutex_unlock(&k->slot_lock);
	return p;
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
	    !guest_fetch(satp, pc, guest_ptr, k, &insn))
		return 0;
	if (guest_signed_load(insn, &rd) != len)
		return 0;
	return rd;
}

/* Let KVM complete the load, then write rd sign-extended. */
static void sign_fix(struct vcpu *v, unsigned rd, unsigned len, uint64_t data)
{
	unsigned shift = 64 - 8 * len;

	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	ioctl(v->fd, KVM_RUN, 0);		/* completes it, then EINTR */
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	set_or_warn(v, reg_id(KVM_REG_RISCV_CORE, rd),
		    (uint64_t)((int64_t)(data << shift) >> shift), "a loaded register");
}

static void handle_mmio(struct vm *vm, struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct mmio_exit e = {
		.addr = run->mmio.phys_addr,
		.len = (uint8_t)run->mmio.len,
		.is_write = run->mmio.is_write,
	};
	unsigned rd;

	if (e.len != 1 && e.len != 2 && e.len != 4 && e.len != 8)
		return;
	if (e.is_write)
		memcpy(&e.data, run->mmio.data, e.len);	/* both little-endian */
	/* Unclaimed: KVM cannot raise an access fault; reads see 0. */
	if (!mmio_dispatch(&vm->bus, &e))
		e.data = 0;
	if (e.is_write)
		return;
	memcpy(run->mmio.data, &e.data, e.len);
	rd = needs_sign_fix(kvm_of(vm), v, e.len, e.data);
	if (rd)
		sign_fix(v, rd, e.len, e.data);
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

static void handle_system_event(struct vm *vm, struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint64_t reason = run->system_event.ndata ? run->system_event.data[0] : 0;

	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_exit(vm, VM_EXIT_POWEROFF,
				reason == SBI_SRST_REASON_SYSFAIL ? 1 : 0);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_request_exit(vm, VM_EXIT_RESET, 0);
		break;
	default:
		fprintf(stderr, "norvm: hart %u: system event %u: powering off\n",
			v->id, run->system_event.type);
		vm_request_exit(vm, VM_EXIT_POWEROFF, 1);
		break;
	}
}

/* KVM_RUN failed for good: say where the guest was. */
static void run_failed(struct vm *vm, struct vcpu *v, int e)
{
	uint64_t pc = 0;

	get_reg(v->fd, reg_id(KVM_REG_RISCV_CORE, KVM_REG_RISCV_CORE_REG(regs.pc)), &pc);
	if (e == EOPNOTSUPP)
		fprintf(stderr, "norvm: hart %u: KVM cannot run the guest at pc 0x%"
			PRIx64 ": an instruction fetch from a region without memory\n",
			v->id, pc);
	else
		fprintf(stderr, "norvm: hart %u: KVM_RUN at pc 0x%" PRIx64 ": %s\n",
			v->id, pc, strerror(e));
	vm_request_exit(vm, VM_EXIT_ERROR, 1);
}

static void set_running(struct vcpu *v, bool running)
{
	pthread_mutex_lock(&v->lock);
	v->thread = pthread_self();
	v->running = running;
	pthread_mutex_unlock(&v->lock);
}

static int kvm_run_hart(struct vm *vm, unsigned hart)
{
	struct kvm_state *k = kvm_of(vm);
	struct vcpu *v = &k->vcpus[hart];
	struct kvm_run *run = v->run;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	set_running(v, true);
	while (!vm_should_stop(vm)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
				continue;
			}
			run_failed(vm, v, errno);
			break;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_MMIO:
			handle_mmio(vm, v);
			break;
		case KVM_EXIT_RISCV_SBI:
			handle_sbi(run);
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			handle_system_event(vm, v);
			break;
		case KVM_EXIT_INTR:
			break;
		default:
			fprintf(stderr, "norvm: hart %u: unexpected KVM exit %u\n",
				hart, run->exit_reason);
			vm_request_exit(vm, VM_EXIT_ERROR, 1);
			break;
		}
	}
	set_running(v, false);
	return 0;
}

static void kvm_set_irq(struct vm *vm, unsigned hart, unsigned irq, bool level)
{
	struct kvm_state *k = kvm_of(vm);
	struct kvm_interrupt i = { .irq = level ? KVM_INTERRUPT_SET : KVM_INTERRUPT_UNSET };

	/* Without M-mode the PLIC's S-mode context is the only line. */
	if (irq != IRQ_S_EXT)
		return;
	if (ioctl(k->vcpus[hart].fd, KVM_INTERRUPT, &i) < 0 &&
	    !atomic_exchange(&k->irq_warned, true))
		fprintf(stderr, "norvm: hart %u: KVM_INTERRUPT: %s (logged once)\n",
			hart, strerror(errno));
}

static void kvm_kick(struct vm *vm)
{
	struct kvm_state *k = kvm_of(vm);

	for (unsigned i = 0; k && i < k->nvcpus; i++) {
		struct vcpu *v = &k->vcpus[i];

		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		pthread_mutex_lock(&v->lock);
		if (v->running)
			pthread_kill(v->thread, KICK_SIGNAL);
		pthread_mutex_unlock(&v->lock);
	}
}

const struct accel_ops kvm_accel_ops = {
	.name = "kvm",
	.caps = 0,
	.create = kvm_create,
	.destroy = kvm_destroy,
	.set_memory_region = kvm_set_memory_region,
	.reset_hart = kvm_reset_hart,
	.run_hart = kvm_run_hart,
	.set_irq = kvm_set_irq,
	.kick = kvm_kick,
};

#else	/* not a riscv64 host */

static int kvm_create(struct vm *vm, char *err, size_t errlen)
{
	struct utsname u;
	int fd = kvm_open(err, errlen);

	if (fd < 0)
		return fd;
	close(fd);
	uname(&u);
	snprintf(err, errlen, "norvm's guests are riscv64 and this host is %s: "
		 "its KVM runs only %s guests (use --accel soft)", u.machine, u.machine);
	return -ENOTSUP;
}

static void kvm_destroy(struct vm *vm)
{
}

const struct accel_ops kvm_accel_ops = {
	.name = "kvm",
	.caps = 0,
	.create = kvm_create,
	.destroy = kvm_destroy,
};

#endif
