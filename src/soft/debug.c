/*
 * Debugging support for the built-in CPU (soft.h): all-stop control of
 * the harts, breakpoints, watchpoints, and register and memory access for
 * a debugger while the harts are stopped.
 *
 * Stopping: stop_req makes every hart park at the top of its run loop
 * (a hart asleep in WFI is kicked awake first).  The debugger waits until
 * all of them are parked; resuming clears stop_req, or, for a single
 * step, lets one hart run one instruction while the others stay parked.
 *
 * Breakpoints never touch guest memory (the flash array is read-only to
 * the guest, and a breakpoint there must work too): a page that holds one
 * is not given a code window, so each of its instructions is fetched
 * through fetch_slow, which stops before a breakpoint's address.  A hart
 * resumed at a breakpoint runs that instruction once before the
 * breakpoint counts again.  Watchpoints keep their pages out of the TLB,
 * so each access to them takes the slow path, which notes a hit; the hart
 * stops after the instruction.  Every resume drops the harts' cached
 * translations and decoded code, so changes made while stopped (points,
 * memory, registers) are seen.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu.h"
#include "csr.h"
#include "debugger.h"
#include "exec.h"
#include "map.h"
#include "mmu.h"
#include "points.h"
#include "soft.h"
#include "tlb.h"

struct soft_debug {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* harts park here, the debugger waits */
	unsigned parked;
	uint64_t go;			/* bumped by each resume */
	int step_hart;			/* the hart that steps, or -1 */
	struct debug_stop_info stop;	/* the first reason, until resumed */
	struct debug_points points;	/* changed while the harts are parked */
};

static int soft_debug_enable(struct vm *vm, bool held)
{
	struct soft_vm *sv = soft_vm(vm);
	struct soft_debug *d;
	pthread_condattr_t attr;

	if (sv->dbg)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	pthread_mutex_init(&d->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cond, &attr);
	pthread_condattr_destroy(&attr);
	d->step_hart = -1;
	for (unsigned i = 0; i < sv->nharts; i++)
		sv->harts[i].dbg_skip = NO_PC;
	sv->dbg = d;
	sv->points = &d->points;
	if (held) {
		d->stop = (struct debug_stop_info){ .why = DEBUG_STOP_REQUEST };
		atomic_store(&sv->stop_req, true);
	}
	return 0;
}

void debug_free(struct soft_vm *sv)
{
	struct soft_debug *d = sv->dbg;

	if (!d)
		return;
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d);
	sv->dbg = NULL;
	sv->points = NULL;
}

static void set_stop(struct soft_debug *d, struct debug_stop_info s)
{
	if (d->stop.why == DEBUG_STOP_NONE)
		d->stop = s;
}

/* A hart stops the group: record why, raise stop_req, wake sleepers. */
static void stop_group(struct hart *h, struct debug_stop_info s)
{
	struct soft_debug *d = h->sv->dbg;

	pthread_mutex_lock(&d->lock);
	set_stop(d, s);
	pthread_mutex_unlock(&d->lock);
	atomic_store(&h->sv->stop_req, true);
	h->vm->accel->kick(h->vm);
}

/* Called by a hart's run loop while stop_req is set. */
void debug_park(struct hart *h)
{
	struct soft_debug *d = h->sv->dbg;
	bool step = false;

	if (!d) {
		atomic_store(&h->sv->stop_req, false);
		return;
	}
	hart_leave_guest(h);
	pthread_mutex_lock(&d->lock);
	d->parked++;
	pthread_cond_broadcast(&d->cond);
	for (;;) {
		uint64_t go = d->go;

		while (d->go == go && atomic_load(&h->sv->stop_req) &&
		       !vm_should_stop(h->vm))
			pthread_cond_wait(&d->cond, &d->lock);
		if (vm_should_stop(h->vm) || !atomic_load(&h->sv->stop_req))
			break;
		if (d->step_hart == (int)h->id) {
			d->step_hart = -1;
			step = true;
			break;
		}
	}
	d->parked--;
	h->dbg_skip = h->pc;
	pthread_mutex_unlock(&d->lock);
	atomic_store(&h->in_guest, true);
	hart_flush(h);
	hart_sync_map(h);
	if (step && !vm_should_stop(h->vm)) {
		exec_block(h, 1);
		h->dbg_break = h->dbg_watch = false;
		stop_group(h, (struct debug_stop_info){ DEBUG_STOP_STEP, h->id,
						       0, 0 });
	}
}

