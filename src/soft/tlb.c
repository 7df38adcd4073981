/*
 * What a hart caches about guest memory, and dropping it: the TLBs, the
 * RAM window generated code uses, the code window and decoded code.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "pmp.h"
#include "tlb.h"

/* hart.ram_*: in the largest writable slot (RAM), what the PMP allows. */
void hart_ram_window(struct hart *h)
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
	hart_ram_window(h);
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
void hart_drop_code(struct hart *h, uint64_t lo, uint64_t hi)
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

/* The decoded code of guest-physical page ppn, made fresh when stale. */
struct dblock *dcache_get(struct hart *h, uint64_t ppn)
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
