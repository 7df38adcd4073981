/*
 * The built-in CPU as an accelerator (accel.h): hart state, the run loop,
 * interrupts and WFI sleeping.
 *
 * Other threads touch a hart only through atomics (mip_ext, mtimecmp) and
 * its lock/condition variable, which wake it from WFI.  The run loop looks
 * at them between blocks, so an interrupt is taken within one block.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "csr.h"
#include "debugger.h"
#include "exec.h"
#include "jit.h"
#include "map.h"
#include "soft.h"
#include "tlb.h"
#include "trap.h"

/* Instructions between looks at interrupts, timers and map changes. */
#define BLOCK_BUDGET 4096

static struct hart *hart_of(struct vm *vm, unsigned i)
{
	return &soft_vm(vm)->harts[i];
}

static void soft_destroy(struct vm *vm)
{
	struct soft_vm *sv = soft_vm(vm);

	if (!sv)
		return;
	for (unsigned i = 0; i < sv->nharts; i++) {
		struct hart *h = &sv->harts[i];

		for (unsigned j = 0; j < DCACHE_SIZE; j++)
			free(h->dcache[j]);
		jit_destroy(h);
		pthread_mutex_destroy(&h->lock);
		pthread_cond_destroy(&h->wake);
	}
	free(sv->harts);
	debug_free(sv);
	pthread_mutex_destroy(&sv->map_lock);
	pthread_mutex_destroy(&sv->clock_lock);
	pthread_mutex_destroy(&sv->ack_lock);
	pthread_cond_destroy(&sv->ack_cond);
	pthread_cond_destroy(&sv->done_cond);
	free(sv);
	vm->accel_priv = NULL;
}

static int hart_init(struct soft_vm *sv, unsigned i)
{
	struct hart *h = &sv->harts[i];
	pthread_condattr_t attr;

	h->id = i;
	h->tmp[1].op = h->tmp[2].op = OP_REFETCH;
	h->dbg_insn.op = OP_DEBUG_BREAK;
	h->vm = sv->vm;
	h->sv = sv;
	atomic_init(&h->mip_ext, 0);
	atomic_init(&h->mtimecmp, UINT64_MAX);
	atomic_init(&h->seen_gen, 0);
	atomic_init(&h->in_guest, false);
	atomic_init(&h->vtime, 0);
	atomic_init(&h->asleep_armed, false);
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wake, &attr);
	pthread_condattr_destroy(&attr);
	hart_reset_csrs(h);
	hart_flush(h);
	return 0;
}

