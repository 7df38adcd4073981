/*
 * The code generator's translation of one guest instruction (jit.c drives
 * it): guest registers in host registers or struct hart, loads and stores
 * through the RAM window or the TLB, and the exits a block takes.
 */
#if defined(__x86_64__) && defined(__linux__)

#include <stddef.h>
#include <string.h>

#include "cpu.h"
#include "jit_emit.h"

void add_stub(struct emit *e, size_t at, int kind, uint64_t pc, unsigned done)
{
	e->stubs[e->nstubs++] = (struct stub){
		.at = at, .kind = kind, .pc = pc, .done = done, .dirty = e->dirty,
	};
}

/* Host register hr = guest register r (cached, or in struct hart). */
static void load_guest(struct emit *e, unsigned hr, unsigned r)
{
	if (r == 0)
		op_rr(&e->code, false, X_XOR, hr, hr);
	else if (e->host[r] >= 0)
		op_rr(&e->code, true, X_MOV, hr, (unsigned)e->host[r]);
	else
		op_rm(&e->code, true, X_MOV, hr, RBX, NOREG, xoff(r));
}

/* Guest register r = host register hr. */
static void store_guest(struct emit *e, unsigned r, unsigned hr)
{
	if (r == REG_SINK)
		return;
	if (e->host[r] >= 0) {
		op_rr(&e->code, true, X_MOV, (unsigned)e->host[r], hr);
		e->dirty |= 1u << r;
	} else {
		op_rm(&e->code, true, X_STORE, hr, RBX, NOREG, xoff(r));
	}
}

/* hr = hr OP guest register r. */
static void op_g(struct emit *e, bool w, unsigned opc, unsigned hr, unsigned r)
{
	if (r == 0) {
		op_rr(&e->code, false, X_XOR, RCX, RCX);
		op_rr(&e->code, w, opc, hr, RCX);
	} else if (e->host[r] >= 0) {
		op_rr(&e->code, w, opc, hr, (unsigned)e->host[r]);
	} else {
		op_rm(&e->code, w, opc, hr, RBX, NOREG, xoff(r));
	}
}

void write_back(struct emit *e, uint32_t dirty)
{
	for (unsigned r = 1; r < 32; r++)
		if (dirty & (1u << r))
			op_rm(&e->code, true, X_STORE, (unsigned)e->host[r], RBX, NOREG,
			      xoff(r));
}

/*
 * The host register that holds guest register r: r's own when the block
 * caches it, else `scratch`, loaded.
 */
static unsigned reg_of(struct emit *e, unsigned r, unsigned scratch)
{
	if (r && e->host[r] >= 0)
		return (unsigned)e->host[r];
	load_guest(e, scratch, r);
	return scratch;
}

/* What the generator translates (ops.h), and what ends a block. */
bool translates(const struct insn *in)
{
	static const bool jit[OP_COUNT] = {
#define OP_JIT(NAME, name, regs, j)	[OP_##NAME] = j,
		SOFT_OPS(OP_JIT)
#undef OP_JIT
	};

	return jit[in->op];
}

bool ends_block(const struct insn *in)
{
	return in->op == OP_JAL || in->op == OP_JALR ||
	       op_regs(in->op) == OPR_BR;
}

static bool is_store(const struct insn *in)
{
	return op_regs(in->op) == OPR_ST;
}

/* Guest registers an instruction the generator translates reads and writes. */
void regs_of(const struct insn *in, uint32_t *rd, uint32_t *wr)
{
	enum op_regs r = op_regs(in->op);
	bool two = r == OPR_D12 || r == OPR_BR || r == OPR_ST;
	bool one = two || r == OPR_D1;
	bool writes = r == OPR_D || r == OPR_D1 || r == OPR_D12;

	*rd = (one ? 1u << in->rs1 : 0) | (two ? 1u << in->rs2 : 0);
	*wr = writes && in->rd < 32 ? 1u << in->rd : 0;
	*rd &= ~1u;
}

/*
 * Where an instruction computes rd: rd's host register when the block
 * caches rd, unless writing it first would lose rs2 before it is read.
 */
static unsigned dest_reg(const struct emit *e, const struct insn *in, bool reads_rs2)
{
	if (in->rd == REG_SINK || e->host[in->rd] < 0 ||
	    (reads_rs2 && in->rd == in->rs2 && in->rs1 != in->rs2))
		return RAX;
	return (unsigned)e->host[in->rd];
}

/* load_guest() into d, unless d is where r is cached already. */
static void load_guest_into(struct emit *e, unsigned d, unsigned r)
{
	if (r == 0 || e->host[r] != (int8_t)d)
		load_guest(e, d, r);
}

