/* A64 loads and stores, and EL1 stage-1 translation; see a64.h. */
#include <string.h>

#include "kvm/a64.h"

static int64_t sext(uint64_t v, unsigned bits)
{
	return (int64_t)(v << (64 - bits)) >> (64 - bits);
}

static unsigned bits(uint32_t insn, unsigned hi, unsigned lo)
{
	return (insn >> lo) & ((1u << (hi - lo + 1)) - 1);
}

/* LDR (literal): Wt, Xt, LDRSW, St, Dt, Qt. */
static bool literal(uint32_t insn, struct a64_access *a)
{
	unsigned opc = bits(insn, 31, 30);
	bool v = bits(insn, 26, 26);

	if (opc == 3)
		return false;			/* PRFM, or unallocated */
	a->load = true;
	a->fp = v;
	a->literal = true;
	a->size = v ? 4u << opc : opc == 1 ? 8 : 4;
	a->sign = !v && opc == 2;
	a->rt = bits(insn, 4, 0);
	a->offset = sext(bits(insn, 23, 5), 19) * 4;
	return true;
}

/* LDP, STP, LDNP, STNP, LDPSW: offset, pre-index, post-index. */
static bool pair(uint32_t insn, struct a64_access *a)
{
	unsigned opc = bits(insn, 31, 30), type = bits(insn, 24, 23);
	bool v = bits(insn, 26, 26), l = bits(insn, 22, 22);

	if (opc == 3)
		return false;
	if (!v && opc == 1 && (!l || type == 0))
		return false;			/* STGP; LDNP with opc 01 */
	a->load = l;
	a->fp = v;
	a->pair = true;
	a->size = v ? 4u << opc : opc == 2 ? 8 : 4;
	a->sign = !v && opc == 1;		/* LDPSW */
	a->rt = bits(insn, 4, 0);
	a->rt2 = bits(insn, 14, 10);
	a->rn = bits(insn, 9, 5);
	a->offset = sext(bits(insn, 21, 15), 7) * (int64_t)a->size;
	a->writeback = type == 1 || type == 3;
	a->post = type == 1;
	return true;
}

/* Size, sign and direction of the single-register forms (size, V, opc). */
static bool single_kind(uint32_t insn, struct a64_access *a)
{
	unsigned size = bits(insn, 31, 30), opc = bits(insn, 23, 22);
	bool v = bits(insn, 26, 26);

	a->fp = v;
	if (v) {
		if (opc & 2) {
			if (size)
				return false;
			a->size = 16;
		} else {
			a->size = 1u << size;
		}
		a->load = opc & 1;
		return true;
	}
	a->size = 1u << size;
	switch (opc) {
	case 0: a->load = false; break;
	case 1: a->load = true; break;
	case 2:				/* LDRSB/H/W to X; PRFM for size 3 */
		if (size == 3)
			return false;
		a->load = a->sign = true;
		break;
	default:			/* LDRSB/H to W */
		if (size >= 2)
			return false;
		a->load = a->sign = a->to32 = true;
		break;
	}
	return true;
}

bool a64_decode_ldst(uint32_t insn, struct a64_access *a)
{
	memset(a, 0, sizeof(*a));
	if ((insn & 0x3b000000) == 0x18000000)
		return literal(insn, a);
	if ((insn & 0x3a000000) == 0x28000000)
		return pair(insn, a);
	if ((insn & 0x3b000000) == 0x39000000) {	/* unsigned offset */
		if (!single_kind(insn, a))
			return false;
		a->offset = (int64_t)bits(insn, 21, 10) * a->size;
	} else if ((insn & 0x3b200c00) == 0x38200800) {	/* register offset */
		if (!single_kind(insn, a) || !(bits(insn, 15, 13) & 2))
			return false;
		a->reg_offset = true;
		a->rm = bits(insn, 20, 16);
		a->extend = bits(insn, 15, 13);
		a->shift = bits(insn, 12, 12) ? (unsigned)__builtin_ctz(a->size) : 0;
	} else if ((insn & 0x3b200000) == 0x38000000) {	/* 9-bit immediate */
		unsigned op2 = bits(insn, 11, 10);

		if (!single_kind(insn, a) || (op2 == 2 && a->fp))
			return false;
		a->offset = sext(bits(insn, 20, 12), 9);
		a->writeback = op2 == 1 || op2 == 3;
		a->post = op2 == 1;
	} else {
		return false;
	}
	a->rt = bits(insn, 4, 0);
	a->rn = bits(insn, 9, 5);
	return true;
}

