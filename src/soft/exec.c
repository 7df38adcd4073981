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

#include "cpu.h"

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
#define NEXT	do { pc += in->len; goto next; } while (0)

/* Make h->pc and h->instret exact before leaving the inline path. */
#define SYNC()	do { h->pc = pc; h->instret += budget - left; \
		     budget = left; } while (0)
/* Leave the loop after the current instruction. */
#define END_BLOCK() do { budget -= left; left = 0; } while (0)

#define LOAD(type, ext) do { \
	uint64_t a_ = RS1 + IMM; \
	struct tlb_entry *e_ = &h->tlb_r[(a_ >> PAGE_SHIFT) & (TLB_SIZE - 1)]; \
	type v_; \
	if (likely(e_->tag == a_ >> PAGE_SHIFT && \
		   (a_ & PAGE_MASK) <= PAGE_SIZE - sizeof(type))) { \
		guest_read(&v_, (void *)(e_->addend + (uintptr_t)a_), sizeof(v_)); \
	} else { \
		uint64_t t_; \
		SYNC(); \
		if (!mem_load_slow(h, a_, sizeof(type), &t_)) \
			goto trap; \
		v_ = (type)t_; \
		if (h->end_block) \
			END_BLOCK(); \
	} \
	RD = (uint64_t)(ext)v_; \
	NEXT; \
} while (0)

#define STORE(type) do { \
	uint64_t a_ = RS1 + IMM; \
	struct tlb_entry *e_ = &h->tlb_w[(a_ >> PAGE_SHIFT) & (TLB_SIZE - 1)]; \
	type v_ = (type)RS2; \
	if (likely(e_->tag == a_ >> PAGE_SHIFT && \
		   (a_ & PAGE_MASK) <= PAGE_SIZE - sizeof(type))) { \
		guest_write((void *)(e_->addend + (uintptr_t)a_), &v_, sizeof(v_)); \
	} else { \
		SYNC(); \
		if (!mem_store_slow(h, a_, sizeof(type), RS2)) \
			goto trap; \
		if (h->end_block) \
			END_BLOCK(); \
	} \
	NEXT; \
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
	NEXT; \
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
	NEXT; \
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
	NEXT; \
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
	NEXT; \
} while (0)

#define BRANCH(cond) do { \
	pc += (cond) ? IMM : in->len; \
	goto next; \
} while (0)

