/*
 * Address translation for the built-in CPU: Sv39 page-table walks and the
 * PMP check of every access, raising the guest's fault when either says
 * no.
 */
#include "cpu.h"
#include "map.h"
#include "mmu.h"
#include "pmp.h"
#include "points.h"
#include "trap.h"

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

			if (!hart_mmio(h, &e))
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
bool mmu_resolve(struct hart *h, uint64_t va, unsigned len,
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
			raise_exception(h, access_fault(acc), va);
			return false;
		default:
			raise_exception(h, page_fault[acc], va);
			return false;
		}
	}
	if (!pmp_check(h, *pa, len, acc, priv, cacheable)) {
		raise_exception(h, access_fault(acc), va);
		return false;
	}
	if (unlikely(atomic_load_explicit(&h->sv->debug_active,
					  memory_order_relaxed)) &&
	    acc != ACCESS_FETCH)
		points_watch(h, va, len, acc, cacheable);
	return true;
}

bool mem_translate(struct hart *h, uint64_t va, enum access acc, uint64_t *pa)
{
	return mmu_resolve(h, va, 1, acc, pa, NULL);
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