static int soft_create(struct vm *vm, char *err, size_t errlen)
{
	struct soft_vm *sv = calloc(1, sizeof(*sv));

	if (!sv) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	vm->accel_priv = sv;
	sv->vm = vm;
	pthread_mutex_init(&sv->map_lock, NULL);
	pthread_mutex_init(&sv->clock_lock, NULL);
	pthread_mutex_init(&sv->ack_lock, NULL);
	sv->clock_virtual = vm->cfg.clock_virtual;
	atomic_init(&sv->vtime_skip, 0);
	atomic_init(&sv->asleep, 0);
	pthread_cond_init(&sv->ack_cond, NULL);
	pthread_cond_init(&sv->done_cond, NULL);
	atomic_init(&sv->waiting, false);
	atomic_init(&sv->map_gen, 0);
	atomic_init(&sv->table, &sv->tables[0]);
	sv->harts = calloc(vm->nharts, sizeof(*sv->harts));
	if (!sv->harts) {
		soft_destroy(vm);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	sv->nharts = vm->nharts;
	for (unsigned i = 0; i < sv->nharts; i++)
		hart_init(sv, i);
	if (vm->cfg.jit == 1 && !jit_available()) {
		soft_destroy(vm);
		snprintf(err, errlen, "--jit on: no code generator for this host "
			 "(x86-64 only); --jit off runs the interpreter");
		return -ENOTSUP;
	}
	for (unsigned i = 0; vm->cfg.jit && jit_available() && i < sv->nharts; i++) {
		int ret = jit_create(&sv->harts[i]);

		if (ret && vm->cfg.jit == 1) {
			soft_destroy(vm);
			snprintf(err, errlen, "--jit on: no code buffer: %s",
				 strerror(-ret));
			return ret;
		}
	}
	snprintf(vm->cpu_isa, sizeof(vm->cpu_isa), "rv64imafdc_zicsr_zifencei");
	vm->timebase_hz = VM_TIMEBASE_HZ;
	return 0;
}

/* M-mode: every hart starts at once; the boot ROM sets a0-a2. */
static void soft_reset_hart(struct vm *vm, unsigned hart,
			    const struct hart_entry *e)
{
	struct hart *h = hart_of(vm, hart);

	memset(h->x, 0, sizeof(h->x));
	/* The clock goes on across a reset, whose instret starts again. */
	hart_publish_time(h);
	h->vtime_base = atomic_load(&h->vtime);
	hart_reset_csrs(h);
	atomic_store(&h->mip_ext, 0);
	atomic_store(&h->mtimecmp, UINT64_MAX);
	h->pc = e->pc;
	hart_flush(h);
	atomic_store(&h->seen_gen, atomic_load(&h->sv->map_gen));
}

static void wake(struct hart *h)
{
	pthread_mutex_lock(&h->lock);
	pthread_cond_broadcast(&h->wake);
	pthread_mutex_unlock(&h->lock);
}

static bool timer_due(struct hart *h)
{
	uint64_t cmp = atomic_load(&h->mtimecmp);

	return cmp != UINT64_MAX && hart_time(h) >= cmp;
}

/*
 * The virtual clock: every hart's instructions, one tick (100 ns of guest
 * time) each, plus what WFI skipped.  Deterministic with one hart; with
 * several it depends on how their threads interleave.
 */
static uint64_t soft_virtual_time(struct vm *vm)
{
	struct soft_vm *sv = soft_vm(vm);
	uint64_t t = atomic_load_explicit(&sv->vtime_skip, memory_order_relaxed);

	for (unsigned i = 0; i < sv->nharts; i++)
		t += atomic_load_explicit(&sv->harts[i].vtime, memory_order_relaxed);
	return t;
}

/*
 * Every hart sleeps in WFI: nothing runs to move the virtual clock, so it
 * jumps to the first timer a sleeping hart waits for, and wakes them.
 * Not while a hart's timer is already due (it is waking up).
 */
static void skip_ahead(struct soft_vm *sv)
{
	uint64_t now, next = UINT64_MAX;

	pthread_mutex_lock(&sv->clock_lock);
	now = soft_virtual_time(sv->vm);
	for (unsigned i = 0; i < sv->nharts; i++) {
		struct hart *o = &sv->harts[i];
		uint64_t cmp = atomic_load(&o->mtimecmp);

		if (!atomic_load(&o->asleep_armed) || cmp == UINT64_MAX)
			continue;
		if (cmp <= now) {
			next = UINT64_MAX;
			break;
		}
		next = cmp < next ? cmp : next;
	}
	if (next != UINT64_MAX && atomic_load(&sv->asleep) == sv->nharts)
		atomic_fetch_add(&sv->vtime_skip, next - now);
	pthread_mutex_unlock(&sv->clock_lock);
	if (next != UINT64_MAX)
		for (unsigned i = 0; i < sv->nharts; i++)
			wake(&sv->harts[i]);
}

/* Is an interrupt pending that WFI must wake for (mip & mie != 0)? */
static bool wake_pending(struct hart *h)
{
	uint64_t mip = h->mip_sw | atomic_load(&h->mip_ext);

	if ((h->mie & MIP_MTIP) && timer_due(h))
		mip |= MIP_MTIP;
	return (mip & h->mie) != 0;
}

/*
 * WFI on the virtual clock: time moves only while some hart runs, so a
 * sleeper looks again now and then, and the last hart to fall asleep
 * skips the clock ahead to the next timer.
 */
static void wfi_sleep_virtual(struct hart *h)
{
	struct soft_vm *sv = h->sv;
	struct vm *vm = h->vm;

	hart_publish_time(h);
	atomic_store(&h->asleep_armed, (h->mie & MIP_MTIP) != 0);
	atomic_fetch_add(&sv->asleep, 1);
	pthread_mutex_lock(&h->lock);
	while (!vm_should_stop(vm) && !wake_pending(h) &&
	       !atomic_load(&sv->stop_req)) {
		struct timespec ts;

		if (atomic_load(&sv->asleep) == sv->nharts) {
			pthread_mutex_unlock(&h->lock);
			skip_ahead(sv);
			pthread_mutex_lock(&h->lock);
			if (wake_pending(h))
				break;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 10 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&h->wake, &h->lock, &ts);
	}
	pthread_mutex_unlock(&h->lock);
	atomic_fetch_sub(&sv->asleep, 1);
	atomic_store(&h->asleep_armed, false);
}

static void wfi_sleep(struct hart *h)
{
	struct vm *vm = h->vm;

	hart_leave_guest(h);
	if (h->sv->clock_virtual) {
		wfi_sleep_virtual(h);
		atomic_store(&h->in_guest, true);
		hart_sync_map(h);
		return;
	}
	pthread_mutex_lock(&h->lock);
	while (!vm_should_stop(vm) && !wake_pending(h) &&
	       !atomic_load(&h->sv->stop_req)) {
		uint64_t cmp = atomic_load(&h->mtimecmp);

		if (cmp != UINT64_MAX && (h->mie & MIP_MTIP)) {
			/* Sleep until the timer is due, in VM time. */
			uint64_t ns = cmp * (1000000000ull / VM_TIMEBASE_HZ);
			struct timespec ts = vm->start;

			ts.tv_sec += (time_t)(ns / 1000000000ull);
			ts.tv_nsec += (long)(ns % 1000000000ull);
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&h->wake, &h->lock, &ts);
		} else {
			pthread_cond_wait(&h->wake, &h->lock);
		}
	}
	pthread_mutex_unlock(&h->lock);
	atomic_store(&h->in_guest, true);
	hart_sync_map(h);
}

