/*
 * The x86-64 code generator (jit.h).  Register use in generated code:
 *
 *   rbx        the hart (struct hart; x[] at offset 0)
 *   r13        instructions of budget left
 *   rax, rcx, rdx  scratch
 *   rbp rsi rdi r8-r12 r14 r15  guest registers a block caches
 *
 * Entered from C through a trampoline that saves the callee-saved
 * registers; left through one of two epilogues with the next pc in rax:
 * `exit_plain`, or `exit_chain` with rcx pointing at the rel32 of the
 * jump that was taken, which jit_link() later points at the target block.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpu.h"
#include "jit.h"

#if defined(__x86_64__) && defined(__linux__)

#define JIT_BUF_SIZE	(16u << 20)	/* the default */
#define JIT_MAX_INSNS	128
#define JIT_ROOM	(48u << 10)	/* more than one block can need */

struct jit {
	int fd;
	uint8_t *w, *x;		/* one buffer: writable view, executable view */
	size_t size, used, start;
	size_t enter, exit_plain, exit_chain, jump_lookup;
	struct jit_stats stats;
};

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
       R8, R9, R10, R11, R12, R13, R14, R15 };

/* Host registers that hold guest registers, in the order they are given. */
static const uint8_t cache_regs[] = { RSI, RDI, R8, R9, R10, R11, RBP, R12, R14, R15 };
#define NCACHE (sizeof(cache_regs))

/* x86 condition codes. */
enum { CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_A = 7, CC_L = 0xc, CC_GE = 0xd };

/* Opcodes: `op reg, r/m` forms unless said otherwise. */
enum {
	X_ADD = 0x03, X_OR = 0x0b, X_AND = 0x23, X_SUB = 0x2b, X_XOR = 0x33,
	X_CMP = 0x3b, X_MOV = 0x8b, X_STORE = 0x89, X_STORE8 = 0x88,
	X_LEA = 0x8d, X_MOVSXD = 0x63, X_IMUL = 0x0faf, X_TEST = 0x85,
	X_MOVZX8 = 0x0fb6, X_MOVZX16 = 0x0fb7, X_MOVSX8 = 0x0fbe,
	X_MOVSX16 = 0x0fbf,
};
/* The /n of the immediate and shift groups. */
enum { G_ADD = 0, G_OR = 1, G_AND = 4, G_SUB = 5, G_XOR = 6, G_CMP = 7 };
enum { S_SHL = 4, S_SHR = 5, S_SAR = 7 };

#define NOREG (-1)

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
	uint8_t *buf;		/* the writable view */
	size_t pos;
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

static void b1(struct emit *e, unsigned v)
{
	e->buf[e->pos++] = (uint8_t)v;
}

static void b4(struct emit *e, uint32_t v)
{
	memcpy(e->buf + e->pos, &v, 4);
	e->pos += 4;
}

static void b8(struct emit *e, uint64_t v)
{
	memcpy(e->buf + e->pos, &v, 8);
	e->pos += 8;
}

static bool fits8(int64_t v)
{
	return v >= -128 && v <= 127;
}

static bool fits32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

static void rex(struct emit *e, bool w, unsigned reg, unsigned index,
		unsigned base, bool force)
{
	unsigned v = 0x40 | (unsigned)w << 3 | (reg >> 3 & 1) << 2 |
		     (index >> 3 & 1) << 1 | (base >> 3 & 1);

	if (v != 0x40 || force)
		b1(e, v);
}

static void opcode(struct emit *e, unsigned opc)
{
	if (opc > 0xff)
		b1(e, opc >> 8);
	b1(e, opc & 0xff);
}

/* op reg, rm (both registers); byte: rm is a byte register. */
static void op_rr(struct emit *e, bool w, unsigned opc, unsigned reg, unsigned rm)
{
	rex(e, w, reg, 0, rm, false);
	opcode(e, opc);
	b1(e, 0xc0 | (reg & 7) << 3 | (rm & 7));
}

/* op reg, [base + index + disp]. */
static void op_rm(struct emit *e, bool w, unsigned opc, unsigned reg,
		  unsigned base, int index, int32_t disp)
{
	unsigned mod = disp == 0 && (base & 7) != RBP ? 0 : fits8(disp) ? 1 : 2;

	rex(e, w, reg, index < 0 ? 0 : (unsigned)index, base,
	    opc == X_STORE8 && reg >= RSP);
	opcode(e, opc);
	if (index >= 0 || (base & 7) == RSP) {
		b1(e, mod << 6 | (reg & 7) << 3 | 4);
		b1(e, (unsigned)(index >= 0 ? index & 7 : RSP) << 3 | (base & 7));
	} else {
		b1(e, mod << 6 | (reg & 7) << 3 | (base & 7));
	}
	if (mod == 1)
		b1(e, (uint8_t)disp);
	else if (mod == 2)
		b4(e, (uint32_t)disp);
}

/* The immediate group: op reg, imm (sign-extended imm32). */
static void op_ri(struct emit *e, bool w, unsigned grp, unsigned reg, int32_t imm)
{
	rex(e, w, 0, 0, reg, false);
	b1(e, fits8(imm) ? 0x83 : 0x81);
	b1(e, 0xc0 | grp << 3 | (reg & 7));
	if (fits8(imm))
		b1(e, (uint8_t)imm);
	else
		b4(e, (uint32_t)imm);
}

