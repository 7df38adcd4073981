/*
 * Between the code generator's files: jit.c (blocks, their buffer, the
 * glue to C) and jit_insn.c (one guest instruction at a time).
 */
#ifndef NORVM_SOFT_JIT_EMIT_H
#define NORVM_SOFT_JIT_EMIT_H

#include <stddef.h>

#include "cpu.h"
#include "x86.h"

#define JIT_MAX_INSNS	128

/* Exits of a block that go back to C, emitted after its body. */
struct stub {
	size_t at, at2;		/* the rel32s that jump here (at2 0: one) */
	enum { STUB_SIDE, STUB_CHAIN, STUB_FAR, STUB_BUDGET, STUB_LOOP,
	       STUB_TLB } kind;
	uint64_t pc;
	unsigned done;		/* instructions completed (side exits) */
	uint32_t dirty;		/* cached registers to write back */
	const struct insn *in;	/* STUB_TLB: the access, and where it */
	size_t back;		/* goes on in the block */
};

struct emit {
	struct x86_code code;	/* into the writable view */
	size_t start;		/* the block's code */
	uint64_t pc0;		/* the block's first instruction */
	unsigned n;		/* ...and how many it has */
	uint64_t pcs[JIT_MAX_INSNS];	/* each one's pc, in the order run */
	size_t loop_head;	/* after the prologue: where a self-loop goes */
	size_t exit_plain, jump_lookup;
	int8_t host[33];	/* guest register -> host register, or -1 */
	bool ram;		/* accesses try hart.ram_* before the TLB */
	uint32_t dirty;		/* cached guest registers written so far */
	unsigned nstubs;
	struct stub stubs[2 * JIT_MAX_INSNS + 4];	/* two per access at most */
};

/* Guest registers: cached in a host register, or in struct hart. */
static inline int32_t xoff(unsigned r)
{
	return (int32_t)(offsetof(struct hart, x) + 8 * r);
}

/* pc + imm: AUIPC's value, a direct jump's or branch's target. */
static inline uint64_t pc_imm(const struct insn *in, uint64_t pc)
{
	return pc + (uint64_t)(int64_t)in->imm;
}

/* jit_insn.c */
/* Does the generator translate it (ops.h); does it end a block? */
bool translates(const struct insn *in);
bool ends_block(const struct insn *in);
/* The guest registers it reads and writes, as bit masks. */
void regs_of(const struct insn *in, uint32_t *rd, uint32_t *wr);
/* One instruction, the k-th of the block, at pc. */
void emit_insn(struct emit *e, const struct insn *in, uint64_t pc, unsigned k);
/* The TLB lookup of a load or store that missed the RAM window. */
size_t tlb_access(struct emit *e, const struct insn *in);
/* Store the cached guest registers in dirty to struct hart. */
void write_back(struct emit *e, uint32_t dirty);
/* Leave the block for pc (condition cc, or always when cc < 0). */
void exit_to(struct emit *e, int cc, uint64_t from, uint64_t pc);
/* A side exit to C, emitted after the block's body. */
void add_stub(struct emit *e, size_t at, int kind, uint64_t pc, unsigned done);

#endif
