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
#include <stdlib.h>
#include <string.h>

#include "cpu.h"

#ifdef __SANITIZE_THREAD__
/*
 * Not instrumented, and byte by byte through volatile pointers so no
 * memcpy interceptor sees the bytes either: these are the only accesses
 * ThreadSanitizer does not check.
 */
__attribute__((noinline, no_sanitize_thread))
void guest_read(void *dst, const void *guest, size_t n)
{
	const volatile uint8_t *g = guest;
	uint8_t *d = dst;

	for (size_t i = 0; i < n; i++)
		d[i] = g[i];
}

__attribute__((noinline, no_sanitize_thread))
void guest_write(void *guest, const void *src, size_t n)
{
	volatile uint8_t *g = guest;
	const uint8_t *s = src;

	for (size_t i = 0; i < n; i++)
		g[i] = s[i];
}
#endif

static const struct slot *find_slot(const struct slot_table *t, uint64_t pa)
{
	for (unsigned i = 0; i < t->n; i++)
		if (pa - t->slots[i].gpa < t->slots[i].size)
			return &t->slots[i];
	return NULL;
}

static struct slot_table *current_table(struct hart *h)
{
	return atomic_load_explicit(&h->sv->table, memory_order_acquire);
}

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

/* hart.ram_*: in the largest writable slot (RAM), what the PMP allows. */
static void ram_window(struct hart *h)
{
	const struct slot_table *t = current_table(h);
	const struct slot *s = NULL;
	uint64_t lo, hi;

	h->ram_end = 0;
	if (h->priv == PRIV_M ? (h->mstatus & MSTATUS_MPRV) : h->satp >> 60)
		return;				/* data addresses are virtual */
	for (unsigned i = 0; i < t->n && !s; i++)	/* largest first */
		if (!(t->slots[i].flags & MEM_FLAG_READONLY))
			s = &t->slots[i];
	if (!s)
		return;
	lo = s->gpa;
	hi = s->gpa + s->size;
	if (!pmp_rw_range(h, &lo, &hi) || hi - lo < 8)
		return;
	h->ram_lo = lo;
	h->ram_end = hi - lo - 7;
	h->ram_host = s->host + (lo - s->gpa);
}

/* Drop translations: TLBs and the code window (decoded code stays). */
void hart_tlb_flush(struct hart *h)
{
	ram_window(h);
	memset(h->tlb_r, 0xff, sizeof(h->tlb_r));
	memset(h->tlb_w, 0xff, sizeof(h->tlb_w));
	memset(h->tlb_x, 0xff, sizeof(h->tlb_x));
	memset(h->tlb_io_r, 0xff, sizeof(h->tlb_io_r));
	memset(h->tlb_io_w, 0xff, sizeof(h->tlb_io_w));
	h->win_base = WIN_NONE;
	h->jit_jump_gen++;
}

/* Drop translations and decoded code. */
void hart_flush(struct hart *h)
{
	hart_tlb_flush(h);
	h->code_gen++;
}

/*
 * Drop the decoded code of guest-physical [lo, hi).  The scan reads the
 * keys, one array, not the blocks, and only when the range meets the
 * keys' span: with every word programmed the flash leaves read-array
 * mode and its slot goes, while the code runs from RAM.
 */
static void dcache_drop(struct hart *h, uint64_t lo, uint64_t hi)
{
	uint64_t first = (lo >> PAGE_SHIFT) + 1;
	uint64_t end = ((hi + PAGE_MASK) >> PAGE_SHIFT) + 1;
	uint64_t min = UINT64_MAX, max = 0;

	if (end <= h->dcache_min || first > h->dcache_max)
		return;
	for (unsigned i = 0; i < DCACHE_SIZE; i++) {
		uint64_t k = h->dcache_key[i];

		if (k - first < end - first) {
			h->dcache[i]->ppn = UINT64_MAX;
			h->dcache_key[i] = k = 0;
		}
		if (k) {
			min = k < min ? k : min;
			max = k > max ? k : max;
		}
	}
	h->dcache_min = min;
	h->dcache_max = max;
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
			dcache_drop(h, lo, hi);
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
		default: ram_window(h); break;	/* RAM may have appeared */
		}
		atomic_store(&h->seen_gen, gen);
		hart_ack(h);
		if (atomic_load(&h->sv->waiting))
			wait_for_change(h);
	}
}