static void shift_ri(struct emit *e, bool w, unsigned grp, unsigned reg, unsigned n)
{
	rex(e, w, 0, 0, reg, false);
	b1(e, 0xc1);
	b1(e, 0xc0 | grp << 3 | (reg & 7));
	b1(e, n);
}

static void shift_cl(struct emit *e, bool w, unsigned grp, unsigned reg)
{
	rex(e, w, 0, 0, reg, false);
	b1(e, 0xd3);
	b1(e, 0xc0 | grp << 3 | (reg & 7));
}

static void mov_ri(struct emit *e, unsigned reg, uint64_t v)
{
	if (v <= UINT32_MAX) {			/* mov r32, imm32 */
		rex(e, false, 0, 0, reg, false);
		b1(e, 0xb8 + (reg & 7));
		b4(e, (uint32_t)v);
	} else if (fits32((int64_t)v)) {	/* mov r/m64, simm32 */
		rex(e, true, 0, 0, reg, false);
		b1(e, 0xc7);
		b1(e, 0xc0 | (reg & 7));
		b4(e, (uint32_t)v);
	} else {
		rex(e, true, 0, 0, reg, false);
		b1(e, 0xb8 + (reg & 7));
		b8(e, v);
	}
}

/* setcc cl; movzx eax, cl */
static void setcc_rax(struct emit *e, unsigned cc)
{
	b1(e, 0x0f);
	b1(e, 0x90 + cc);
	b1(e, 0xc0 | RCX);
	op_rr(e, false, X_MOVZX8, RAX, RCX);
}

/* A rel32 jump or jcc to be resolved later; returns where its rel32 is. */
static size_t jump(struct emit *e, int cc)
{
	if (cc < 0) {
		b1(e, 0xe9);
	} else {
		b1(e, 0x0f);
		b1(e, 0x80 + (unsigned)cc);
	}
	b4(e, 0);
	return e->pos - 4;
}

static void resolve(struct emit *e, size_t at, size_t target)
{
	uint32_t rel = (uint32_t)(int32_t)((int64_t)target - (int64_t)(at + 4));

	memcpy(e->buf + at, &rel, 4);
}

static void add_stub(struct emit *e, size_t at, int kind, uint64_t pc,
		     unsigned done)
{
	e->stubs[e->nstubs++] = (struct stub){
		.at = at, .kind = kind, .pc = pc, .done = done, .dirty = e->dirty,
	};
}

/* Guest registers: cached in a host register, or in struct hart. */
static int32_t xoff(unsigned r)
{
	return (int32_t)(offsetof(struct hart, x) + 8 * r);
}

static void get(struct emit *e, unsigned hr, unsigned r)
{
	if (r == 0)
		op_rr(e, false, X_XOR, hr, hr);
	else if (e->host[r] >= 0)
		op_rr(e, true, X_MOV, hr, (unsigned)e->host[r]);
	else
		op_rm(e, true, X_MOV, hr, RBX, NOREG, xoff(r));
}

static void put(struct emit *e, unsigned r, unsigned hr)
{
	if (r == REG_SINK)
		return;
	if (e->host[r] >= 0) {
		op_rr(e, true, X_MOV, (unsigned)e->host[r], hr);
		e->dirty |= 1u << r;
	} else {
		op_rm(e, true, X_STORE, hr, RBX, NOREG, xoff(r));
	}
}

/* hr = hr OP guest register r. */
static void op_g(struct emit *e, bool w, unsigned opc, unsigned hr, unsigned r)
{
	if (r == 0) {
		op_rr(e, false, X_XOR, RCX, RCX);
		op_rr(e, w, opc, hr, RCX);
	} else if (e->host[r] >= 0) {
		op_rr(e, w, opc, hr, (unsigned)e->host[r]);
	} else {
		op_rm(e, w, opc, hr, RBX, NOREG, xoff(r));
	}
}

static void write_back(struct emit *e, uint32_t dirty)
{
	for (unsigned r = 1; r < 32; r++)
		if (dirty & (1u << r))
			op_rm(e, true, X_STORE, (unsigned)e->host[r], RBX, NOREG,
			      xoff(r));
}

/* pc + imm: AUIPC's value, a direct jump's or branch's target. */
static uint64_t pc_imm(const struct insn *in, uint64_t pc)
{
	return pc + (uint64_t)(int64_t)in->imm;
}

/*
 * The host register that holds guest register r: r's own when the block
 * caches it, else `scratch`, loaded.
 */
static unsigned reg_of(struct emit *e, unsigned r, unsigned scratch)
{
	if (r && e->host[r] >= 0)
		return (unsigned)e->host[r];
	get(e, scratch, r);
	return scratch;
}

/* What the generator knows, and what ends a block. */
static bool known(const struct insn *in)
{
	switch (in->op) {
	case OP_AUIPC: case OP_JAL: case OP_JALR:
	case OP_BEQ: case OP_BNE: case OP_BLT: case OP_BGE: case OP_BLTU:
	case OP_BGEU:
	case OP_LB: case OP_LH: case OP_LW: case OP_LD: case OP_LBU:
	case OP_LHU: case OP_LWU:
	case OP_SB: case OP_SH: case OP_SW: case OP_SD:
	case OP_ADDI: case OP_SLTI: case OP_SLTIU: case OP_XORI: case OP_ORI:
	case OP_ANDI: case OP_SLLI: case OP_SRLI: case OP_SRAI:
	case OP_ADD: case OP_SUB: case OP_SLL: case OP_SLT: case OP_SLTU:
	case OP_XOR: case OP_SRL: case OP_SRA: case OP_OR: case OP_AND:
	case OP_ADDIW: case OP_SLLIW: case OP_SRLIW: case OP_SRAIW:
	case OP_ADDW: case OP_SUBW: case OP_SLLW: case OP_SRLW: case OP_SRAW:
	case OP_MUL: case OP_MULH: case OP_MULHU: case OP_MULW:
	case OP_FENCE:
		return true;
	default:
		return false;
	}
}

