/*
 * What KVM on arm64 leaves to the VMM when a load or store to a region
 * without memory carries no syndrome (KVM_EXIT_ARM_NISV: pairs, pre- and
 * post-index writeback, SIMD&FP registers): the instruction, decoded, and
 * the guest's stage-1 translation to find it and its addresses.  Portable
 * (no KVM here), so it is unit-tested on any host.
 */
#ifndef NORVM_KVM_A64_H
#define NORVM_KVM_A64_H

#include <stdbool.h>
#include <stdint.h>

#include "kvm/guest_insn.h"

/* A load or store of one or two registers. */
struct a64_access {
	bool load;
	bool fp;		/* SIMD&FP registers (V0-V31), else X0-X30/XZR */
	bool pair;		/* rt and rt2, at addr and addr + size */
	bool sign;		/* integer loads: sign-extend... */
	bool to32;		/* ...to 32 bits (W register, top half zeroed) */
	bool literal;		/* PC-relative: addr = pc + offset */
	unsigned size;		/* bytes per register: 1, 2, 4, 8, 16 */
	unsigned rt, rt2, rn;	/* rn 31: SP */
	int64_t offset;		/* added to the base (for post-index: after) */
	bool writeback;		/* base updated to base + offset */
	bool post;		/* the access uses the base as it was */
	bool reg_offset;	/* the offset is register rm, extended... */
	unsigned rm, extend, shift;	/* ...by option and shifted by shift */
};

/*
 * Decode `insn` as a load/store of general-purpose or SIMD&FP registers
 * (immediate offset, unscaled, pre- and post-index, register offset,
 * literal, pairs): true and *a filled; false for anything else (exclusive,
 * atomic, acquire/release, multiple structures...).
 */
bool a64_decode_ldst(uint32_t insn, struct a64_access *a);

/* The value of the register offset `rm` as the access extends it. */
uint64_t a64_extend(const struct a64_access *a, uint64_t rm);

/* The stage-1 state of EL1 the translation needs. */
struct a64_mmu {
	uint64_t sctlr, tcr, ttbr0, ttbr1;
};

/*
 * Guest-virtual `va` to guest-physical (IPA) through the EL1&0 stage-1
 * tables (MMU off: the same address).  4 KiB granules; false when the
 * address is not mapped or the tables use another granule.
 */
bool a64_translate(const struct a64_mmu *m, uint64_t va, guest_mem_fn mem,
		   void *opaque, uint64_t *ipa);

/* The instruction at guest-virtual `pc`. */
bool a64_fetch(const struct a64_mmu *m, uint64_t pc, guest_mem_fn mem,
	       void *opaque, uint32_t *insn);

#endif