/* Sv39 page-table entries. */
#define PTE_V		(1ull << 0)
#define PTE_R		(1ull << 1)
#define PTE_W		(1ull << 2)
#define PTE_X		(1ull << 3)
#define PTE_U		(1ull << 4)
#define PTE_A		(1ull << 6)
#define PTE_D		(1ull << 7)
#define PTE_PPN(pte)	(((pte) >> 10) & ((1ull << 44) - 1))

static const uint8_t page_fault[] = {
	[ACCESS_READ] = EXC_LOAD_PAGE_FAULT,
	[ACCESS_WRITE] = EXC_STORE_PAGE_FAULT,
	[ACCESS_FETCH] = EXC_INSN_PAGE_FAULT,
};
static const uint8_t access_fault[] = {
	[ACCESS_READ] = EXC_LOAD_ACCESS,
	[ACCESS_WRITE] = EXC_STORE_ACCESS,
	[ACCESS_FETCH] = EXC_INSN_ACCESS,
};

/* The privilege loads and stores are checked with (MPRV). */
static enum priv data_priv(const struct hart *h)
{
	if (h->priv == PRIV_M && (h->mstatus & MSTATUS_MPRV))
		return (enum priv)((h->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);
	return h->priv;
}

static bool leaf_allows(const struct hart *h, uint64_t pte, enum access acc,
			enum priv priv)
{
	if (priv == PRIV_U && !(pte & PTE_U))
		return false;
	if (priv == PRIV_S && (pte & PTE_U) &&
	    (acc == ACCESS_FETCH || !(h->mstatus & MSTATUS_SUM)))
		return false;
	switch (acc) {
	case ACCESS_READ:
		return (pte & PTE_R) ||
		       ((pte & PTE_X) && (h->mstatus & MSTATUS_MXR));
	case ACCESS_WRITE:
		return pte & PTE_W;
	default:
		return pte & PTE_X;
	}
}

/*
 * One exit to the bus; the hart is outside guest code meanwhile.  The
 * block goes on after it unless the run loop has something to see: the
 * map changed (the code window may have gone), this hart's interrupt
 * lines or timer changed, or the VM stops.
 */
static bool mmio_call(struct hart *h, struct mmio_exit *e)
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

enum walk { WALK_OK, WALK_PAGE_FAULT, WALK_ACCESS_FAULT };

/* A unit test defines this to change a PTE between its read and swap. */
#ifndef WALK_BEFORE_SWAP
#define WALK_BEFORE_SWAP(ptep)	((void)0)
#endif

#define PTE_RESERVED	(0x3ffull << 54)	/* no Svpbmt, no Svnapot */

/*
 * Sv39 walk.  Page-table reads are S-mode reads for PMP; they may come
 * from a read-only slot or, without a slot, through the device (page
 * tables in flash, mapped or not).  A and D are set by the walker with a
 * compare-and-swap, which needs writable memory.  A lost swap means
 * another hart changed the entry: walk again.
 */
static enum walk walk_sv39(struct hart *h, uint64_t va, enum access acc,
			   enum priv priv, uint64_t *pa)
{
	uint64_t base;

