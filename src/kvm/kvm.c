/*
 * Linux KVM as an accelerator (accel.h): the part every architecture
 * shares (kvm.h).
 *
 * Memory slots are KVM's (KVM_SET_USER_MEMORY_REGION; the flash array is a
 * KVM_MEM_READONLY slot), and every KVM_EXIT_MMIO goes to the same MMIO bus
 * the built-in CPU uses.  Each hart is a vCPU run by its own thread.  A
 * kick sets the vCPU's immediate_exit and signals its thread, so KVM_RUN
 * returns whether the thread is inside it or about to enter it.
 *
 * The checks that decide whether KVM can run at all (device, permission,
 * API version, capabilities, host architecture) build on every host, so
 * the answer is the same one clear line everywhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "board.h"
#include "kvm/kvm.h"
#include "vm.h"

#define KVM_API		12
#define KICK_SIGNAL	SIGUSR1

/*
 * Opens the KVM device ($NORVM_KVM_DEVICE, or /dev/kvm) and checks what
 * norvm needs; returns the fd, or a negative errno with one line in `err`
 * (which points to the built-in CPU when `soft_too`: it runs the guest).
 */
static int kvm_open(bool soft_too, char *err, size_t errlen)
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
				 "extension)%s", dev, soft_too ? "; use --accel soft" : "");
		else if (e == EACCES || e == EPERM)
			snprintf(err, errlen, "%s: permission denied: join the group "
				 "that owns it (usually kvm)%s", dev,
				 soft_too ? ", or use --accel soft" : "");
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

static struct kvm_state *kvm_of(struct vm *vm)
{
	return vm->accel_priv;
}

int kvm_get_reg(int fd, uint64_t id, void *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)val };

	return ioctl(fd, KVM_GET_ONE_REG, &r) < 0 ? -errno : 0;
}

int kvm_set_reg(int fd, uint64_t id, const void *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)val };

	return ioctl(fd, KVM_SET_ONE_REG, &r) < 0 ? -errno : 0;
}

void kvm_set_or_warn(struct vcpu *v, uint64_t id, uint64_t val, const char *what)
{
	int ret = kvm_set_reg(v->fd, id, &val);

	if (ret)
		fprintf(stderr, "norvm: hart %u: cannot set %s: %s\n", v->id, what,
			strerror(-ret));
}

void kvm_complete_pending(struct vcpu *v)
{
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (ioctl(v->fd, KVM_RUN, 0) == 0)
		fprintf(stderr, "norvm: hart %u: KVM_RUN ran despite immediate_exit\n", v->id);
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
}

const void *kvm_guest_ptr(void *opaque, uint64_t gpa, uint64_t len)
{
	struct kvm_state *k = opaque;
	const void *p = NULL;

	pthread_mutex_lock(&k->slot_lock);
	for (unsigned i = 0; i < ACCEL_MAX_SLOTS && !p; i++) {
		const struct kvm_slot *s = &k->slots[i];

		if (s->size && gpa >= s->gpa && len <= s->size && gpa - s->gpa <= s->size - len)
			p = (const uint8_t *)s->host + (gpa - s->gpa);
	}
	pthread_mutex_unlock(&k->slot_lock);
	return p;
}