static bool ends_block(const struct insn *in)
{
	return in->op == OP_JAL || in->op == OP_JALR ||
	       (in->op >= OP_BEQ && in->op <= OP_BGEU);
}

static bool is_store(const struct insn *in)
{
	return in->op >= OP_SB && in->op <= OP_SD;
}

/* Guest registers an instruction reads and writes. */
static void regs_of(const struct insn *in, uint32_t *rd, uint32_t *wr)
{
	bool two = (in->op >= OP_BEQ && in->op <= OP_BGEU) || is_store(in) ||
		   (in->op >= OP_ADD && in->op <= OP_AND) ||
		   (in->op >= OP_ADDW && in->op <= OP_SRAW) ||
		   in->op == OP_MUL || in->op == OP_MULH ||
		   in->op == OP_MULHU || in->op == OP_MULW;
	bool one = two || (in->op != OP_AUIPC && in->op != OP_JAL &&
			    in->op != OP_FENCE);
	bool writes = !(in->op >= OP_BEQ && in->op <= OP_BGEU) &&
		      !is_store(in) && in->op != OP_FENCE;

	*rd = (one ? 1u << in->rs1 : 0) | (two ? 1u << in->rs2 : 0);
	*wr = writes && in->rd < 32 ? 1u << in->rd : 0;
	*rd &= ~1u;
}

/*
 * Where an instruction computes rd: rd's host register when the block
 * caches rd, unless writing it first would lose rs2 before it is read.
 */
static unsigned dest(const struct emit *e, const struct insn *in, bool reads_rs2)
{
	if (in->rd == REG_SINK || e->host[in->rd] < 0 ||
	    (reads_rs2 && in->rd == in->rs2 && in->rs1 != in->rs2))
		return RAX;
	return (unsigned)e->host[in->rd];
}

/* get() into d, unless d is where r is cached already. */
static void get_into(struct emit *e, unsigned d, unsigned r)
{
	if (r == 0 || e->host[r] != (int8_t)d)
		get(e, d, r);
}

/* The W forms' sign extension, then rd holds the result. */
static void finish(struct emit *e, const struct insn *in, unsigned d, bool w)
{
	if (!w)
		op_rr(e, true, X_MOVSXD, d, d);
	if (d == RAX)
		put(e, in->rd, RAX);
	else
		e->dirty |= 1u << in->rd;
}

static const uint8_t access_size[] = {
	[OP_LB] = 1, [OP_LH] = 2, [OP_LW] = 4, [OP_LD] = 8,
	[OP_LBU] = 1, [OP_LHU] = 2, [OP_LWU] = 4,
	[OP_SB] = 1, [OP_SH] = 2, [OP_SW] = 4, [OP_SD] = 8,
};

/*
 * The access itself, at [rax + index] (index: a register, or NOREG when
 * rax holds the whole address): a load into rd (its host register, or
 * rax then stored), a store of rs2 (its host register, or `spare`).
 */
static void emit_access(struct emit *e, const struct insn *in, int index,
			unsigned spare)
{
	unsigned d;

	if (is_store(in)) {
		unsigned v = reg_of(e, in->rs2, spare);

		if (in->op == OP_SH)
			b1(e, 0x66);
		op_rm(e, in->op == OP_SD, in->op == OP_SB ? X_STORE8 : X_STORE,
		      v, RAX, index, 0);
		return;
	}
	d = dest(e, in, false);
	switch (in->op) {
	case OP_LB: op_rm(e, true, X_MOVSX8, d, RAX, index, 0); break;
	case OP_LH: op_rm(e, true, X_MOVSX16, d, RAX, index, 0); break;
	case OP_LW: op_rm(e, true, X_MOVSXD, d, RAX, index, 0); break;
	case OP_LD: op_rm(e, true, X_MOV, d, RAX, index, 0); break;
	case OP_LBU: op_rm(e, false, X_MOVZX8, d, RAX, index, 0); break;
	case OP_LHU: op_rm(e, false, X_MOVZX16, d, RAX, index, 0); break;
	default: op_rm(e, false, X_MOV, d, RAX, index, 0); break;	/* LWU */
	}
	finish(e, in, d, true);
}

/*
 * The TLB path, the guest address in rdx: the entry's tag is the page's
 * virtual address, compared with the address masked to its page and its
 * low bits below the access size, so one comparison finds a miss and a
 * misaligned access (both leave for the interpreter, page crossings
 * included); a hit accesses [addend + address].  Jumps to a side exit
 * (returned) on a miss.
 */