	if ((uint64_t)((int64_t)(va << 25) >> 25) != va)
		return WALK_PAGE_FAULT;
retry:
	base = (h->satp & ((1ull << 44) - 1)) << PAGE_SHIFT;
	for (int level = 2; level >= 0; level--) {
		uint64_t pte_pa = base + ((va >> (12 + 9 * level)) & 511) * 8;
		const struct slot *s;
		uint64_t *ptep = NULL, pte, want, span;

		if (!pmp_check(h, pte_pa, 8, ACCESS_READ, PRIV_S, NULL))
			return WALK_ACCESS_FAULT;
		s = find_slot(current_table(h), pte_pa);
		if (s) {
			ptep = (uint64_t *)(s->host + (pte_pa - s->gpa));
			pte = __atomic_load_n(ptep, __ATOMIC_ACQUIRE);
		} else {
			struct mmio_exit e = { .addr = pte_pa, .len = 8 };

			if (!mmio_call(h, &e))
				return WALK_ACCESS_FAULT;
			pte = e.data;
		}
		if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) ||
		    (pte & PTE_RESERVED))
			return WALK_PAGE_FAULT;
		if (!(pte & (PTE_R | PTE_X))) {
			base = PTE_PPN(pte) << PAGE_SHIFT;
			continue;
		}
		if (!leaf_allows(h, pte, acc, priv))
			return WALK_PAGE_FAULT;
		/* A superpage must be aligned to its size. */
		if (PTE_PPN(pte) & ((1ull << (9 * level)) - 1))
			return WALK_PAGE_FAULT;
		want = pte | PTE_A | (acc == ACCESS_WRITE ? PTE_D : 0);
		if (want != pte) {
			if (!ptep || (s->flags & MEM_FLAG_READONLY) ||
			    !pmp_check(h, pte_pa, 8, ACCESS_WRITE, PRIV_S, NULL))
				return WALK_ACCESS_FAULT;
			WALK_BEFORE_SWAP(ptep);
			if (!__atomic_compare_exchange_n(ptep, &pte, want, false,
							 __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE))
				goto retry;
		}
		span = 1ull << (12 + 9 * level);
		*pa = ((PTE_PPN(pte) << PAGE_SHIFT) & ~(span - 1)) |
		      (va & (span - 1));
		return WALK_OK;
	}
	return WALK_PAGE_FAULT;
}

/*
 * Virtual to physical for an access of `len` bytes within one page, with
 * the PMP check of the physical bytes; raises the guest's fault itself.
 * *cacheable says whether the result holds for the whole page (the TLB
 * and the code window may keep it).  Cached translations are dropped on
 * every privilege, satp, mstatus and PMP change.
 */
static bool resolve(struct hart *h, uint64_t va, unsigned len,
		    enum access acc, uint64_t *pa, bool *cacheable)
{
	enum priv priv = acc == ACCESS_FETCH ? h->priv : data_priv(h);

	if (priv == PRIV_M || (h->satp >> 60) != SATP_SV39) {
		*pa = va;
	} else {
		switch (walk_sv39(h, va, acc, priv, pa)) {
		case WALK_OK:
			break;
		case WALK_ACCESS_FAULT:
			raise_exception(h, access_fault[acc], va);
			return false;
		default:
			raise_exception(h, page_fault[acc], va);
			return false;
		}
	}
	if (!pmp_check(h, *pa, len, acc, priv, cacheable)) {
		raise_exception(h, access_fault[acc], va);
		return false;
	}
	if (unlikely(atomic_load_explicit(&h->sv->debug_active,
					  memory_order_relaxed)) &&
	    acc != ACCESS_FETCH)
		debug_watch(h, va, len, acc, cacheable);
	return true;
}

bool mem_translate(struct hart *h, uint64_t va, enum access acc, uint64_t *pa)
{
	return resolve(h, va, 1, acc, pa, NULL);
}

/*
 * Virtual to physical as the hart's code sees it, for a debugger: no
 * permission checks, no A/D updates, no faults.
 */
bool mem_peek_translate(struct hart *h, uint64_t va, uint64_t *pa)
{
	uint64_t base = (h->satp & ((1ull << 44) - 1)) << PAGE_SHIFT;

	if (h->priv == PRIV_M || (h->satp >> 60) != SATP_SV39) {
		*pa = va;
		return true;
	}
	if ((uint64_t)((int64_t)(va << 25) >> 25) != va)
		return false;
	for (int level = 2; level >= 0; level--) {
		uint64_t pte_pa = base + ((va >> (12 + 9 * level)) & 511) * 8;
		const struct slot *s = find_slot(current_table(h), pte_pa);
		uint64_t pte, span;

		if (!s)
			return false;
		pte = __atomic_load_n((uint64_t *)(s->host + (pte_pa - s->gpa)),
				      __ATOMIC_ACQUIRE);
		if (!(pte & PTE_V))
			return false;
		if (!(pte & (PTE_R | PTE_X))) {
			base = PTE_PPN(pte) << PAGE_SHIFT;
			continue;
		}
		span = 1ull << (12 + 9 * level);
		*pa = ((PTE_PPN(pte) << PAGE_SHIFT) & ~(span - 1)) |
		      (va & (span - 1));
		return true;
	}
	return false;
}

