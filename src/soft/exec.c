/*
 * The interpreter: runs decoded instructions from the current code window
 * for at most `budget` instructions, or until something needs the run loop
 * (an MMIO exit, a CSR write, xRET, WFI, a fence that flushes caches).
 *
 * Loads and stores hit the per-hart TLB inline; misses, page crossings and
 * device accesses go to the slow paths in mem.c, which raise the guest's
 * exception themselves and report failure.  A trap never retires its
 * instruction: `goto trap` resumes at the handler with instret unchanged.
 */
#include <string.h>

#include "access.h"
#include "cpu.h"
#include "csr.h"
#include "exec.h"
#include "fetch.h"
#include "fpu.h"
#include "jit.h"
#include "map.h"
#include "tlb.h"
#include "trap.h"

static inline uint64_t sext32(uint64_t v)
{
	return (uint64_t)(int64_t)(int32_t)(uint32_t)v;
}

static inline uint64_t mulh(uint64_t a, uint64_t b)
{
	return (uint64_t)(((__int128)(int64_t)a * (__int128)(int64_t)b) >> 64);
}

static inline uint64_t mulhsu(uint64_t a, uint64_t b)
{
	return (uint64_t)(((__int128)(int64_t)a * (__int128)b) >> 64);
}

static inline uint64_t mulhu(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

static inline uint64_t div64(uint64_t a, uint64_t b)
{
	if (b == 0)
		return UINT64_MAX;
	if (a == (1ull << 63) && b == UINT64_MAX)
		return a;
	return (uint64_t)((int64_t)a / (int64_t)b);
}

static inline uint64_t rem64(uint64_t a, uint64_t b)
{
	if (b == 0)
		return a;
	if (a == (1ull << 63) && b == UINT64_MAX)
		return 0;
	return (uint64_t)((int64_t)a % (int64_t)b);
}

static inline uint64_t divw(uint64_t a, uint64_t b)
{
	int32_t x = (int32_t)a, y = (int32_t)b;

	if (y == 0)
		return UINT64_MAX;
	if (x == INT32_MIN && y == -1)
		return sext32((uint32_t)x);
	return sext32((uint32_t)(x / y));
}

static inline uint64_t remw(uint64_t a, uint64_t b)
{
	int32_t x = (int32_t)a, y = (int32_t)b;

	if (y == 0)
		return sext32((uint32_t)x);
	if (x == INT32_MIN && y == -1)
		return 0;
	return sext32((uint32_t)(x % y));
}

static inline uint64_t divuw(uint64_t a, uint64_t b)
{
	uint32_t x = (uint32_t)a, y = (uint32_t)b;

	return y ? sext32(x / y) : UINT64_MAX;
}

static inline uint64_t remuw(uint64_t a, uint64_t b)
{
	uint32_t x = (uint32_t)a, y = (uint32_t)b;

	return sext32(y ? x % y : x);
}

static uint32_t system_insn_bits(const struct insn *in)
{
	switch (in->op) {
	case OP_WFI: return 0x10500073;
	case OP_SRET: return 0x10200073;
	default:	/* sfence.vma */
		return 0x12000073u | (uint32_t)in->rs1 << 15 |
		       (uint32_t)in->rs2 << 20;
	}
}

#define RS1	x[in->rs1]
#define RS2	x[in->rs2]
#define RD	x[in->rd]
#define IMM	((uint64_t)(int64_t)in->imm)
/*
 * Threaded dispatch.  An instruction counts when it completes (`left`
 * reaches 0: leave).  Straight-line code steps to the next decoded entry
 * of the page; the entries past its end, and past an instruction decoded
 * outside a page (h->tmp), are OP_REFETCH, which looks the pc up again.
 */
#define DISPATCH()	goto *labels[in->op]
#define NEXT	do { pc += in->len; in += in->len >> 1; \
		     if (unlikely(--left == 0)) goto out; \
		     DISPATCH(); } while (0)
/* After what the code generator leaves to the interpreter: go back to it. */
#define NEXT_SLOW do { if (use_jit) { pc += in->len; \
		     if (unlikely(--left == 0)) goto out; \
		     goto fetch; } NEXT; } while (0)
#define JUMP(target) do { pc = (target); \
		     if (unlikely(--left == 0)) goto out; \
		     goto fetch; } while (0)

/* Make h->pc and h->instret exact before leaving the inline path. */
#define SYNC()	do { h->pc = pc; h->instret += budget - left; \
		     budget = left; } while (0)