void exec_block(struct hart *h, unsigned budget)
{
	uint64_t *x = h->x;
	uint64_t pc = h->pc;
	uint64_t win_base = h->win_base;
	struct insn *win = h->win;
	unsigned left = budget;
	struct insn *in;

	h->end_block = false;
	while (likely(left)) {
		left--;
		if (likely((pc & ~PAGE_MASK) == win_base)) {
			in = &win[(pc & PAGE_MASK) >> 1];
		} else {
			SYNC();
			in = fetch_slow(h, pc);
			if (!in)
				goto trap;
			win_base = h->win_base;
			win = h->win;
			if (h->end_block)
				END_BLOCK();
		}
dispatch:
		switch ((enum op)in->op) {
		case OP_UNDECODED:
			SYNC();
			in = decode_fill(h, in, pc);
			if (!in)
				goto trap;
			if (h->end_block)
				END_BLOCK();
			goto dispatch;
		case OP_ILLEGAL:
			SYNC();
			raise_exception(h, EXC_ILLEGAL, (uint32_t)in->imm);
			goto trap;

		case OP_AUIPC: RD = pc + IMM; NEXT;
		case OP_JAL: {
			uint64_t link = pc + in->len;

			pc += IMM;
			RD = link;
			goto next;
		}
		case OP_JALR: {
			uint64_t link = pc + in->len;

			pc = (RS1 + IMM) & ~1ull;
			RD = link;
			goto next;
		}
		case OP_BEQ: BRANCH(RS1 == RS2);
		case OP_BNE: BRANCH(RS1 != RS2);
		case OP_BLT: BRANCH((int64_t)RS1 < (int64_t)RS2);
		case OP_BGE: BRANCH((int64_t)RS1 >= (int64_t)RS2);
		case OP_BLTU: BRANCH(RS1 < RS2);
		case OP_BGEU: BRANCH(RS1 >= RS2);

		case OP_LB: LOAD(int8_t, int64_t);
		case OP_LH: LOAD(int16_t, int64_t);
		case OP_LW: LOAD(int32_t, int64_t);
		case OP_LD: LOAD(uint64_t, uint64_t);
		case OP_LBU: LOAD(uint8_t, uint64_t);
		case OP_LHU: LOAD(uint16_t, uint64_t);
		case OP_LWU: LOAD(uint32_t, uint64_t);
		case OP_SB: STORE(uint8_t);
		case OP_SH: STORE(uint16_t);
		case OP_SW: STORE(uint32_t);
		case OP_SD: STORE(uint64_t);

		case OP_ADDI: RD = RS1 + IMM; NEXT;
		case OP_SLTI: RD = (int64_t)RS1 < (int64_t)IMM; NEXT;
		case OP_SLTIU: RD = RS1 < IMM; NEXT;
		case OP_XORI: RD = RS1 ^ IMM; NEXT;
		case OP_ORI: RD = RS1 | IMM; NEXT;
		case OP_ANDI: RD = RS1 & IMM; NEXT;
		case OP_SLLI: RD = RS1 << in->imm; NEXT;
		case OP_SRLI: RD = RS1 >> in->imm; NEXT;
		case OP_SRAI: RD = (uint64_t)((int64_t)RS1 >> in->imm); NEXT;
		case OP_ADD: RD = RS1 + RS2; NEXT;
		case OP_SUB: RD = RS1 - RS2; NEXT;
		case OP_SLL: RD = RS1 << (RS2 & 63); NEXT;
		case OP_SLT: RD = (int64_t)RS1 < (int64_t)RS2; NEXT;
		case OP_SLTU: RD = RS1 < RS2; NEXT;
		case OP_XOR: RD = RS1 ^ RS2; NEXT;
		case OP_SRL: RD = RS1 >> (RS2 & 63); NEXT;
		case OP_SRA: RD = (uint64_t)((int64_t)RS1 >> (RS2 & 63)); NEXT;
		case OP_OR: RD = RS1 | RS2; NEXT;
		case OP_AND: RD = RS1 & RS2; NEXT;
		case OP_ADDIW: RD = sext32(RS1 + IMM); NEXT;
		case OP_SLLIW: RD = sext32((uint32_t)RS1 << in->imm); NEXT;
		case OP_SRLIW: RD = sext32((uint32_t)RS1 >> in->imm); NEXT;
		case OP_SRAIW:
			RD = (uint64_t)(int64_t)((int32_t)RS1 >> in->imm);
			NEXT;
		case OP_ADDW: RD = sext32(RS1 + RS2); NEXT;
		case OP_SUBW: RD = sext32(RS1 - RS2); NEXT;
		case OP_SLLW: RD = sext32((uint32_t)RS1 << (RS2 & 31)); NEXT;
		case OP_SRLW: RD = sext32((uint32_t)RS1 >> (RS2 & 31)); NEXT;
		case OP_SRAW:
			RD = (uint64_t)(int64_t)((int32_t)RS1 >> (RS2 & 31));
			NEXT;

		case OP_MUL: RD = RS1 * RS2; NEXT;
		case OP_MULH: RD = mulh(RS1, RS2); NEXT;
		case OP_MULHSU: RD = mulhsu(RS1, RS2); NEXT;
		case OP_MULHU: RD = mulhu(RS1, RS2); NEXT;
		case OP_DIV: RD = div64(RS1, RS2); NEXT;
		case OP_DIVU: RD = RS2 ? RS1 / RS2 : UINT64_MAX; NEXT;
		case OP_REM: RD = rem64(RS1, RS2); NEXT;
		case OP_REMU: RD = RS2 ? RS1 % RS2 : RS1; NEXT;
		case OP_MULW: RD = sext32((uint32_t)RS1 * (uint32_t)RS2); NEXT;
		case OP_DIVW: RD = divw(RS1, RS2); NEXT;
		case OP_DIVUW: RD = divuw(RS1, RS2); NEXT;
		case OP_REMW: RD = remw(RS1, RS2); NEXT;
		case OP_REMUW: RD = remuw(RS1, RS2); NEXT;

		case OP_LR_W: LR(uint32_t);
		case OP_LR_D: LR(uint64_t);
		case OP_SC_W: SC(uint32_t);
		case OP_SC_D: SC(uint64_t);
		case OP_AMOSWAP_W: AMO_FETCH(uint32_t, __atomic_exchange_n);
		case OP_AMOADD_W: AMO_FETCH(uint32_t, __atomic_fetch_add);
		case OP_AMOXOR_W: AMO_FETCH(uint32_t, __atomic_fetch_xor);
		case OP_AMOAND_W: AMO_FETCH(uint32_t, __atomic_fetch_and);
		case OP_AMOOR_W: AMO_FETCH(uint32_t, __atomic_fetch_or);
		case OP_AMOMIN_W: AMO_CAS(uint32_t, int32_t, LT_S(uint32_t, int32_t));
		case OP_AMOMAX_W: AMO_CAS(uint32_t, int32_t, GT_S(uint32_t, int32_t));
		case OP_AMOMINU_W: AMO_CAS(uint32_t, uint32_t, LT_U(uint32_t));
		case OP_AMOMAXU_W: AMO_CAS(uint32_t, uint32_t, GT_U(uint32_t));
		case OP_AMOSWAP_D: AMO_FETCH(uint64_t, __atomic_exchange_n);
		case OP_AMOADD_D: AMO_FETCH(uint64_t, __atomic_fetch_add);
		case OP_AMOXOR_D: AMO_FETCH(uint64_t, __atomic_fetch_xor);
		case OP_AMOAND_D: AMO_FETCH(uint64_t, __atomic_fetch_and);
		case OP_AMOOR_D: AMO_FETCH(uint64_t, __atomic_fetch_or);
		case OP_AMOMIN_D: AMO_CAS(uint64_t, int64_t, LT_S(uint64_t, int64_t));
		case OP_AMOMAX_D: AMO_CAS(uint64_t, int64_t, GT_S(uint64_t, int64_t));
		case OP_AMOMINU_D: AMO_CAS(uint64_t, uint64_t, LT_U(uint64_t));
		case OP_AMOMAXU_D: AMO_CAS(uint64_t, uint64_t, GT_U(uint64_t));

		case OP_FENCE:
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			NEXT;
		case OP_FENCE_I:
			/* Stores so far may have changed code: decode afresh. */
			h->code_gen++;
			h->win_base = WIN_NONE;
			END_BLOCK();
			NEXT;
		case OP_ECALL:
			SYNC();
			raise_exception(h, EXC_ECALL_U + h->priv, 0);
			goto trap;
		case OP_EBREAK:
			SYNC();
			raise_exception(h, EXC_BREAKPOINT, pc);
			goto trap;
		case OP_MRET:
			SYNC();
			if (!do_mret(h))
				goto trap;
			pc = h->pc;
			END_BLOCK();
			goto next;
		case OP_SRET:
			SYNC();
			if (!do_sret(h))
				goto trap;
			pc = h->pc;
			END_BLOCK();
			goto next;
		case OP_WFI:
			if (h->priv == PRIV_U || (h->priv == PRIV_S &&
			    (h->mstatus & MSTATUS_TW))) {
				SYNC();
				raise_exception(h, EXC_ILLEGAL,
						system_insn_bits(in));
				goto trap;
			}
			h->wfi = true;
			END_BLOCK();
			NEXT;
		case OP_SFENCE_VMA:
			if (h->priv == PRIV_U || (h->priv == PRIV_S &&
			    (h->mstatus & MSTATUS_TVM))) {
				SYNC();
				raise_exception(h, EXC_ILLEGAL,
						system_insn_bits(in));
				goto trap;
			}
			hart_tlb_flush(h);
			END_BLOCK();
			NEXT;
		case OP_CSRRW: case OP_CSRRS: case OP_CSRRC:
		case OP_CSRRWI: case OP_CSRRSI: case OP_CSRRCI: {
			uint64_t src = in->op >= OP_CSRRWI ? in->rs1 : RS1, old;

			SYNC();
			if (!csr_access(h, in, src, &old))
				goto trap;
			RD = old;
			END_BLOCK();
			NEXT;
		}
		case OP_FLW: case OP_FLD: case OP_FSW: case OP_FSD:
			SYNC();
			if (!fp_mem(h, in))
				goto trap;
			if (h->end_block)
				END_BLOCK();
			NEXT;
		case OP_FMA:
			SYNC();
			if (!fp_fma(h, in))
				goto trap;
			NEXT;
		case OP_FP:
			SYNC();
			if (!fp_op(h, in))
				goto trap;
			NEXT;
		case OP_COUNT:
			break;
		}
		/* Not reached: every op above ends in next or trap. */
		SYNC();
		raise_exception(h, EXC_ILLEGAL, 0);
trap:
		/* The trapping instruction did not retire. */
		h->instret--;
		pc = h->pc;
		win_base = h->win_base;
		win = h->win;
		continue;
next:
		;
	}
	h->pc = pc;
	h->instret += budget - left;
}