static void tlb_fill(struct tlb_entry *tlb, uint64_t va, uint64_t pa,
		     const struct slot *s)
{
	struct tlb_entry *e = &tlb[(va >> PAGE_SHIFT) & (TLB_SIZE - 1)];
	uint64_t vpage = va & ~PAGE_MASK, ppage = pa & ~PAGE_MASK;

	e->tag = vpage;
	e->addend = (uintptr_t)(s->host + (ppage - s->gpa)) - (uintptr_t)vpage;
}

static inline bool crosses_page(uint64_t addr, unsigned len)
{
	return (addr & PAGE_MASK) + len > PAGE_SIZE;
}

static inline uint64_t low_bytes(uint64_t v, unsigned len)
{
	return len == 8 ? v : v & ((1ull << (8 * len)) - 1);
}

/* The memory slot that serves a data access at pa, or NULL for the bus. */
static const struct slot *data_slot(struct hart *h, uint64_t pa, bool write)
{
	const struct slot *s = find_slot(current_table(h), pa);

	return s && !(write && (s->flags & MEM_FLAG_READONLY)) ? s : NULL;
}

/* One physical access of len bytes, already translated and checked. */
static bool phys_access(struct hart *h, uint64_t pa, unsigned len, bool write,
			uint64_t *val)
{
	const struct slot *s = data_slot(h, pa, write);
	struct mmio_exit e;

	if (s) {
		if (write) {
			guest_write(s->host + (pa - s->gpa), val, len);
		} else {
			*val = 0;
			guest_read(val, s->host + (pa - s->gpa), len);
		}
		return true;
	}
	e = (struct mmio_exit){ .addr = pa, .len = (uint8_t)len,
				.data = write ? low_bytes(*val, len) : 0,
				.is_write = write };
	if (!mmio_call(h, &e))
		return false;
	if (!write)
		*val = low_bytes(e.data, len);
	return true;
}

/*
 * An access across a page boundary: both parts are translated and
 * checked, and must reach memory or a device, before any byte moves, so a
 * faulting access has no effect.  Then it is done a byte at a time.
 */
static bool cross_page_access(struct hart *h, uint64_t va, unsigned len,
			      bool write, uint64_t *val)
{
	enum access acc = write ? ACCESS_WRITE : ACCESS_READ;
	unsigned first = (unsigned)(PAGE_SIZE - (va & PAGE_MASK));
	uint64_t pa[2], v = 0, b;

	for (unsigned part = 0; part < 2; part++) {
		uint64_t at = part ? va + first : va;
		unsigned n = part ? len - first : first;
		struct mmio_region *r;

		if (!resolve(h, at, n, acc, &pa[part], NULL))
			return false;
		if (data_slot(h, pa[part], write))
			continue;
		r = mmio_find(&h->vm->bus, pa[part]);
		if (!r || r != mmio_find(&h->vm->bus, pa[part] + n - 1)) {
			raise_exception(h, access_fault[acc], at);
			return false;
		}
	}
	for (unsigned i = 0; i < len; i++) {
		uint64_t at = i < first ? pa[0] + i : pa[1] + (i - first);

		b = write ? *val >> (8 * i) : 0;
		if (!phys_access(h, at, 1, write, &b)) {
			/* A device went away under us: fault, as hardware would. */
			raise_exception(h, access_fault[acc], va + i);
			return false;
		}
		v |= (b & 0xff) << (8 * i);
	}
	if (!write)
		*val = v;
	return true;
}

/*
 * Translate a data access that missed the TLB: through tlb_io when it
 * holds the page (a device's when cached), else by resolve(), caching the
 * result in the TLB for memory or in tlb_io for a device when it holds
 * for the whole page.  A slot can appear over a device page without a
 * flush, so a tlb_io hit that finds memory moves to the TLB.  False: a
 * fault was raised.
 */