static int soft_run_hart(struct vm *vm, unsigned hart)
{
	struct hart *h = hart_of(vm, hart);

	atomic_store(&h->in_guest, true);
	while (!vm_should_stop(vm)) {
		if (unlikely(atomic_load_explicit(&h->sv->stop_req,
						  memory_order_acquire))) {
			debug_park(h);
			continue;
		}
		hart_sync_map(h);
		if (take_interrupt(h))
			continue;
		if (h->wfi) {
			if (wake_pending(h))
				h->wfi = false;
			else
				wfi_sleep(h);
			continue;
		}
		exec_block(h, BLOCK_BUDGET);
		hart_publish_time(h);
		if (unlikely(h->dbg_break || h->dbg_watch))
			debug_report(h);
	}
	hart_leave_guest(h);
	return 0;
}

static void soft_set_irq(struct vm *vm, unsigned hart, unsigned irq, bool level)
{
	struct hart *h = hart_of(vm, hart);

	if (level)
		atomic_fetch_or(&h->mip_ext, 1ull << irq);
	else
		atomic_fetch_and(&h->mip_ext, ~(1ull << irq));
	if (level)
		wake(h);
}

static void soft_set_timecmp(struct vm *vm, unsigned hart, uint64_t cmp)
{
	struct hart *h = hart_of(vm, hart);

	atomic_store(&h->mtimecmp, cmp);
	wake(h);
}

static void soft_kick(struct vm *vm)
{
	struct soft_vm *sv = soft_vm(vm);

	for (unsigned i = 0; sv && i < sv->nharts; i++)
		wake(&sv->harts[i]);
	if (sv)
		debug_kick(sv);
}

static uint64_t soft_instret(struct vm *vm, unsigned hart)
{
	return hart_of(vm, hart)->instret;
}

static void soft_hart_state(struct vm *vm, unsigned hart, struct hart_state *s)
{
	struct hart *h = hart_of(vm, hart);

	memcpy(s->x, h->x, sizeof(s->x));
	s->pc = h->pc;
	s->instret = h->instret;
	s->priv = h->priv;
	s->jit = h->jit != NULL;
	jit_get_stats(h, &s->jit_stats);
}

uint64_t soft_get_reg(struct vm *vm, unsigned hart, unsigned reg)
{
	return reg < 32 ? hart_of(vm, hart)->x[reg] : 0;
}

void soft_set_reg(struct vm *vm, unsigned hart, unsigned reg, uint64_t v)
{
	if (reg && reg < 32)
		hart_of(vm, hart)->x[reg] = v;
}

uint64_t soft_get_pc(struct vm *vm, unsigned hart)
{
	return hart_of(vm, hart)->pc;
}

unsigned soft_get_priv(struct vm *vm, unsigned hart)
{
	return hart_of(vm, hart)->priv;
}

const struct accel_ops soft_accel_ops = {
	.name = "soft",
	.arch = "riscv64",
	.caps = ACCEL_CAP_MMODE | ACCEL_CAP_VCLOCK,
	.create = soft_create,
	.destroy = soft_destroy,
	.set_memory_region = soft_set_memory_region,
	.reset_hart = soft_reset_hart,
	.run_hart = soft_run_hart,
	.set_irq = soft_set_irq,
	.set_timecmp = soft_set_timecmp,
	.kick = soft_kick,
	.debug = &soft_debug_ops,
	.instret = soft_instret,
	.hart_state = soft_hart_state,
	.virtual_time = soft_virtual_time,
};