/* The W forms' sign extension, then rd holds the result. */
static void finish(struct emit *e, const struct insn *in, unsigned d, bool w)
{
	if (!w)
		op_rr(&e->code, true, X_MOVSXD, d, d);
	if (d == RAX)
		store_guest(e, in->rd, RAX);
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
			x86_byte(&e->code, 0x66);
		op_rm(&e->code, in->op == OP_SD, in->op == OP_SB ? X_STORE8 : X_STORE,
		      v, RAX, index, 0);
		return;
	}
	d = dest_reg(e, in, false);
	switch (in->op) {
	case OP_LB: op_rm(&e->code, true, X_MOVSX8, d, RAX, index, 0); break;
	case OP_LH: op_rm(&e->code, true, X_MOVSX16, d, RAX, index, 0); break;
	case OP_LW: op_rm(&e->code, true, X_MOVSXD, d, RAX, index, 0); break;
	case OP_LD: op_rm(&e->code, true, X_MOV, d, RAX, index, 0); break;
	case OP_LBU: op_rm(&e->code, false, X_MOVZX8, d, RAX, index, 0); break;
	case OP_LHU: op_rm(&e->code, false, X_MOVZX16, d, RAX, index, 0); break;
	default: op_rm(&e->code, false, X_MOV, d, RAX, index, 0); break;	/* LWU */
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
size_t tlb_access(struct emit *e, const struct insn *in)
{
	unsigned n = access_size[in->op];
	int32_t tlb = is_store(in) ? (int32_t)offsetof(struct hart, tlb_w) :
				     (int32_t)offsetof(struct hart, tlb_r);
	size_t miss;

	_Static_assert(sizeof(struct tlb_entry) == 16 && TLB_SIZE == 256,
		       "the TLB index below is (va >> 12 & 255) * 16");
	op_rr(&e->code, false, X_MOV, RCX, RDX);
	shift_ri(&e->code, false, S_SHR, RCX, PAGE_SHIFT - 4);
	op_ri(&e->code, false, G_AND, RCX, (TLB_SIZE - 1) << 4);
	op_rr(&e->code, true, X_MOV, RAX, RDX);
	op_ri(&e->code, true, G_AND, RAX, (int32_t)(~PAGE_MASK | (n - 1)));
	op_rm(&e->code, true, X_CMP, RAX, RBX, RCX, tlb);
	miss = x86_jump(&e->code, CC_NE);
	op_rm(&e->code, true, X_MOV, RAX, RBX, RCX, tlb + 8);
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

	op_rm(&e->code, true, X_LEA, RDX, reg_of(e, in->rs1, RAX), NOREG, in->imm);
	if (!e->ram) {
		add_stub(e, tlb_access(e, in), STUB_SIDE, pc, k);
		e->stubs[e->nstubs - 1].dirty = before;
		return;
	}
	op_rr(&e->code, true, X_MOV, RCX, RDX);
	op_rm(&e->code, true, X_SUB, RCX, RBX, NOREG, HART_OFF(ram_lo));
	op_rm(&e->code, true, X_CMP, RCX, RBX, NOREG, HART_OFF(ram_end));
	add_stub(e, x86_jump(&e->code, CC_AE), STUB_TLB, pc, k);
	e->stubs[e->nstubs - 1].in = in;
	op_rm(&e->code, true, X_MOV, RAX, RBX, NOREG, HART_OFF(ram_host));
	emit_access(e, in, RCX, RDX);
	e->stubs[e->nstubs - 1].back = e->code.pos;
}

/* rd = rs1 OP rs2, on 64 or (W) 32 bits. */
static void emit_rr(struct emit *e, const struct insn *in, bool w, unsigned opc)
{
	unsigned d = dest_reg(e, in, true);

	load_guest_into(e, d, in->rs1);
	op_g(e, w, opc, d, in->rs2);
	finish(e, in, d, w);
}

static void emit_shift(struct emit *e, const struct insn *in, bool w,
		       unsigned grp, bool by_reg)
{
	unsigned d;

	if (by_reg)
		load_guest(e, RCX, in->rs2);
	d = dest_reg(e, in, false);
	load_guest_into(e, d, in->rs1);
	if (by_reg)
		shift_cl(&e->code, w, grp, d);
	else
		shift_ri(&e->code, w, grp, d, (unsigned)in->imm);
	finish(e, in, d, w);
}

static void emit_ri(struct emit *e, const struct insn *in, bool w, unsigned grp)
{
	unsigned d = dest_reg(e, in, false);

	if (w && grp == G_AND && (in->imm == 0xff || in->imm == 0xffff) &&
	    in->rs1 && e->host[in->rs1] >= 0) {
		/* movzx d, rs1's low byte or word (REX: sil, dil) */
		unsigned r = (unsigned)e->host[in->rs1];

		rex(&e->code, false, d, 0, r, in->imm == 0xff);
		opcode(&e->code, in->imm == 0xff ? X_MOVZX8 : X_MOVZX16);
		x86_byte(&e->code, 0xc0 | (d & 7) << 3 | (r & 7));
	} else if (w && grp == G_ADD && in->imm && in->rs1 && e->host[in->rs1] >= 0 &&
	    d != (unsigned)e->host[in->rs1]) {
		/* lea d, [rs1 + imm] */
		op_rm(&e->code, true, X_LEA, d, (unsigned)e->host[in->rs1], NOREG, in->imm);
	} else {
		load_guest_into(e, d, in->rs1);
		if (in->imm || grp == G_AND)
			op_ri(&e->code, w, grp, d, in->imm);
	}
	finish(e, in, d, w);
}

static void emit_slt(struct emit *e, const struct insn *in, unsigned cc, bool imm)
{
	load_guest(e, RAX, in->rs1);
	if (imm)
		op_ri(&e->code, true, G_CMP, RAX, in->imm);
	else
		op_g(e, true, X_CMP, RAX, in->rs2);
	setcc_rax(&e->code, cc);
	store_guest(e, in->rd, RAX);
}

/* The high half of rs1 * rs2: F7 /5 (imul) or /4 (mul) of rcx. */
static void emit_mulh(struct emit *e, const struct insn *in, unsigned grp)
{
	load_guest(e, RCX, in->rs2);
	load_guest(e, RAX, in->rs1);
	rex(&e->code, true, 0, 0, RCX, false);
	x86_byte(&e->code, 0xf7);
	x86_byte(&e->code, 0xc0 | grp << 3 | RCX);
	store_guest(e, in->rd, RDX);
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
		op_rr(&e->code, true, X_TEST, a, a);	/* as cmp a, 0 */
	else
		op_g(e, true, X_CMP, a, rs2);
}

/*
 * Back to the start of this block: the guest registers stay where they
 * are, past the prologue that loaded them; the budget is charged again.
 */
static void loop_back(struct emit *e)
{
	op_ri(&e->code, true, G_SUB, R13, (int32_t)e->n);
	add_stub(e, x86_jump(&e->code, CC_B), STUB_LOOP, e->pc0, 0);
	x86_patch_rel32(&e->code, x86_jump(&e->code, -1), e->loop_head);
}

/*
 * An exit to pc: in the same page, through a jump jit_link() may point at
 * its block; elsewhere through the jump table.
 */
void exit_to(struct emit *e, int cc, uint64_t from, uint64_t pc)
{
	bool near = (pc & ~PAGE_MASK) == (from & ~PAGE_MASK);

	add_stub(e, x86_jump(&e->code, cc), near ? STUB_CHAIN : STUB_FAR, pc, 0);
}

void emit_insn(struct emit *e, const struct insn *in, uint64_t pc,
		      unsigned k)
{
	static const uint8_t branch_cc[] = {
		[OP_BEQ] = CC_E, [OP_BNE] = CC_NE, [OP_BLT] = CC_L,
		[OP_BGE] = CC_GE, [OP_BLTU] = CC_B, [OP_BGEU] = CC_AE,
	};

	switch (in->op) {
	case OP_ADDI: emit_ri(e, in, true, G_ADD); break;
	case OP_AUIPC:
		mov_ri(&e->code, RAX, pc_imm(in, pc));
		store_guest(e, in->rd, RAX);
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
			x86_byte(&e->code, 0x0f); x86_byte(&e->code, 0xae); x86_byte(&e->code, 0xf0);	/* mfence */
		}
		break;
	case OP_JAL:
		if (in->rd != REG_SINK) {
			mov_ri(&e->code, RAX, pc + in->len);
			store_guest(e, in->rd, RAX);
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
		load_guest(e, RAX, in->rs1);
		if (in->imm)
			op_ri(&e->code, true, G_ADD, RAX, in->imm);
		op_ri(&e->code, true, G_AND, RAX, -2);
		mov_ri(&e->code, RCX, pc + in->len);
		store_guest(e, in->rd, RCX);
		write_back(e, e->dirty);
		e->dirty = 0;
		x86_patch_rel32(&e->code, x86_jump(&e->code, -1), e->jump_lookup);
		break;
	case OP_BEQ: case OP_BNE: case OP_BLT: case OP_BGE: case OP_BLTU:
	case OP_BGEU:
		compare(e, in->rs1, in->rs2);
		if (pc_imm(in, pc) == e->pc0) {
			/* A loop: taken stays here, falling through leaves. */
			size_t out = x86_jump(&e->code, branch_cc[in->op] ^ 1);

			loop_back(e);
			x86_patch_rel32(&e->code, out, e->code.pos);
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

#endif