/* Leave the loop after the current instruction. */
#define END_BLOCK() do { budget -= left - 1; left = 1; } while (0)

#define LOAD(type, ext) do { \
	uint64_t a_ = RS1 + IMM; \
	struct tlb_entry *e_ = &h->tlb_r[(a_ >> PAGE_SHIFT) & (TLB_SIZE - 1)]; \
	type v_; \
	if (likely(e_->tag == (a_ & ~PAGE_MASK) && \
		   (a_ & PAGE_MASK) <= PAGE_SIZE - sizeof(type))) { \
		guest_read(&v_, (void *)(e_->addend + (uintptr_t)a_), sizeof(v_)); \
		RD = (uint64_t)(ext)v_; \
		NEXT; \
	} else { \
		uint64_t t_; \
		SYNC(); \
		if (!mem_load_slow(h, a_, sizeof(type), &t_)) \
			goto trap; \
		v_ = (type)t_; \
		if (h->end_block) \
			END_BLOCK(); \
		RD = (uint64_t)(ext)v_; \
		NEXT_SLOW; \
	} \
} while (0)

#define STORE(type) do { \
	uint64_t a_ = RS1 + IMM; \
	struct tlb_entry *e_ = &h->tlb_w[(a_ >> PAGE_SHIFT) & (TLB_SIZE - 1)]; \
	type v_ = (type)RS2; \
	if (likely(e_->tag == (a_ & ~PAGE_MASK) && \
		   (a_ & PAGE_MASK) <= PAGE_SIZE - sizeof(type))) { \
		guest_write((void *)(e_->addend + (uintptr_t)a_), &v_, sizeof(v_)); \
		NEXT; \
	} else { \
		SYNC(); \
		if (!mem_store_slow(h, a_, sizeof(type), RS2)) \
			goto trap; \
		if (h->end_block) \
			END_BLOCK(); \
		NEXT_SLOW; \
	} \
} while (0)

/* Atomic memory operations on host memory, for every hart at once. */
#define AMO_PTR(type, is_lr) \
	type *p_; \
	SYNC(); \
	p_ = mem_amo_ptr(h, RS1, sizeof(type), is_lr); \
	if (!p_) \
		goto trap

#define AMO_FETCH(type, fn) do { \
	AMO_PTR(type, false); \
	type o_ = fn(p_, (type)RS2, __ATOMIC_SEQ_CST); \
	RD = sizeof(type) == 4 ? sext32(o_) : (uint64_t)o_; \
	NEXT_SLOW; \
} while (0)

/* min/max: a compare-and-swap loop; `better(new, old)` picks rs2. */
#define AMO_CAS(type, stype, better) do { \
	AMO_PTR(type, false); \
	type o_ = __atomic_load_n(p_, __ATOMIC_RELAXED), n_; \
	do { \
		type r_ = (type)RS2; \
		n_ = better ? r_ : o_; \
	} while (!__atomic_compare_exchange_n(p_, &o_, n_, false, \
			__ATOMIC_SEQ_CST, __ATOMIC_RELAXED)); \
	RD = sizeof(type) == 4 ? sext32(o_) : (uint64_t)o_; \
	NEXT_SLOW; \
} while (0)

#define LT_S(type, stype) ((stype)(type)RS2 < (stype)o_)
#define GT_S(type, stype) ((stype)(type)RS2 > (stype)o_)
#define LT_U(type) ((type)RS2 < o_)
#define GT_U(type) ((type)RS2 > o_)

#define LR(type) do { \
	AMO_PTR(type, true); \
	type o_ = __atomic_load_n(p_, __ATOMIC_SEQ_CST); \
	h->resv_addr = RS1; \
	h->resv_val = o_; \
	h->resv_valid = true; \
	RD = sizeof(type) == 4 ? sext32(o_) : (uint64_t)o_; \
	NEXT_SLOW; \
} while (0)

/*
 * SC succeeds when this hart's reservation covers the address and the
 * word still holds what LR read; the swap is one host compare-and-swap.
 */
#define SC(type) do { \
	AMO_PTR(type, false); \
	type e_ = (type)h->resv_val; \
	bool ok_ = h->resv_valid && h->resv_addr == RS1 && \
		__atomic_compare_exchange_n(p_, &e_, (type)RS2, false, \
			__ATOMIC_SEQ_CST, __ATOMIC_RELAXED); \
	h->resv_valid = false; \
	RD = !ok_; \
	NEXT_SLOW; \
} while (0)

