/*
 * Guest memory for the built-in CPU: the slot table, the per-hart TLB and
 * decoded-code cache, and the slow paths that fill them or leave as MMIO
 * exits.
 *
 * A slot change publishes a new table and bumps map_gen.  Every hart
 * compares its seen_gen with map_gen at the start of each block and after
 * each MMIO exit, and drops all cached translations and decoded code when
 * they differ.  The change returns only after every hart that is
 * executing guest code has done so; a hart that is in an MMIO exit, asleep
 * in WFI or not running is not waited for, because it synchronises before
 * it touches guest memory again (in_guest is set before map_gen is read,
 * and the writer bumps map_gen before it reads in_guest).  The writer
 * sleeps meanwhile; a hart that catches up or leaves guest code while a
 * change waits wakes it, so a change costs a few context switches even
 * with more harts than host CPUs.
 */
#include <errno.h>

#include "cpu.h"
#include "map.h"
#include "tlb.h"

static void rebuild_list(struct slot_table *t)
{
	t->n = 0;
	for (unsigned i = 0; i < ACCEL_MAX_SLOTS; i++)
		if (t->by_id[i].size)
			t->slots[t->n++] = t->by_id[i];
	/* Largest first: RAM is found by the first comparison. */
	for (unsigned i = 1; i < t->n; i++)
		for (unsigned j = i; j > 0 &&
		     t->slots[j].size > t->slots[j - 1].size; j--) {
			struct slot tmp = t->slots[j];

			t->slots[j] = t->slots[j - 1];
			t->slots[j - 1] = tmp;
		}
}

static bool harts_behind(struct soft_vm *sv, uint64_t gen)
{
	for (unsigned i = 0; i < sv->nharts; i++) {
		struct hart *h = &sv->harts[i];

		if (atomic_load(&h->in_guest) && atomic_load(&h->seen_gen) < gen)
			return true;
	}
	return false;
}

/* Sleep until every hart in guest code has seen map generation `gen`. */
static void wait_for_harts(struct soft_vm *sv, uint64_t gen)
{
	pthread_mutex_lock(&sv->ack_lock);
	atomic_store(&sv->waiting, true);
	while (harts_behind(sv, gen))
		pthread_cond_wait(&sv->ack_cond, &sv->ack_lock);
	atomic_store(&sv->waiting, false);
	pthread_cond_broadcast(&sv->done_cond);
	pthread_mutex_unlock(&sv->ack_lock);
}

/*
 * A hart that has caught up with a change still in progress sleeps until
 * it is done, so that its host CPU goes to the harts still behind: with
 * more harts than host CPUs a change then costs a few context switches,
 * not a scheduler time slice per hart behind.
 */
static void wait_for_change(struct hart *h)
{
	struct soft_vm *sv = h->sv;

	pthread_mutex_lock(&sv->ack_lock);
	while (atomic_load(&sv->waiting) &&
	       atomic_load(&h->seen_gen) >= atomic_load(&sv->map_gen))
		pthread_cond_wait(&sv->done_cond, &sv->ack_lock);
	pthread_mutex_unlock(&sv->ack_lock);
}

/* Wake a waiting slot change: this hart caught up or left guest code. */
static void hart_ack(struct hart *h)
{
	struct soft_vm *sv = h->sv;

	if (atomic_load(&sv->waiting)) {
		pthread_mutex_lock(&sv->ack_lock);
		pthread_cond_broadcast(&sv->ack_cond);
		pthread_mutex_unlock(&sv->ack_lock);
	}
}

void hart_leave_guest(struct hart *h)
{
	atomic_store(&h->in_guest, false);
	hart_ack(h);
}

/*
 * Record what the next change can make stale: the slot's old place.  No
 * hart caches anything about a place no slot covered (translations and
 * decoded code come from slots), so a slot's new place needs nothing.
 */
static void note_change(struct soft_vm *sv, const struct slot *was)
{
	uint64_t gen = atomic_load(&sv->map_gen) + 1;
	struct map_change *c = &sv->changes[gen % MAP_LOG];

	atomic_store(&c->gen, 0);
	atomic_store(&c->lo, was->size ? was->gpa : 0);
	atomic_store(&c->hi, was->size ? was->gpa + was->size : 0);
	atomic_store(&c->gen, gen);
}