uint64_t a64_extend(const struct a64_access *a, uint64_t rm)
{
	switch (a->extend) {
	case 2: rm = (uint32_t)rm; break;			/* UXTW */
	case 6: rm = (uint64_t)(int64_t)(int32_t)rm; break;	/* SXTW */
	default: break;						/* LSL, SXTX */
	}
	return rm << a->shift;
}

#define SCTLR_M		(UINT64_C(1) << 0)
#define OA_MASK		UINT64_C(0x0000fffffffff000)	/* 48-bit output */

bool a64_translate(const struct a64_mmu *m, uint64_t va, guest_mem_fn mem,
		   void *opaque, uint64_t *ipa)
{
	bool upper = (va >> 55) & 1;
	unsigned txsz = upper ? (m->tcr >> 16) & 63 : m->tcr & 63;
	unsigned tg = upper ? (m->tcr >> 30) & 3 : (m->tcr >> 14) & 3;
	bool epd = upper ? (m->tcr >> 23) & 1 : (m->tcr >> 7) & 1;
	bool tbi = upper ? (m->tcr >> 38) & 1 : (m->tcr >> 37) & 1;
	unsigned inputsize = 64 - txsz, level;
	uint64_t table = (upper ? m->ttbr1 : m->ttbr0) & OA_MASK, top;

	if (!(m->sctlr & SCTLR_M)) {
		*ipa = va;
		return true;
	}
	/* 4 KiB granules only: TG0 0b00, TG1 0b10. */
	if (epd || tg != (upper ? 2u : 0u) || inputsize < 25 || inputsize > 48)
		return false;
	if (tbi)		/* the top byte is a tag: bit 55 says which half */
		va = upper ? va | (UINT64_C(0xff) << 56) : va & ~(UINT64_C(0xff) << 56);
	top = va >> inputsize;
	if (top != (upper ? (UINT64_MAX >> inputsize) : 0))
		return false;
	level = 4 - (inputsize - 12 + 8) / 9;
	for (;; level++) {
		unsigned shift = 12 + 9 * (3 - level);
		unsigned width = inputsize - shift < 9 ? inputsize - shift : 9;
		uint64_t idx = (va >> shift) & ((UINT64_C(1) << width) - 1);
		const uint64_t *p = mem(opaque, table + idx * 8, 8);
		uint64_t d, mask = (UINT64_C(1) << shift) - 1;

		if (!p)
			return false;
		d = __atomic_load_n(p, __ATOMIC_RELAXED);	/* the guest may change it */
		if (!(d & 1))
			return false;
		if (level == 3 || !(d & 2)) {		/* a page, or a block */
			if ((level == 3) != ((d & 2) != 0) || level == 0)
				return false;
			*ipa = (d & OA_MASK & ~mask) | (va & mask);
			return true;
		}
		table = d & OA_MASK;
	}
}

bool a64_fetch(const struct a64_mmu *m, uint64_t pc, guest_mem_fn mem,
	       void *opaque, uint32_t *insn)
{
	uint64_t ipa;
	const void *p;

	if ((pc & 3) || !a64_translate(m, pc, mem, opaque, &ipa))
		return false;
	p = mem(opaque, ipa, 4);
	if (!p)
		return false;
	memcpy(insn, p, 4);
	return true;
}