#define BRANCH(cond) do { \
	if (cond) \
		JUMP(pc + IMM); \
	NEXT_SLOW; \
} while (0)

void exec_block(struct hart *h, unsigned budget)
{
	uint64_t *x = h->x;
	uint64_t pc = h->pc;
	uint64_t win_base = h->win_base;
	struct insn *win = h->win;
	unsigned left = budget;
	struct insn *in;
	static const void *const labels[OP_COUNT] = {
#define OP_LABEL(NAME, name, regs, jit)	[OP_##NAME] = &&op_##name,
		SOFT_OPS(OP_LABEL)
#undef OP_LABEL
	};

	bool use_jit = h->jit && !atomic_load_explicit(&h->sv->debug_active,
						       memory_order_relaxed);

	h->end_block = false;
	if (!left)
		return;
fetch:
	if (likely((pc & ~PAGE_MASK) == win_base)) {
		in = &win[(pc & PAGE_MASK) >> 1];
		if (use_jit)
			goto jit;
		DISPATCH();
	}
	if (use_jit) {
		/* A block entered before, found without moving the window. */
		const struct jit_jump *t = &h->jit_jumps[(pc >> 1) & (JIT_JUMPS - 1)];

		if (t->pc == pc && t->gen == h->jit_jump_gen) {
			uint32_t j = (uint32_t)(t->code - h->jit_code);
			unsigned before = left;

			if (jit_head(h->jit_code, j)->n <= left) {
				SYNC();
				left = jit_run(h, j, left);
				pc = h->pc;
				if (!left)
					goto out;
				if (left != before)
					goto fetch;
			}
		}
	}
	SYNC();
	in = fetch_slow(h, pc);
	if (!in)
		goto trap;
	win_base = h->win_base;
	win = h->win;
	if (h->end_block)
		END_BLOCK();
	if (use_jit && (pc & ~PAGE_MASK) == win_base)
		goto jit;
	DISPATCH();
	{
		jit: {
			/* Run the block that starts here, or count towards one. */
			uint32_t j = in->jit;
			unsigned before = left;

			if (likely(jit_is_block(j) &&
				   jit_head(h->jit_code, j)->page == win_base)) {
				if (jit_head(h->jit_code, j)->n > left)
					DISPATCH();	/* the budget's end */
				SYNC();
				jit_note_jump(h, pc, j);
				left = jit_run(h, j, left);
				if (left == before)	/* ran nothing: interpret */
					DISPATCH();
				pc = h->pc;
				if (!left)
					goto out;
				/* Link a block to its successor in the same page. */
				if (h->jit_patch &&
				    (pc & ~PAGE_MASK) == win_base &&
				    jit_head(h->jit_from, 0)->page == win_base) {
					uint32_t t = win[(pc & PAGE_MASK) >> 1].jit;

					if (jit_is_block(t) &&
					    jit_head(h->jit_code, t)->page == win_base)
						jit_link(h, t);
				}
				goto fetch;
			}
			if (j == JIT_NONE)
				DISPATCH();
			if (jit_is_block(j))	/* made for another page */
				j = 0;
			if ((j & ~JIT_COUNT) + 1 < h->jit_threshold) {
				in->jit = JIT_COUNT | ((j & ~JIT_COUNT) + 1);
				DISPATCH();
			}
			if (!jit_translate(h, in, pc)) {
				/* The code buffer was emptied: look pc up again. */
				win_base = h->win_base;
				win = h->win;
				goto fetch;
			}
			if (jit_is_block(in->jit))
				goto jit;
			DISPATCH();
		}
		op_refetch:
			goto fetch;
		op_debug_break:
			/* Stop before the instruction at pc (debug.c). */
			SYNC();
			h->dbg_break = true;
			return;
		op_undecoded:
			SYNC();
			in = decode_fill(h, in, pc);
			if (!in)
				goto trap;
			if (h->end_block)
				END_BLOCK();
			DISPATCH();
		op_illegal:
			SYNC();
			raise_exception(h, EXC_ILLEGAL, (uint32_t)in->imm);
			goto trap;

		op_auipc: RD = pc + IMM; NEXT;
		op_jal: {
			uint64_t link = pc + in->len;

			RD = link;
			JUMP(link - in->len + IMM);
		}
		op_jalr: {
			uint64_t link = pc + in->len, target = (RS1 + IMM) & ~1ull;

			RD = link;
			JUMP(target);
		}
		op_beq: BRANCH(RS1 == RS2);
		op_bne: BRANCH(RS1 != RS2);
		op_blt: BRANCH((int64_t)RS1 < (int64_t)RS2);
		op_bge: BRANCH((int64_t)RS1 >= (int64_t)RS2);
		op_bltu: BRANCH(RS1 < RS2);
		op_bgeu: BRANCH(RS1 >= RS2);

		op_lb: LOAD(int8_t, int64_t);
		op_lh: LOAD(int16_t, int64_t);
		op_lw: LOAD(int32_t, int64_t);
		op_ld: LOAD(uint64_t, uint64_t);
		op_lbu: LOAD(uint8_t, uint64_t);
		op_lhu: LOAD(uint16_t, uint64_t);
		op_lwu: LOAD(uint32_t, uint64_t);
		op_sb: STORE(uint8_t);
		op_sh: STORE(uint16_t);
		op_sw: STORE(uint32_t);
		op_sd: STORE(uint64_t);

		op_addi: RD = RS1 + IMM; NEXT;
		op_slti: RD = (int64_t)RS1 < (int64_t)IMM; NEXT;
		op_sltiu: RD = RS1 < IMM; NEXT;
		op_xori: RD = RS1 ^ IMM; NEXT;
		op_ori: RD = RS1 | IMM; NEXT;
		op_andi: RD = RS1 & IMM; NEXT;
		op_slli: RD = RS1 << in->imm; NEXT;
		op_srli: RD = RS1 >> in->imm; NEXT;
		op_srai: RD = (uint64_t)((int64_t)RS1 >> in->imm); NEXT;
		op_add: RD = RS1 + RS2; NEXT;
		op_sub: RD = RS1 - RS2; NEXT;
		op_sll: RD = RS1 << (RS2 & 63); NEXT;
		op_slt: RD = (int64_t)RS1 < (int64_t)RS2; NEXT;
		op_sltu: RD = RS1 < RS2; NEXT;
		op_xor: RD = RS1 ^ RS2; NEXT;
		op_srl: RD = RS1 >> (RS2 & 63); NEXT;
		op_sra: RD = (uint64_t)((int64_t)RS1 >> (RS2 & 63)); NEXT;
		op_or: RD = RS1 | RS2; NEXT;
		op_and: RD = RS1 & RS2; NEXT;
		op_addiw: RD = sext32(RS1 + IMM); NEXT;
		op_slliw: RD = sext32((uint32_t)RS1 << in->imm); NEXT;
		op_srliw: RD = sext32((uint32_t)RS1 >> in->imm); NEXT;
		op_sraiw:
			RD = (uint64_t)(int64_t)((int32_t)RS1 >> in->imm);
			NEXT;
		op_addw: RD = sext32(RS1 + RS2); NEXT;
		op_subw: RD = sext32(RS1 - RS2); NEXT;
		op_sllw: RD = sext32((uint32_t)RS1 << (RS2 & 31)); NEXT;
		op_srlw: RD = sext32((uint32_t)RS1 >> (RS2 & 31)); NEXT;
		op_sraw:
			RD = (uint64_t)(int64_t)((int32_t)RS1 >> (RS2 & 31));
			NEXT;

		op_mul: RD = RS1 * RS2; NEXT;
		op_mulh: RD = mulh(RS1, RS2); NEXT;
		op_mulhsu: RD = mulhsu(RS1, RS2); NEXT;
		op_mulhu: RD = mulhu(RS1, RS2); NEXT;
		op_div: RD = div64(RS1, RS2); NEXT;
		op_divu: RD = RS2 ? RS1 / RS2 : UINT64_MAX; NEXT;
		op_rem: RD = rem64(RS1, RS2); NEXT;
		op_remu: RD = RS2 ? RS1 % RS2 : RS1; NEXT;
		op_mulw: RD = sext32((uint32_t)RS1 * (uint32_t)RS2); NEXT;
		op_divw: RD = divw(RS1, RS2); NEXT;
		op_divuw: RD = divuw(RS1, RS2); NEXT;
		op_remw: RD = remw(RS1, RS2); NEXT;
		op_remuw: RD = remuw(RS1, RS2); NEXT;

		op_lr_w: LR(uint32_t);
		op_lr_d: LR(uint64_t);
		op_sc_w: SC(uint32_t);
		op_sc_d: SC(uint64_t);
		op_amoswap_w: AMO_FETCH(uint32_t, __atomic_exchange_n);
		op_amoadd_w: AMO_FETCH(uint32_t, __atomic_fetch_add);
		op_amoxor_w: AMO_FETCH(uint32_t, __atomic_fetch_xor);
		op_amoand_w: AMO_FETCH(uint32_t, __atomic_fetch_and);
		op_amoor_w: AMO_FETCH(uint32_t, __atomic_fetch_or);
		op_amomin_w: AMO_CAS(uint32_t, int32_t, LT_S(uint32_t, int32_t));
		op_amomax_w: AMO_CAS(uint32_t, int32_t, GT_S(uint32_t, int32_t));
		op_amominu_w: AMO_CAS(uint32_t, uint32_t, LT_U(uint32_t));
		op_amomaxu_w: AMO_CAS(uint32_t, uint32_t, GT_U(uint32_t));
		op_amoswap_d: AMO_FETCH(uint64_t, __atomic_exchange_n);
		op_amoadd_d: AMO_FETCH(uint64_t, __atomic_fetch_add);
		op_amoxor_d: AMO_FETCH(uint64_t, __atomic_fetch_xor);
		op_amoand_d: AMO_FETCH(uint64_t, __atomic_fetch_and);
		op_amoor_d: AMO_FETCH(uint64_t, __atomic_fetch_or);
		op_amomin_d: AMO_CAS(uint64_t, int64_t, LT_S(uint64_t, int64_t));
		op_amomax_d: AMO_CAS(uint64_t, int64_t, GT_S(uint64_t, int64_t));
		op_amominu_d: AMO_CAS(uint64_t, uint64_t, LT_U(uint64_t));
		op_amomaxu_d: AMO_CAS(uint64_t, uint64_t, GT_U(uint64_t));

		op_fence:
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			NEXT_SLOW;
		op_fence_i:
			/* Stores so far may have changed code: decode afresh. */
			h->code_gen++;
			h->jit_jump_gen++;
			h->win_base = WIN_NONE;
			END_BLOCK();
			NEXT_SLOW;
		op_ecall:
			SYNC();
			raise_exception(h, EXC_ECALL_U + h->priv, 0);
			goto trap;
		op_ebreak:
			SYNC();
			raise_exception(h, EXC_BREAKPOINT, pc);
			goto trap;
		op_mret:
			SYNC();
			if (!do_mret(h))
				goto trap;
			END_BLOCK();
			JUMP(h->pc);
		op_sret:
			SYNC();
			if (!do_sret(h))
				goto trap;
			END_BLOCK();
			JUMP(h->pc);
		op_wfi:
			if (h->priv == PRIV_U || (h->priv == PRIV_S &&
			    (h->mstatus & MSTATUS_TW))) {
				SYNC();
				raise_exception(h, EXC_ILLEGAL,
						system_insn_bits(in));
				goto trap;
			}
			h->wfi = true;
			END_BLOCK();
			NEXT_SLOW;
		op_sfence_vma:
			if (h->priv == PRIV_U || (h->priv == PRIV_S &&
			    (h->mstatus & MSTATUS_TVM))) {
				SYNC();
				raise_exception(h, EXC_ILLEGAL,
						system_insn_bits(in));
				goto trap;
			}
			hart_tlb_flush(h);
			END_BLOCK();
			NEXT_SLOW;
		op_csrrw: op_csrrs: op_csrrc:
		op_csrrwi: op_csrrsi: op_csrrci: {
			uint64_t src = op_regs(in->op) == OPR_D ? in->rs1 : RS1, old;

			SYNC();
			if (!csr_access(h, in, src, &old))
				goto trap;
			RD = old;
			END_BLOCK();
			NEXT_SLOW;
		}
		op_flw: op_fld: op_fsw: op_fsd:
			SYNC();
			if (!fp_mem(h, in))
				goto trap;
			if (h->end_block)
				END_BLOCK();
			NEXT_SLOW;
		op_fma:
			SYNC();
			if (!fp_fma(h, in))
				goto trap;
			NEXT_SLOW;
		op_fp:
			SYNC();
			if (!fp_op(h, in))
				goto trap;
			NEXT_SLOW;
	}
trap:
	/* The trapping instruction did not complete: resume at the handler. */
	pc = h->pc;
	win_base = h->win_base;
	win = h->win;
	/* Traps take budget too (a trap loop must end), not instret. */
	budget--;
	if (unlikely(--left == 0))
		goto out;
	goto fetch;
out:
	h->pc = pc;
	h->instret += budget;
}