static bool translate_slow(struct hart *h, uint64_t addr, unsigned len,
			   bool write, uint64_t *pa)
{
	struct tlb_entry *io = write ? h->tlb_io_w : h->tlb_io_r;
	struct tlb_entry *e = &io[(addr >> PAGE_SHIFT) & (IO_TLB_SIZE - 1)];
	const struct slot *s;
	bool cacheable;

	if (e->tag == (addr & ~PAGE_MASK)) {
		*pa = addr + e->addend;
		s = data_slot(h, *pa, write);
		if (s) {	/* memory now (a flash back in read-array) */
			tlb_fill(write ? h->tlb_w : h->tlb_r, addr, *pa, s);
			e->tag = UINT64_MAX;
		}
		return true;
	}
	if (!resolve(h, addr, len, write ? ACCESS_WRITE : ACCESS_READ, pa,
		     &cacheable))
		return false;
	if (!cacheable)
		return true;
	s = data_slot(h, *pa, write);
	if (s) {
		tlb_fill(write ? h->tlb_w : h->tlb_r, addr, *pa, s);
	} else {
		e->tag = addr & ~PAGE_MASK;
		e->addend = (*pa & ~PAGE_MASK) - (addr & ~PAGE_MASK);
	}
	return true;
}

bool mem_load_slow(struct hart *h, uint64_t addr, unsigned len, uint64_t *val)
{
	uint64_t pa;

	if (crosses_page(addr, len))
		return cross_page_access(h, addr, len, false, val);
	if (!translate_slow(h, addr, len, false, &pa))
		return false;
	if (!phys_access(h, pa, len, false, val)) {
		raise_exception(h, EXC_LOAD_ACCESS, addr);
		return false;
	}
	return true;
}

bool mem_store_slow(struct hart *h, uint64_t addr, unsigned len, uint64_t val)
{
	uint64_t pa;

	if (crosses_page(addr, len))
		return cross_page_access(h, addr, len, true, &val);
	if (!translate_slow(h, addr, len, true, &pa))
		return false;
	if (!phys_access(h, pa, len, true, &val)) {
		raise_exception(h, EXC_STORE_ACCESS, addr);
		return false;
	}
	return true;
}

/*
 * Host address for an AMO, LR or SC.  They need naturally aligned guest
 * RAM (LR may also read a read-only slot); anything else faults.  PMP
 * cannot grant W without R, so the write check covers both.
 */
void *mem_amo_ptr(struct hart *h, uint64_t addr, unsigned len, bool is_lr)
{
	const struct slot *s;
	uint64_t pa;

	if (addr & (len - 1)) {
		raise_exception(h, is_lr ? EXC_LOAD_MISALIGNED :
				EXC_STORE_MISALIGNED, addr);
		return NULL;
	}
	if (!resolve(h, addr, len, is_lr ? ACCESS_READ : ACCESS_WRITE, &pa,
		     NULL))
		return NULL;
	s = data_slot(h, pa, !is_lr);
	if (!s) {
		raise_exception(h, is_lr ? EXC_LOAD_ACCESS : EXC_STORE_ACCESS,
				addr);
		return NULL;
	}
	return s->host + (pa - s->gpa);
}

static struct dblock *dcache_get(struct hart *h, uint64_t ppn)
{
	unsigned i = (unsigned)((ppn ^ (ppn >> 8)) & (DCACHE_SIZE - 1));
	struct dblock *b = h->dcache[i];

	if (!b) {
		b = malloc(sizeof(*b));
		if (!b)
			return NULL;
		b->ppn = UINT64_MAX;
		h->dcache[i] = b;
	}
	if (b->ppn != ppn || b->gen != h->code_gen) {
		h->jit_jump_gen++;	/* its translations go too */
		memset(b->insns, 0, sizeof(b->insns));
		b->insns[BLOCK_INSNS].op = OP_REFETCH;
		b->insns[BLOCK_INSNS + 1].op = OP_REFETCH;
		b->ppn = ppn;
		b->gen = h->code_gen;
		h->dcache_key[i] = ppn + 1;
		if (ppn + 1 < h->dcache_min)
			h->dcache_min = ppn + 1;
		if (ppn + 1 > h->dcache_max)
			h->dcache_max = ppn + 1;
	}
	return b;
}

/* Fetch 2 or 4 bytes of code through the device at pa. */
static bool fetch_mmio(struct hart *h, uint64_t va, uint64_t pa, unsigned len,
		       uint32_t *bits)
{
	struct mmio_exit e = { .addr = pa, .len = (uint8_t)len,
			       .is_fetch = true };

	if (!mmio_call(h, &e)) {
		raise_exception(h, EXC_INSN_ACCESS, va);
		return false;
	}
	*bits = (uint32_t)e.data & (len == 4 ? 0xffffffffu : 0xffffu);
	return true;
}