/*
 * Two tables, preallocated, take turns: the one not current is rewritten
 * and published.  The old one is free again when this returns, because
 * every hart in guest code has moved to the new one by then and the rest
 * look the table up afresh when they come back; so a change never
 * allocates and cannot fail at run time.
 */
int soft_set_memory_region(struct vm *vm, unsigned slot, uint64_t gpa,
			   uint64_t size, void *host, uint32_t flags)
{
	struct soft_vm *sv = soft_vm(vm);
	struct slot_table *old, *t;
	uint64_t gen;

	pthread_mutex_lock(&sv->map_lock);
	old = atomic_load(&sv->table);
	for (unsigned i = 0; size && i < ACCEL_MAX_SLOTS; i++) {
		const struct slot *s = &old->by_id[i];

		if (i != slot && s->size && gpa < s->gpa + s->size &&
		    s->gpa < gpa + size) {
			pthread_mutex_unlock(&sv->map_lock);
			return -EEXIST;
		}
	}
	t = old == &sv->tables[0] ? &sv->tables[1] : &sv->tables[0];
	*t = *old;
	note_change(sv, &old->by_id[slot]);
	t->by_id[slot] = (struct slot){ gpa, size, host, flags };
	if (!size)
		t->by_id[slot] = (struct slot){ 0 };
	rebuild_list(t);
	atomic_store(&sv->table, t);
	gen = atomic_fetch_add(&sv->map_gen, 1) + 1;
	wait_for_harts(sv, gen);
	pthread_mutex_unlock(&sv->map_lock);
	return 0;
}

/*
 * Drop what changes seen+1 .. gen made stale.  -1: the log no longer
 * holds one of them (the caller then drops everything); 0: none had
 * anything to drop; 1: decoded code of their ranges dropped.
 */
static int drop_changed(struct hart *h, uint64_t seen, uint64_t gen)
{
	int touched = 0;

	if (gen - seen > MAP_LOG)
		return -1;
	for (uint64_t g = seen + 1; g <= gen; g++) {
		struct map_change *c = &h->sv->changes[g % MAP_LOG];
		uint64_t lo, hi;

		if (atomic_load(&c->gen) != g)
			return -1;
		lo = atomic_load(&c->lo);
		hi = atomic_load(&c->hi);
		if (atomic_load(&c->gen) != g)
			return -1;
		if (lo < hi) {
			hart_drop_code(h, lo, hi);
			touched = 1;
		}
	}
	return touched;
}

/*
 * Catch up with slot changes.  A slot that went or moved takes all
 * translations with it (they are cheap to make again) and the decoded
 * code of its old place, so switching the flash between modes leaves RAM
 * code decoded; a slot that only appeared changes nothing cached.
 */
void hart_sync_map(struct hart *h)
{
	uint64_t gen = atomic_load(&h->sv->map_gen);
	uint64_t seen = atomic_load_explicit(&h->seen_gen, memory_order_relaxed);

	if (gen != seen) {
		switch (drop_changed(h, seen, gen)) {
		case -1: hart_flush(h); break;
		case 1: hart_tlb_flush(h); break;
		default: hart_ram_window(h); break;	/* RAM may have appeared */
		}
		atomic_store(&h->seen_gen, gen);
		hart_ack(h);
		if (atomic_load(&h->sv->waiting))
			wait_for_change(h);
	}
}

/*
 * One exit to the bus; the hart is outside guest code meanwhile.  The
 * block goes on after it unless the run loop has something to see: the
 * map changed (the code window may have gone), this hart's interrupt
 * lines or timer changed, or the VM stops.
 */
bool hart_mmio(struct hart *h, struct mmio_exit *e)
{
	uint64_t seen = atomic_load_explicit(&h->seen_gen, memory_order_relaxed);
	uint64_t mip = atomic_load(&h->mip_ext), cmp = atomic_load(&h->mtimecmp);
	bool ok;

	hart_publish_time(h);	/* a device may read the clock */
	hart_leave_guest(h);
	ok = mmio_dispatch(&h->vm->bus, e);
	atomic_store(&h->in_guest, true);
	hart_sync_map(h);
	if (atomic_load_explicit(&h->seen_gen, memory_order_relaxed) != seen ||
	    atomic_load(&h->mip_ext) != mip || atomic_load(&h->mtimecmp) != cmp ||
	    vm_should_stop(h->vm) || atomic_load(&h->sv->stop_req))
		h->end_block = true;
	return ok;
}
