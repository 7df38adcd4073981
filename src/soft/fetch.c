/*
 * Instruction fetch for the built-in CPU: the code window onto a page's
 * decoded code, the decoded-code cache, and code fetched uncached from
 * devices.
 */
#include "cpu.h"
#include "decode.h"
#include "fetch.h"
#include "map.h"
#include "mmu.h"
#include "pmp.h"
#include "points.h"
#include "tlb.h"
#include "trap.h"

/* Fetch 2 or 4 bytes of code through the device at pa. */
static bool fetch_mmio(struct hart *h, uint64_t va, uint64_t pa, unsigned len,
		       uint32_t *bits)
{
	struct mmio_exit e = { .addr = pa, .len = (uint8_t)len,
			       .is_fetch = true };

	if (!hart_mmio(h, &e)) {
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

	if (!mmu_resolve(h, va, 2, ACCESS_FETCH, &pa, NULL))
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
		switch (points_fetch(h, pc)) {
		case POINT_BREAK:
			return &h->dbg_insn;
		case POINT_PAGE:
			return mem_translate(h, pc, ACCESS_FETCH, &pa) ?
			       fetch_uncached(h, pc, pa) : NULL;
		default:
			break;
		}
	}
	if (c->tag != pc >> PAGE_SHIFT) {
		if (!mmu_resolve(h, pc, 2, ACCESS_FETCH, &pa, &cacheable))
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