static size_t tlb_access(struct emit *e, const struct insn *in)
{
	unsigned n = access_size[in->op];
	int32_t tlb = is_store(in) ? (int32_t)offsetof(struct hart, tlb_w) :
				     (int32_t)offsetof(struct hart, tlb_r);
	size_t miss;

	_Static_assert(sizeof(struct tlb_entry) == 16 && TLB_SIZE == 256,
		       "the TLB index below is (va >> 12 & 255) * 16");
	op_rr(e, false, X_MOV, RCX, RDX);
	shift_ri(e, false, S_SHR, RCX, PAGE_SHIFT - 4);
	op_ri(e, false, G_AND, RCX, (TLB_SIZE - 1) << 4);
	op_rr(e, true, X_MOV, RAX, RDX);
	op_ri(e, true, G_AND, RAX, (int32_t)(~PAGE_MASK | (n - 1)));
	op_rm(e, true, X_CMP, RAX, RBX, RCX, tlb);
	miss = jump(e, CC_NE);
	op_rm(e, true, X_MOV, RAX, RBX, RCX, tlb + 8);
	emit_access(e, in, RDX, RCX);
	return miss;
}

#define HART_OFF(f) ((int32_t)offsetof(struct hart, f))

/*
 * A load or store, rs1 + imm into rdx first.  In a block made while the
 * hart had its RAM window (hart.ram_*), an address in it is accessed
 * there directly, and the TLB path is out of line; otherwise the TLB
 * path is inline.  Either way a miss leaves for the interpreter at this
 * instruction, writing back only what was written before it: the access
 * has not happened, and a load's destination register holds nothing yet.
 */
static void emit_mem(struct emit *e, const struct insn *in, uint64_t pc,
		     unsigned k)
{
	uint32_t before = e->dirty;

	op_rm(e, true, X_LEA, RDX, reg_of(e, in->rs1, RAX), NOREG, in->imm);
	if (!e->ram) {
		add_stub(e, tlb_access(e, in), STUB_SIDE, pc, k);
		e->stubs[e->nstubs - 1].dirty = before;
		return;
	}
	op_rr(e, true, X_MOV, RCX, RDX);
	op_rm(e, true, X_SUB, RCX, RBX, NOREG, HART_OFF(ram_lo));
	op_rm(e, true, X_CMP, RCX, RBX, NOREG, HART_OFF(ram_end));
	add_stub(e, jump(e, CC_AE), STUB_TLB, pc, k);
	e->stubs[e->nstubs - 1].in = in;
	op_rm(e, true, X_MOV, RAX, RBX, NOREG, HART_OFF(ram_host));
	emit_access(e, in, RCX, RDX);
	e->stubs[e->nstubs - 1].back = e->pos;
}

/* rd = rs1 OP rs2, on 64 or (W) 32 bits. */
static void emit_rr(struct emit *e, const struct insn *in, bool w, unsigned opc)
{
	unsigned d = dest(e, in, true);

	get_into(e, d, in->rs1);
	op_g(e, w, opc, d, in->rs2);
	finish(e, in, d, w);
}

static void emit_shift(struct emit *e, const struct insn *in, bool w,
		       unsigned grp, bool by_reg)
{
	unsigned d;

	if (by_reg)
		get(e, RCX, in->rs2);
	d = dest(e, in, false);
	get_into(e, d, in->rs1);
	if (by_reg)
		shift_cl(e, w, grp, d);
	else
		shift_ri(e, w, grp, d, (unsigned)in->imm);
	finish(e, in, d, w);
}

static void emit_ri(struct emit *e, const struct insn *in, bool w, unsigned grp)
{
	unsigned d = dest(e, in, false);

	if (w && grp == G_AND && (in->imm == 0xff || in->imm == 0xffff) &&
	    in->rs1 && e->host[in->rs1] >= 0) {
		/* movzx d, rs1's low byte or word (REX: sil, dil) */
		unsigned r = (unsigned)e->host[in->rs1];

		rex(e, false, d, 0, r, in->imm == 0xff);
		opcode(e, in->imm == 0xff ? X_MOVZX8 : X_MOVZX16);
		b1(e, 0xc0 | (d & 7) << 3 | (r & 7));
	} else if (w && grp == G_ADD && in->imm && in->rs1 && e->host[in->rs1] >= 0 &&
	    d != (unsigned)e->host[in->rs1]) {
		/* lea d, [rs1 + imm] */
		op_rm(e, true, X_LEA, d, (unsigned)e->host[in->rs1], NOREG, in->imm);
	} else {
		get_into(e, d, in->rs1);
		if (in->imm || grp == G_AND)
			op_ri(e, w, grp, d, in->imm);
	}
	finish(e, in, d, w);
}

static void emit_slt(struct emit *e, const struct insn *in, unsigned cc, bool imm)
{
	get(e, RAX, in->rs1);
	if (imm)
		op_ri(e, true, G_CMP, RAX, in->imm);
	else
		op_g(e, true, X_CMP, RAX, in->rs2);
	setcc_rax(e, cc);
	put(e, in->rd, RAX);
}

/* The high half of rs1 * rs2: F7 /5 (imul) or /4 (mul) of rcx. */
static void emit_mulh(struct emit *e, const struct insn *in, unsigned grp)
{
	get(e, RCX, in->rs2);
	get(e, RAX, in->rs1);
	rex(e, true, 0, 0, RCX, false);
	b1(e, 0xf7);
	b1(e, 0xc0 | grp << 3 | RCX);
	put(e, in->rd, RDX);
}

/*
 * x86-64 orders loads with loads, stores with stores and loads before
 * stores (TSO), and device accesses leave generated code anyway; a FENCE
 * needs an mfence only when it orders stores (W, O) before loads (R, I),
 * and FENCE.TSO (fm 8) never does.
 */