/* The 16-bit parcel at va, from memory or a device. */
static bool fetch16(struct hart *h, uint64_t va, uint16_t *parcel)
{
	const struct slot *s;
	uint32_t bits;
	uint64_t pa;

	if (!resolve(h, va, 2, ACCESS_FETCH, &pa, NULL))
		return false;
	s = find_slot(current_table(h), pa);
	if (s) {
		guest_read(parcel, s->host + (pa - s->gpa), 2);
		return true;
	}
	if (!fetch_mmio(h, va, pa, 2, &bits))
		return false;
	*parcel = (uint16_t)bits;
	return true;
}

/*
 * An instruction that cannot be cached is fetched for every execution and
 * decoded into h->tmp: code from a device (each fetch goes to it, as on
 * hardware), or from a page that PMP does not allow as a whole.
 */
struct insn *fetch_uncached(struct hart *h, uint64_t pc, uint64_t pa)
{
	struct mmio_region *r = mmio_find(&h->vm->bus, pa);
	uint32_t bits;
	uint16_t lo, hi;

	h->win_base = WIN_NONE;
	/* One 4-byte exit where the device has 4 bytes to give. */
	if (r && (pa & 3) == 0 && !crosses_page(pc, 4) &&
	    !find_slot(current_table(h), pa) &&
	    r == mmio_find(&h->vm->bus, pa + 3) &&
	    pmp_check(h, pa, 4, ACCESS_FETCH, h->priv, NULL)) {
		if (!fetch_mmio(h, pc, pa, 4, &bits))
			return NULL;
		decode(&h->tmp[0], bits);
		return &h->tmp[0];
	}
	if (!fetch16(h, pc, &lo))
		return NULL;
	bits = lo;
	if ((lo & 3) == 3) {
		if (!fetch16(h, pc + 2, &hi))
			return NULL;
		bits |= (uint32_t)hi << 16;
	}
	decode(&h->tmp[0], bits);
	return &h->tmp[0];
}

/* Point the code window at pc's page; returns pc's decoded entry. */
struct insn *fetch_slow(struct hart *h, uint64_t pc)
{
	struct code_tlb_entry *c = &h->tlb_x[(pc >> PAGE_SHIFT) & (TLB_SIZE - 1)];
	const struct slot *s;
	struct dblock *b = NULL;
	bool cacheable;
	uint64_t pa;

	if (unlikely(atomic_load_explicit(&h->sv->debug_active,
					  memory_order_relaxed))) {
		struct insn *in;

		if (debug_fetch(h, pc, &in))
			return in;
	}
	if (c->tag != pc >> PAGE_SHIFT) {
		if (!resolve(h, pc, 2, ACCESS_FETCH, &pa, &cacheable))
			return NULL;
		s = find_slot(current_table(h), pa);
		if (!s || !cacheable)
			return fetch_uncached(h, pc, pa);
		c->tag = pc >> PAGE_SHIFT;
		c->ppn = pa >> PAGE_SHIFT;
		c->host = s->host + ((pa & ~PAGE_MASK) - s->gpa);
	}
	b = dcache_get(h, c->ppn);
	if (!b)
		return fetch_uncached(h, pc, (c->ppn << PAGE_SHIFT) | (pc & PAGE_MASK));
	h->win_host = c->host;
	h->win_base = pc & ~PAGE_MASK;
	h->win = b->insns;
	return &b->insns[(pc & PAGE_MASK) >> 1];
}

/*
 * Decode the instruction at pc into its cache entry `in`.  An instruction
 * whose second half lies on the next page is decoded into h->tmp instead
 * and fetched again every time: the cache is per physical page, and the
 * next page may be remapped (SFENCE.VMA) or be a device.
 */
struct insn *decode_fill(struct hart *h, struct insn *in, uint64_t pc)
{
	unsigned off = pc & PAGE_MASK;
	uint16_t lo, hi;
	uint32_t bits;

	guest_read(&lo, h->win_host + off, 2);
	if ((lo & 3) != 3 || off != PAGE_SIZE - 2) {
		bits = lo;
		if ((lo & 3) == 3)
			guest_read(&bits, h->win_host + off, 4);
		decode(in, bits);
		return in;
	}
	if (!fetch16(h, pc + 2, &hi))
		return NULL;
	decode(&h->tmp[0], lo | (uint32_t)hi << 16);
	return &h->tmp[0];
}