/* After a block that ended at a breakpoint or a watchpoint hit. */
void debug_report(struct hart *h)
{
	struct debug_stop_info s = { .hart = h->id };

	if (h->dbg_watch) {
		s.why = DEBUG_STOP_WATCH;
		s.watch_addr = h->dbg_watch_addr;
		s.watch_kind = (enum debug_watch)h->dbg_watch_kind;
	} else {
		s.why = DEBUG_STOP_BREAK;
	}
	h->dbg_break = h->dbg_watch = false;
	stop_group(h, s);
}

static void soft_debug_stop(struct vm *vm)
{
	struct soft_vm *sv = soft_vm(vm);

	pthread_mutex_lock(&sv->dbg->lock);
	set_stop(sv->dbg, (struct debug_stop_info){ .why = DEBUG_STOP_REQUEST });
	pthread_mutex_unlock(&sv->dbg->lock);
	atomic_store(&sv->stop_req, true);
	vm->accel->kick(vm);
}

static bool soft_debug_wait(struct vm *vm, int timeout_ms, struct debug_stop_info *info)
{
	struct soft_vm *sv = soft_vm(vm);
	struct soft_debug *d = sv->dbg;
	struct timespec t;
	bool stopped;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += timeout_ms / 1000;
	t.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&d->lock);
	for (;;) {
		/* A step asked for but not yet taken is not a stop. */
		stopped = atomic_load(&sv->stop_req) && d->step_hart < 0 &&
			  d->parked == sv->nharts;
		if (stopped || vm_should_stop(vm) ||
		    pthread_cond_timedwait(&d->cond, &d->lock, &t))
			break;
	}
	if (vm_should_stop(vm)) {
		*info = (struct debug_stop_info){ .why = DEBUG_STOP_EXITED };
		stopped = true;
	} else if (stopped) {
		*info = d->stop;
		if (info->why == DEBUG_STOP_NONE)
			info->why = DEBUG_STOP_REQUEST;
	}
	pthread_mutex_unlock(&d->lock);
	return stopped;
}