static bool fence_needs_mfence(uint32_t fm_pred_succ)
{
	unsigned fm = fm_pred_succ >> 8 & 0xf, pred = fm_pred_succ >> 4 & 0xf;
	unsigned succ = fm_pred_succ & 0xf;

	return fm != 8 && (pred & 0x5) && (succ & 0xa);
}

/* The flags of rs1 - rs2, for a branch. */
static void compare(struct emit *e, unsigned rs1, unsigned rs2)
{
	unsigned a = reg_of(e, rs1, RAX);

	if (rs2 == 0)
		op_rr(e, true, X_TEST, a, a);	/* as cmp a, 0 */
	else
		op_g(e, true, X_CMP, a, rs2);
}

/*
 * Back to the start of this block: the guest registers stay where they
 * are, past the prologue that loaded them; the budget is charged again.
 */
static void loop_back(struct emit *e)
{
	op_ri(e, true, G_SUB, R13, (int32_t)e->n);
	add_stub(e, jump(e, CC_B), STUB_LOOP, e->pc0, 0);
	resolve(e, jump(e, -1), e->loop_head);
}

/*
 * An exit to pc: in the same page, through a jump jit_link() may point at
 * its block; elsewhere through the jump table.
 */
static void exit_to(struct emit *e, int cc, uint64_t from, uint64_t pc)
{
	bool near = (pc & ~PAGE_MASK) == (from & ~PAGE_MASK);

	add_stub(e, jump(e, cc), near ? STUB_CHAIN : STUB_FAR, pc, 0);
}

static void emit_insn(struct emit *e, const struct insn *in, uint64_t pc,
		      unsigned k)
{
	static const uint8_t branch_cc[] = {
		[OP_BEQ] = CC_E, [OP_BNE] = CC_NE, [OP_BLT] = CC_L,
		[OP_BGE] = CC_GE, [OP_BLTU] = CC_B, [OP_BGEU] = CC_AE,
	};

	switch (in->op) {
	case OP_ADDI: emit_ri(e, in, true, G_ADD); break;
	case OP_AUIPC:
		mov_ri(e, RAX, pc_imm(in, pc));
		put(e, in->rd, RAX);
		break;
	case OP_SLTI: emit_slt(e, in, CC_L, true); break;
	case OP_SLTIU: emit_slt(e, in, CC_B, true); break;
	case OP_SLT: emit_slt(e, in, CC_L, false); break;
	case OP_SLTU: emit_slt(e, in, CC_B, false); break;
	case OP_XORI: emit_ri(e, in, true, G_XOR); break;
	case OP_ORI: emit_ri(e, in, true, G_OR); break;
	case OP_ANDI: emit_ri(e, in, true, G_AND); break;
	case OP_ADDIW: emit_ri(e, in, false, G_ADD); break;
	case OP_SLLI: emit_shift(e, in, true, S_SHL, false); break;
	case OP_SRLI: emit_shift(e, in, true, S_SHR, false); break;
	case OP_SRAI: emit_shift(e, in, true, S_SAR, false); break;
	case OP_SLLIW: emit_shift(e, in, false, S_SHL, false); break;
	case OP_SRLIW: emit_shift(e, in, false, S_SHR, false); break;
	case OP_SRAIW: emit_shift(e, in, false, S_SAR, false); break;
	case OP_SLL: emit_shift(e, in, true, S_SHL, true); break;
	case OP_SRL: emit_shift(e, in, true, S_SHR, true); break;
	case OP_SRA: emit_shift(e, in, true, S_SAR, true); break;
	case OP_SLLW: emit_shift(e, in, false, S_SHL, true); break;
	case OP_SRLW: emit_shift(e, in, false, S_SHR, true); break;
	case OP_SRAW: emit_shift(e, in, false, S_SAR, true); break;
	case OP_ADD: emit_rr(e, in, true, X_ADD); break;
	case OP_SUB: emit_rr(e, in, true, X_SUB); break;
	case OP_XOR: emit_rr(e, in, true, X_XOR); break;
	case OP_OR: emit_rr(e, in, true, X_OR); break;
	case OP_AND: emit_rr(e, in, true, X_AND); break;
	case OP_ADDW: emit_rr(e, in, false, X_ADD); break;
	case OP_SUBW: emit_rr(e, in, false, X_SUB); break;
	case OP_MUL: emit_rr(e, in, true, X_IMUL); break;
	case OP_MULW: emit_rr(e, in, false, X_IMUL); break;
	case OP_MULH: emit_mulh(e, in, 5); break;
	case OP_MULHU: emit_mulh(e, in, 4); break;
	case OP_FENCE:
		/* The host keeps every order but a store before a load. */
		if (fence_needs_mfence((uint32_t)in->imm)) {
			b1(e, 0x0f); b1(e, 0xae); b1(e, 0xf0);	/* mfence */
		}
		break;
	case OP_JAL:
		if (in->rd != REG_SINK) {
			mov_ri(e, RAX, pc + in->len);
			put(e, in->rd, RAX);
		}
		if (pc_imm(in, pc) == e->pc0) {
			loop_back(e);
			break;
		}
		if (k + 1 < e->n && e->pcs[k + 1] == pc_imm(in, pc))
			break;	/* the block goes on at the target */
		write_back(e, e->dirty);
		e->dirty = 0;
		exit_to(e, -1, pc, pc_imm(in, pc));
		break;
	case OP_JALR:	/* through the jump table, the target in rax */
		get(e, RAX, in->rs1);
		if (in->imm)
			op_ri(e, true, G_ADD, RAX, in->imm);
		op_ri(e, true, G_AND, RAX, -2);
		mov_ri(e, RCX, pc + in->len);
		put(e, in->rd, RCX);
		write_back(e, e->dirty);
		e->dirty = 0;
		resolve(e, jump(e, -1), e->jump_lookup);
		break;
	case OP_BEQ: case OP_BNE: case OP_BLT: case OP_BGE: case OP_BLTU:
	case OP_BGEU:
		compare(e, in->rs1, in->rs2);
		if (pc_imm(in, pc) == e->pc0) {
			/* A loop: taken stays here, falling through leaves. */
			size_t out = jump(e, branch_cc[in->op] ^ 1);

			loop_back(e);
			resolve(e, out, e->pos);
		} else {
			write_back(e, e->dirty);	/* mov keeps the flags */
			exit_to(e, branch_cc[in->op], pc,
				pc_imm(in, pc));
		}
		write_back(e, e->dirty);
		e->dirty = 0;
		exit_to(e, -1, pc, pc + in->len);
		break;
	default:
		emit_mem(e, in, pc, k);
		break;
	}
}