uint64_t kvm_mmio(struct vm *vm, uint64_t addr, unsigned len, bool is_write, uint64_t data)
{
	struct mmio_exit e = { .addr = addr, .len = (uint8_t)len, .is_write = is_write,
			       .data = data };

	/* Unclaimed: KVM cannot raise an access fault; reads see 0. */
	if (!mmio_dispatch(&vm->bus, &e))
		e.data = 0;
	return e.data;
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
	kvm_arch_destroy(k);
	for (unsigned i = 0; i < k->nvcpus; i++) {
		struct vcpu *v = &k->vcpus[i];

		if (v->run)
			munmap(v->run, k->run_size);
		if (v->fd >= 0)
			close(v->fd);
		free(v->arch);
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

static int vcpu_create(struct vm *vm, struct kvm_state *k, unsigned id, char *err,
		       size_t errlen)
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
	return kvm_arch_vcpu_init(vm, k, v, err, errlen);
}

/* Can the built-in CPU run the board's guests? */
static bool soft_too(const struct vm *vm)
{
	return !strcmp(vm->board->arch, soft_accel_ops.arch);
}

/* Can this host's KVM run the board's guests at all? */
static int check_arch(struct vm *vm, char *err, size_t errlen)
{
	struct utsname u;

	if (kvm_arch_guest && !strcmp(kvm_arch_guest, vm->board->arch))
		return 0;
	uname(&u);
	snprintf(err, errlen, "the %s board's guests are %s and this host is %s: "
		 "its KVM runs only %s guests%s", vm->board->name, vm->board->arch,
		 u.machine, kvm_arch_guest ? kvm_arch_guest : u.machine,
		 soft_too(vm) ? " (use --accel soft)" : "");
	return -ENOTSUP;
}

static int kvm_create(struct vm *vm, char *err, size_t errlen)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	struct kvm_state *k;
	int fd, ret;
	long size;

	fd = kvm_open(soft_too(vm), err, errlen);
	if (fd < 0)
		return fd;
	ret = check_arch(vm, err, errlen);
	if (ret) {
		close(fd);
		return ret;
	}
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
	ret = kvm_arch_vm_init(vm, k, err, errlen);
	for (unsigned i = 0; !ret && i < k->nvcpus; i++)
		ret = vcpu_create(vm, k, i, err, errlen);
	if (!ret)
		ret = kvm_arch_vm_ready(vm, k, err, errlen);
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
	/* KVM moves, resizes or changes a slot's flags only by deleting it first. */
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

static void kvm_reset_hart(struct vm *vm, unsigned hart, const struct hart_entry *e)
{
	struct kvm_state *k = kvm_of(vm);
	struct vcpu *v = &k->vcpus[hart];

	/*
	 * An MMIO read or hypercall the vCPU stopped in would be completed
	 * into the registers by the next KVM_RUN: complete it now, so it
	 * cannot land on the state the reset sets.
	 */
	kvm_complete_pending(v);
	kvm_arch_reset_vcpu(vm, k, v, e);
}

static void handle_mmio(struct vm *vm, struct kvm_state *k, struct vcpu *v)
{
	struct kvm_run *run = v->run;
	unsigned len = run->mmio.len;
	uint64_t data = 0;

	if (len != 1 && len != 2 && len != 4 && len != 8)
		return;
	if (run->mmio.is_write) {
		memcpy(&data, run->mmio.data, len);	/* both little-endian */
		kvm_mmio(vm, run->mmio.phys_addr, len, true, data);
		return;
	}
	data = kvm_mmio(vm, run->mmio.phys_addr, len, false, 0);
	memcpy(run->mmio.data, &data, len);
	kvm_arch_mmio_load(vm, k, v, len, data);
}

static void handle_system_event(struct vm *vm, struct vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_exit(vm, VM_EXIT_POWEROFF, kvm_arch_poweroff_status(v));
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
	uint64_t pc = kvm_arch_pc(v);

	if (e == EOPNOTSUPP)
		fprintf(stderr, "norvm: hart %u: KVM cannot run the guest at pc 0x%"
			PRIx64 ": an instruction fetch from a region without memory\n",
			v->id, pc);
	else if (e == ENOSYS)
		fprintf(stderr, "norvm: hart %u: KVM cannot emulate the access at pc 0x%"
			PRIx64 " (an instruction without syndrome)\n", v->id, pc);
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
			handle_mmio(vm, k, v);
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			handle_system_event(vm, v);
			break;
		case KVM_EXIT_INTR:
			break;
		default:
			if (kvm_arch_exit(vm, k, v))
				break;
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
	kvm_arch_set_irq(vm, kvm_of(vm), hart, irq, level);
}

static int kvm_irqchip_create(struct vm *vm, const struct irqchip_config *c,
			      char *err, size_t errlen)
{
	return kvm_arch_irqchip_create(vm, kvm_of(vm), c, err, errlen);
}

static void kvm_irqchip_line(struct vm *vm, unsigned line, bool level)
{
	kvm_arch_irqchip_line(vm, kvm_of(vm), line, level);
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

static void kvm_stats_json(struct vm *vm, FILE *f)
{
	struct kvm_state *k = kvm_of(vm);

	fprintf(f, ",\n  \"kvm\": {\"emulated_accesses\": %" PRIu64 "}",
		k ? (uint64_t)atomic_load(&k->emulated) : 0);
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
	.irqchip_create = kvm_irqchip_create,
	.irqchip_line = kvm_irqchip_line,
	.kick = kvm_kick,
	.stats_json = kvm_stats_json,
};