static void soft_debug_resume(struct vm *vm, int step_hart)
{
	struct soft_vm *sv = soft_vm(vm);
	struct soft_debug *d = sv->dbg;

	pthread_mutex_lock(&d->lock);
	d->stop = (struct debug_stop_info){ .why = DEBUG_STOP_NONE };
	d->step_hart = step_hart;
	d->go++;
	atomic_store(&sv->debug_active, d->points.nbp || d->points.nwp);
	if (step_hart < 0)
		atomic_store(&sv->stop_req, false);
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

static int soft_debug_breakpoint(struct vm *vm, uint64_t addr, bool insert)
{
	struct soft_debug *d = soft_vm(vm)->dbg;
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = points_break(&d->points, addr, insert);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

static int soft_debug_watchpoint(struct vm *vm, uint64_t addr, uint64_t len,
			  enum debug_watch kind, bool insert)
{
	struct soft_debug *d = soft_vm(vm)->dbg;
	int ret;

	if (!len || addr + len < addr)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	ret = points_watchpoint(&d->points, addr, len, kind, insert);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

static void soft_debug_clear(struct vm *vm)
{
	struct soft_debug *d = soft_vm(vm)->dbg;

	pthread_mutex_lock(&d->lock);
	d->points.nbp = d->points.nwp = 0;
	pthread_mutex_unlock(&d->lock);
}

/* The VM is stopping: parked harts must see it. */
void debug_kick(struct soft_vm *sv)
{
	struct soft_debug *d = sv->dbg;

	if (d) {
		pthread_mutex_lock(&d->lock);
		pthread_cond_broadcast(&d->cond);
		pthread_mutex_unlock(&d->lock);
	}
}

/* One physical access within a page, for the debugger. */
static int phys_debug(struct soft_vm *sv, uint64_t pa, uint8_t *buf,
		      size_t len, bool write)
{
	const struct slot_table *t = atomic_load(&sv->table);

	for (unsigned i = 0; i < t->n; i++) {
		const struct slot *s = &t->slots[i];

		if (pa - s->gpa >= s->size)
			continue;
		if (pa + len - s->gpa > s->size)
			return -EFAULT;
		if (write && (s->flags & MEM_FLAG_READONLY))
			return -EFAULT;
		if (write)
			memcpy(s->host + (pa - s->gpa), buf, len);
		else
			memcpy(buf, s->host + (pa - s->gpa), len);
		return 0;
	}
	for (size_t i = 0; i < len; i++) {	/* a device, a byte at a time */
		struct mmio_exit e = { .addr = pa + i, .len = 1,
				       .is_write = write, .data = buf[i] };

		/* Nothing there: an error for the debugger, no guest fault. */
		if (!mmio_find(&sv->vm->bus, pa + i) ||
		    !mmio_dispatch(&sv->vm->bus, &e))
			return -EFAULT;
		if (!write)
			buf[i] = (uint8_t)e.data;
	}
	return 0;
}

static int soft_debug_memory(struct vm *vm, unsigned hart, uint64_t addr,
		      void *buf, size_t len, bool write, bool phys)
{
	struct soft_vm *sv = soft_vm(vm);
	struct hart *h = &sv->harts[hart];
	uint8_t *p = buf;

	while (len) {
		size_t n = PAGE_SIZE - (addr & PAGE_MASK);
		uint64_t pa = addr;
		int ret;

		n = n < len ? n : len;
		if (!phys && !mem_peek_translate(h, addr, &pa))
			return -EFAULT;
		ret = phys_debug(sv, pa, p, n, write);
		if (ret)
			return ret;
		addr += n;
		p += n;
		len -= n;
	}
	return 0;
}

static int soft_debug_reg(struct vm *vm, unsigned hart, unsigned reg, uint64_t *v,
		   bool write)
{
	struct hart *h = &soft_vm(vm)->harts[hart];

	if (reg < 32) {
		if (write && reg)
			h->x[reg] = *v;
		else if (!write)
			*v = reg ? h->x[reg] : 0;
	} else if (reg == 32) {
		if (write)
			h->pc = *v & ~1ull;
		else
			*v = h->pc;
	} else if (reg < 65) {
		if (write)
			h->f[reg - 33] = *v;
		else
			*v = h->f[reg - 33];
	} else if (reg == SOFT_REG_PRIV) {
		if (write && (*v == PRIV_U || *v == PRIV_S || *v == PRIV_M))
			h->priv = (enum priv)*v;
		else if (write)
			return -EINVAL;
		else
			*v = h->priv;
	} else if (reg >= 65 && reg < 65 + 4096) {
		if (write ? !csr_poke(h, reg - 65, *v) : !csr_peek(h, reg - 65, v))
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	return 0;
}

const struct debug_ops soft_debug_ops = {
	.enable = soft_debug_enable,
	.stop = soft_debug_stop,
	.wait = soft_debug_wait,
	.resume = soft_debug_resume,
	.breakpoint = soft_debug_breakpoint,
	.watchpoint = soft_debug_watchpoint,
	.clear = soft_debug_clear,
	.memory = soft_debug_memory,
	.reg = soft_debug_reg,
};