/* Decode the entry at page offset `off` if need be; false: not cacheable. */
static bool decode_at(struct hart *h, struct insn *in, unsigned off)
{
	uint16_t lo;
	uint32_t bits;

	if (in->op != OP_UNDECODED)
		return true;
	guest_read(&lo, h->win_host + off, 2);
	bits = lo;
	if ((lo & 3) == 3) {
		if (off == PAGE_SIZE - 2)
			return false;
		guest_read(&bits, h->win_host + off, 4);
	}
	decode(in, bits);
	return true;
}

/* Does the block's last instruction, at pc, jump to the block's start? */
static bool loops_to_itself(const struct insn *in, uint64_t pc, uint64_t start)
{
	bool direct = in->op == OP_JAL || (in->op >= OP_BEQ && in->op <= OP_BGEU);

	return direct && pc_imm(in, pc) == start;
}

/* Pick host registers for the guest registers the block uses most. */
static void allocate(struct emit *e, struct insn *const *ins, unsigned n,
		     uint32_t *live_in, uint32_t *written)
{
	unsigned uses[32] = { 0 };

	*live_in = *written = 0;
	for (unsigned k = 0; k < n; k++) {
		uint32_t rd, wr;

		regs_of(ins[k], &rd, &wr);
		*live_in |= rd & ~*written;
		*written |= wr;
		for (unsigned r = 1; r < 32; r++)
			uses[r] += !!(rd & (1u << r)) + !!(wr & (1u << r));
	}
	memset(e->host, -1, sizeof(e->host));
	for (unsigned i = 0; i < NCACHE; i++) {
		unsigned best = 0;

		for (unsigned r = 1; r < 32; r++)
			if (uses[r] > uses[best])
				best = r;
		if (!uses[best])
			break;
		/* Used once: a cache would cost more than it saves. */
		if (uses[best] < 2)
			break;
		e->host[best] = (int8_t)cache_regs[i];
		uses[best] = 0;
	}
}

static void emit_stubs(struct jit *j, struct emit *e, uint64_t pc0, unsigned n)
{
	for (unsigned i = 0; i < e->nstubs; i++) {
		struct stub *s = &e->stubs[i];

		resolve(e, s->at, e->pos);
		if (s->at2)
			resolve(e, s->at2, e->pos);
		if (s->kind == STUB_TLB) {
			/* Not an exit: the TLB path, then back to the block;
			 * its miss is one more stub, emitted in its turn. */
			size_t miss;

			e->dirty = s->dirty;
			miss = tlb_access(e, s->in);
			resolve(e, jump(e, -1), s->back);
			add_stub(e, miss, STUB_SIDE, s->pc, s->done);
			e->stubs[e->nstubs - 1].dirty = s->dirty;
			continue;
		}
		write_back(e, s->dirty);
		switch (s->kind) {
		case STUB_LOOP:		/* s->dirty: what the loop writes */
		case STUB_BUDGET:
			op_ri(e, true, G_ADD, R13, (int32_t)n);
			mov_ri(e, RAX, pc0);
			resolve(e, jump(e, -1), j->exit_plain);
			break;
		case STUB_SIDE:
			/* Give back what the block charged and did not run. */
			op_ri(e, true, G_ADD, R13, (int32_t)(n - s->done));
			mov_ri(e, RAX, s->pc);
			resolve(e, jump(e, -1), j->exit_plain);
			break;
		case STUB_CHAIN:
			mov_ri(e, RAX, s->pc);
			/* lea rcx, [rip + rel32 of the jump taken] */
			b1(e, 0x48); b1(e, 0x8d); b1(e, 0x0d);
			b4(e, (uint32_t)(int32_t)((int64_t)s->at - (int64_t)(e->pos + 4)));
			/* lea rdx, [rip + the block's code] */
			b1(e, 0x48); b1(e, 0x8d); b1(e, 0x15);
			b4(e, (uint32_t)(int32_t)((int64_t)e->start - (int64_t)(e->pos + 4)));
			resolve(e, jump(e, -1), j->exit_chain);
			break;
		case STUB_FAR:
			mov_ri(e, RAX, s->pc);
			resolve(e, jump(e, -1), j->jump_lookup);
			break;
		case STUB_TLB:
			break;
		}
	}
}

/*
 * Whether the block, n instructions so far, goes on at `to` after a jump:
 * same page, not its start (that is a loop), not taken in already, and
 * an instruction the generator knows is there.
 */
