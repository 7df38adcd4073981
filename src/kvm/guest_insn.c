/* A guest's instructions as the guest sees them; see guest_insn.h. */
#include "kvm/guest_insn.h"

#define PTE_V		(1u << 0)
#define PTE_R		(1u << 1)
#define PTE_X		(1u << 3)
#define PPN_MASK	((UINT64_C(1) << 44) - 1)

bool guest_translate(uint64_t satp, uint64_t va, guest_mem_fn mem, void *opaque,
		     uint64_t *gpa)
{
	uint64_t table = (satp & PPN_MASK) << 12;
	int levels;

	switch (satp >> 60) {
	case 0: *gpa = va; return true;		/* bare */
	case 8: levels = 3; break;		/* Sv39 */
	case 9: levels = 4; break;		/* Sv48 */
	case 10: levels = 5; break;		/* Sv57 */
	default: return false;
	}
	for (int l = levels - 1; l >= 0; l--) {
		unsigned shift = 12 + 9 * (unsigned)l;
		const uint64_t *p = mem(opaque, table + ((va >> shift) & 511) * 8, 8);
		uint64_t pte, base;

		if (!p)
			return false;
		pte = __atomic_load_n(p, __ATOMIC_RELAXED);	/* the guest may change it */
		if (!(pte & PTE_V))
			return false;
		base = ((pte >> 10) & PPN_MASK) << 12;
		if (pte & (PTE_R | PTE_X)) {		/* a leaf, maybe a superpage */
			uint64_t mask = (UINT64_C(1) << shift) - 1;

			*gpa = (base & ~mask) | (va & mask);
			return true;
		}
		table = base;
	}
	return false;
}

static bool fetch16(uint64_t satp, uint64_t va, guest_mem_fn mem, void *opaque,
		    uint16_t *out)
{
	uint64_t gpa;
	const uint8_t *p;

	if (!guest_translate(satp, va, mem, opaque, &gpa) || !(p = mem(opaque, gpa, 2)))
		return false;
	*out = (uint16_t)(p[0] | p[1] << 8);
	return true;
}

bool guest_fetch(uint64_t satp, uint64_t pc, guest_mem_fn mem, void *opaque,
		 uint32_t *insn)
{
	uint16_t lo, hi = 0;

	if (!fetch16(satp, pc, mem, opaque, &lo) ||
	    ((lo & 3) == 3 && !fetch16(satp, pc + 2, mem, opaque, &hi)))
		return false;
	*insn = (uint32_t)hi << 16 | lo;
	return true;
}

unsigned guest_signed_load(uint32_t insn, unsigned *rd)
{
	if ((insn & 3) == 3) {
		unsigned funct3 = (insn >> 12) & 7;

		if ((insn & 0x7f) != 0x03 || funct3 > 2)	/* lb, lh, lw */
			return 0;
		*rd = (insn >> 7) & 31;
		return 1u << funct3;
	}
	switch (insn & 0xe003) {
	case 0x4000:					/* c.lw */
		*rd = 8 + ((insn >> 2) & 7);
		return 4;
	case 0x4002:					/* c.lwsp */
		*rd = (insn >> 7) & 31;
		return 4;
	}
	return 0;
}