static bool follow(struct hart *h, struct emit *e, struct insn *page,
		   unsigned n, uint64_t to)
{
	struct insn *c = page + ((to & PAGE_MASK) >> 1);

	if ((to & ~PAGE_MASK) != (e->pcs[0] & ~PAGE_MASK) || n == JIT_MAX_INSNS)
		return false;
	for (unsigned k = 0; k < n; k++)
		if (e->pcs[k] == to)
			return false;
	return decode_at(h, c, (unsigned)(to & PAGE_MASK)) && known(c);
}

static void flush(struct hart *h, struct jit *j)
{
	j->used = j->start;
	j->stats.flushes++;
	h->code_gen++;
	h->jit_jump_gen++;
	h->win_base = WIN_NONE;
}

bool jit_translate(struct hart *h, struct insn *in, uint64_t pc)
{
	struct jit *j = h->jit;
	struct insn *ins[JIT_MAX_INSNS];
	struct insn *page = in - ((pc & PAGE_MASK) >> 1);
	struct emit em, *e = &em;
	uint64_t next = pc;
	uint32_t live_in, written;
	unsigned n = 0;

	if (j->size - j->used < JIT_ROOM) {
		flush(h, j);
		return false;
	}
	/*
	 * Gather the block.  A jump to elsewhere in the page is followed
	 * (once per target), so a loop whose body jumps back to a test at
	 * its top becomes one block that loops to itself.
	 */
	while (n < JIT_MAX_INSNS) {
		struct insn *c = page + ((next & PAGE_MASK) >> 1);
		uint64_t to;

		if (!decode_at(h, c, (unsigned)(next & PAGE_MASK)) || !known(c))
			break;
		e->pcs[n] = next;
		ins[n++] = c;
		next += c->len;
		if (c->op == OP_JAL) {
			to = pc_imm(c, next - c->len);
			if (!follow(h, e, page, n, to))
				break;
			next = to;
			continue;
		}
		if (ends_block(c) || (next & PAGE_MASK) == 0)
			break;
	}
	if (!n) {
		in->jit = JIT_NONE;
		return true;
	}
	e->buf = j->w;
	e->exit_plain = j->exit_plain;
	e->jump_lookup = j->jump_lookup;
	e->nstubs = 0;
	e->dirty = 0;
	e->ram = h->ram_end != 0;
	/* A header: the page the block is for, its length; then the code. */
	e->pos = (j->used + 15) & ~(size_t)15;
	_Static_assert(sizeof(struct jit_head) == 16, "the header below");
	b8(e, pc & ~PAGE_MASK);
	b4(e, n);
	b4(e, 0);
	in->jit = (uint32_t)e->pos;
	e->start = e->pos;
	b1(e, 0xf3); b1(e, 0x0f); b1(e, 0x1e); b1(e, 0xfa);	/* endbr64 */
	op_ri(e, true, G_SUB, R13, (int32_t)n);
	add_stub(e, jump(e, CC_B), STUB_BUDGET, pc, 0);
	allocate(e, ins, n, &live_in, &written);
	e->pc0 = pc;
	e->n = n;
	/*
	 * A block that loops to itself keeps the guest registers in host
	 * registers across iterations: all of them are loaded here, and
	 * whatever the block writes counts as written from the start, so
	 * every exit writes it back (the same value at worst).
	 */
	if (loops_to_itself(ins[n - 1], e->pcs[n - 1], pc))
		live_in = ~0u;
	for (unsigned r = 1; r < 32; r++)
		if (e->host[r] >= 0 && (live_in & (1u << r)))
			op_rm(e, true, X_MOV, (unsigned)e->host[r], RBX, NOREG,
			      xoff(r));
	if (live_in == ~0u)
		for (unsigned r = 1; r < 32; r++)
			if (e->host[r] >= 0 && (written & (1u << r)))
				e->dirty |= 1u << r;
	e->loop_head = e->pos;
	for (unsigned k = 0; k < n; k++)
		emit_insn(e, ins[k], e->pcs[k], k);
	if (!ends_block(ins[n - 1])) {
		write_back(e, e->dirty);
		e->dirty = 0;
		exit_to(e, -1, pc, next);
	}
	emit_stubs(j, e, pc, n);
	j->stats.blocks++;
	j->stats.insns += n;
	j->stats.bytes += e->pos - j->used;
	j->used = e->pos;
	return true;
}

unsigned jit_run(struct hart *h, uint32_t block, unsigned left)
{
	struct jit *j = h->jit;
	uint64_t (*enter)(struct hart *, void *, uint64_t);
	void *entry = j->x + j->enter;

	memcpy(&enter, &entry, sizeof(enter));
	return (unsigned)enter(h, j->x + block, left);
}

void jit_note_jump(struct hart *h, uint64_t pc, uint32_t block)
{
	struct jit_jump *t = &h->jit_jumps[(pc >> 1) & (JIT_JUMPS - 1)];

	t->pc = pc;
	t->code = h->jit->x + block;
	t->gen = h->jit_jump_gen;
}

void jit_link(struct hart *h, uint32_t target)
{
	struct jit *j = h->jit;
	size_t at = (size_t)((uint8_t *)h->jit_patch - j->x);
	struct emit e = { .buf = j->w };

	resolve(&e, at, target);
	h->jit_patch = NULL;
}

/* The trampoline in and the two ways out, at the start of the buffer. */
static void emit_glue(struct jit *j)
{
	static const uint8_t saved[] = { RBX, RBP, R12, R13, R14, R15 };
	int32_t jumps = (int32_t)offsetof(struct hart, jit_jumps);
	struct emit e = { .buf = j->w };

	j->exit_plain = e.pos;
	op_rr(&e, false, X_XOR, RCX, RCX);
	j->exit_chain = e.pos;
	op_rm(&e, true, X_STORE, RCX, RBX, NOREG,
	      (int32_t)offsetof(struct hart, jit_patch));
	op_rm(&e, true, X_STORE, RDX, RBX, NOREG,
	      (int32_t)offsetof(struct hart, jit_from));
	op_rm(&e, true, X_STORE, RAX, RBX, NOREG,
	      (int32_t)offsetof(struct hart, pc));
	op_rr(&e, true, X_MOV, RAX, R13);
	for (int i = (int)sizeof(saved) - 1; i >= 0; i--) {
		rex(&e, false, 0, 0, saved[i], false);
		b1(&e, 0x58 + (saved[i] & 7));		/* pop */
	}
	b1(&e, 0xc3);					/* ret */
	e.pos = (e.pos + 15) & ~(size_t)15;
	j->enter = e.pos;
	b1(&e, 0xf3); b1(&e, 0x0f); b1(&e, 0x1e); b1(&e, 0xfa);	/* endbr64 */
	for (unsigned i = 0; i < sizeof(saved); i++) {
		rex(&e, false, 0, 0, saved[i], false);
		b1(&e, 0x50 + (saved[i] & 7));		/* push */
	}
	op_rr(&e, true, X_MOV, RBX, RDI);
	op_rr(&e, true, X_MOV, R13, RDX);
	b1(&e, 0xff); b1(&e, 0xe6);			/* jmp rsi */

	/* The jump table: rax the target pc, guest registers written back. */
	_Static_assert(sizeof(struct jit_jump) == 32 && JIT_JUMPS == 512,
		       "the index below is ((pc >> 1) & 511) * 32");
	e.pos = (e.pos + 15) & ~(size_t)15;
	j->jump_lookup = e.pos;
	op_rr(&e, false, X_MOV, RCX, RAX);
	shift_ri(&e, false, S_SHR, RCX, 1);
	op_ri(&e, false, G_AND, RCX, JIT_JUMPS - 1);
	shift_ri(&e, false, S_SHL, RCX, 5);
	op_rm(&e, true, X_CMP, RAX, RBX, RCX, jumps);
	resolve(&e, jump(&e, CC_NE), j->exit_plain);
	op_rm(&e, true, X_MOV, RDX, RBX, NOREG,
	      (int32_t)offsetof(struct hart, jit_jump_gen));
	op_rm(&e, true, X_CMP, RDX, RBX, RCX, jumps + 16);
	resolve(&e, jump(&e, CC_NE), j->exit_plain);
	op_rm(&e, false, 0xff, 4, RBX, RCX, jumps + 8);	/* jmp [...] */
	j->start = j->used = (e.pos + 15) & ~(size_t)15;
}

bool jit_available(void)
{
	return true;
}

int jit_create(struct hart *h)
{
	struct jit *j = calloc(1, sizeof(*j));
	int err;

	if (!j)
		return -ENOMEM;
	j->size = h->vm->cfg.jit_buffer ? h->vm->cfg.jit_buffer : JIT_BUF_SIZE;
	j->fd = memfd_create("norvm-jit", MFD_CLOEXEC);
	if (j->fd < 0 || ftruncate(j->fd, (off_t)j->size))
		goto fail;
	j->w = mmap(NULL, j->size, PROT_READ | PROT_WRITE, MAP_SHARED, j->fd, 0);
	if (j->w == MAP_FAILED)
		goto fail;
	j->x = mmap(NULL, j->size, PROT_READ | PROT_EXEC, MAP_SHARED, j->fd, 0);
	if (j->x == MAP_FAILED) {
		munmap(j->w, j->size);
		goto fail;
	}
	emit_glue(j);
	h->jit = j;
	h->jit_code = j->x;
	h->jit_threshold = h->vm->cfg.jit_threshold ? h->vm->cfg.jit_threshold :
			   JIT_THRESHOLD;
	return 0;
fail:
	err = -errno;
	if (j->fd >= 0)
		close(j->fd);
	free(j);
	return err;
}

void jit_destroy(struct hart *h)
{
	struct jit *j = h->jit;

	if (!j)
		return;
	munmap(j->w, j->size);
	munmap(j->x, j->size);
	close(j->fd);
	free(j);
	h->jit = NULL;
}

void jit_get_stats(const struct hart *h, struct jit_stats *s)
{
	*s = h->jit ? h->jit->stats : (struct jit_stats){ 0 };
}

#else	/* no code generator for this host: the interpreter runs alone */

bool jit_available(void)
{
	return false;
}

int jit_create(struct hart *h)
{
	return -ENOTSUP;
}

void jit_destroy(struct hart *h)
{
}

bool jit_translate(struct hart *h, struct insn *in, uint64_t pc)
{
	return true;
}

unsigned jit_run(struct hart *h, uint32_t block, unsigned left)
{
	return left;
}

void jit_link(struct hart *h, uint32_t target)
{
}

void jit_note_jump(struct hart *h, uint64_t pc, uint32_t block)
{
}

void jit_get_stats(const struct hart *h, struct jit_stats *s)
{
	*s = (struct jit_stats){ 0 };
}

#endif
