/*
 * Every operation an instruction decodes to, listed once.  The list makes
 * `enum op`, the interpreter's dispatch table (exec.c: a label op_<name>
 * for each, so a missing one does not compile), and what the code
 * generator needs (jit.c: whether it translates the operation, and which
 * integer registers it reads and writes).
 *
 * OP(NAME, name, REGS, JIT)
 *   REGS  OPR_NONE  no integer register read or written
 *         OPR_D     writes rd
 *         OPR_D1    reads rs1, writes rd
 *         OPR_D12   reads rs1 and rs2, writes rd
 *         OPR_BR    a conditional branch: reads rs1 and rs2
 *         OPR_ST    a store: reads rs1 (address) and rs2 (data)
 *         OPR_FP    F and D: fpu.c decodes the bits in imm
 *   JIT   1: the code generator translates it
 * Compressed instructions decode to the same operations.
 */
#ifndef NORVM_SOFT_OPS_H
#define NORVM_SOFT_OPS_H

#define SOFT_OPS(OP) \
	OP(UNDECODED,	undecoded,	OPR_NONE, 0)	/* not decoded yet */ \
	OP(ILLEGAL,	illegal,	OPR_NONE, 0)	/* imm: the bits */ \
	OP(AUIPC,	auipc,		OPR_D,    1) \
	OP(JAL,		jal,		OPR_D,    1) \
	OP(JALR,	jalr,		OPR_D1,   1) \
	OP(BEQ,		beq,		OPR_BR,   1) \
	OP(BNE,		bne,		OPR_BR,   1) \
	OP(BLT,		blt,		OPR_BR,   1) \
	OP(BGE,		bge,		OPR_BR,   1) \
	OP(BLTU,	bltu,		OPR_BR,   1) \
	OP(BGEU,	bgeu,		OPR_BR,   1) \
	OP(LB,		lb,		OPR_D1,   1) \
	OP(LH,		lh,		OPR_D1,   1) \
	OP(LW,		lw,		OPR_D1,   1) \
	OP(LD,		ld,		OPR_D1,   1) \
	OP(LBU,		lbu,		OPR_D1,   1) \
	OP(LHU,		lhu,		OPR_D1,   1) \
	OP(LWU,		lwu,		OPR_D1,   1) \
	OP(SB,		sb,		OPR_ST,   1) \
	OP(SH,		sh,		OPR_ST,   1) \
	OP(SW,		sw,		OPR_ST,   1) \
	OP(SD,		sd,		OPR_ST,   1) \
	OP(ADDI,	addi,		OPR_D1,   1) \
	OP(SLTI,	slti,		OPR_D1,   1) \
	OP(SLTIU,	sltiu,		OPR_D1,   1) \
	OP(XORI,	xori,		OPR_D1,   1) \
	OP(ORI,		ori,		OPR_D1,   1) \
	OP(ANDI,	andi,		OPR_D1,   1) \
	OP(SLLI,	slli,		OPR_D1,   1) \
	OP(SRLI,	srli,		OPR_D1,   1) \
	OP(SRAI,	srai,		OPR_D1,   1) \
	OP(ADD,		add,		OPR_D12,  1) \
	OP(SUB,		sub,		OPR_D12,  1) \
	OP(SLL,		sll,		OPR_D12,  1) \
	OP(SLT,		slt,		OPR_D12,  1) \
	OP(SLTU,	sltu,		OPR_D12,  1) \
	OP(XOR,		xor,		OPR_D12,  1) \
	OP(SRL,		srl,		OPR_D12,  1) \
	OP(SRA,		sra,		OPR_D12,  1) \
	OP(OR,		or,		OPR_D12,  1) \
	OP(AND,		and,		OPR_D12,  1) \
	OP(ADDIW,	addiw,		OPR_D1,   1) \
	OP(SLLIW,	slliw,		OPR_D1,   1) \
	OP(SRLIW,	srliw,		OPR_D1,   1) \
	OP(SRAIW,	sraiw,		OPR_D1,   1) \
	OP(ADDW,	addw,		OPR_D12,  1) \
	OP(SUBW,	subw,		OPR_D12,  1) \
	OP(SLLW,	sllw,		OPR_D12,  1) \
	OP(SRLW,	srlw,		OPR_D12,  1) \
	OP(SRAW,	sraw,		OPR_D12,  1) \
	OP(MUL,		mul,		OPR_D12,  1) \
	OP(MULH,	mulh,		OPR_D12,  1) \
	OP(MULHSU,	mulhsu,		OPR_D12,  0) \
	OP(MULHU,	mulhu,		OPR_D12,  1) \
	OP(DIV,		div,		OPR_D12,  0) \
	OP(DIVU,	divu,		OPR_D12,  0) \
	OP(REM,		rem,		OPR_D12,  0) \
	OP(REMU,	remu,		OPR_D12,  0) \
	OP(MULW,	mulw,		OPR_D12,  1) \
	OP(DIVW,	divw,		OPR_D12,  0) \
	OP(DIVUW,	divuw,		OPR_D12,  0) \
	OP(REMW,	remw,		OPR_D12,  0) \
	OP(REMUW,	remuw,		OPR_D12,  0) \
	OP(LR_W,	lr_w,		OPR_D1,   0) \
	OP(SC_W,	sc_w,		OPR_D12,  0) \
	OP(LR_D,	lr_d,		OPR_D1,   0) \
	OP(SC_D,	sc_d,		OPR_D12,  0) \
	OP(AMOSWAP_W,	amoswap_w,	OPR_D12,  0) \
	OP(AMOADD_W,	amoadd_w,	OPR_D12,  0) \
	OP(AMOXOR_W,	amoxor_w,	OPR_D12,  0) \
	OP(AMOAND_W,	amoand_w,	OPR_D12,  0) \
	OP(AMOOR_W,	amoor_w,	OPR_D12,  0) \
	OP(AMOMIN_W,	amomin_w,	OPR_D12,  0) \
	OP(AMOMAX_W,	amomax_w,	OPR_D12,  0) \
	OP(AMOMINU_W,	amominu_w,	OPR_D12,  0) \
	OP(AMOMAXU_W,	amomaxu_w,	OPR_D12,  0) \
	OP(AMOSWAP_D,	amoswap_d,	OPR_D12,  0) \
	OP(AMOADD_D,	amoadd_d,	OPR_D12,  0) \
	OP(AMOXOR_D,	amoxor_d,	OPR_D12,  0) \
	OP(AMOAND_D,	amoand_d,	OPR_D12,  0) \
	OP(AMOOR_D,	amoor_d,	OPR_D12,  0) \
	OP(AMOMIN_D,	amomin_d,	OPR_D12,  0) \
	OP(AMOMAX_D,	amomax_d,	OPR_D12,  0) \
	OP(AMOMINU_D,	amominu_d,	OPR_D12,  0) \
	OP(AMOMAXU_D,	amomaxu_d,	OPR_D12,  0) \
	OP(FENCE,	fence,		OPR_NONE, 1) \
	OP(FENCE_I,	fence_i,	OPR_NONE, 0) \
	OP(ECALL,	ecall,		OPR_NONE, 0) \
	OP(EBREAK,	ebreak,		OPR_NONE, 0) \
	OP(MRET,	mret,		OPR_NONE, 0) \
	OP(SRET,	sret,		OPR_NONE, 0) \
	OP(WFI,		wfi,		OPR_NONE, 0) \
	OP(SFENCE_VMA,	sfence_vma,	OPR_BR,   0)	/* reads rs1, rs2 */ \
	OP(CSRRW,	csrrw,		OPR_D1,   0) \
	OP(CSRRS,	csrrs,		OPR_D1,   0) \
	OP(CSRRC,	csrrc,		OPR_D1,   0) \
	OP(CSRRWI,	csrrwi,		OPR_D,    0)	/* rs1: the immediate */ \
	OP(CSRRSI,	csrrsi,		OPR_D,    0) \
	OP(CSRRCI,	csrrci,		OPR_D,    0) \
	OP(FLW,		flw,		OPR_FP,   0)	/* aux: offset */ \
	OP(FLD,		fld,		OPR_FP,   0) \
	OP(FSW,		fsw,		OPR_FP,   0) \
	OP(FSD,		fsd,		OPR_FP,   0) \
	OP(FMA,		fma,		OPR_FP,   0) \
	OP(FP,		fp,		OPR_FP,   0) \
	OP(REFETCH,	refetch,	OPR_NONE, 0)	/* past decoded code */ \
	OP(DEBUG_BREAK,	debug_break,	OPR_NONE, 0)	/* stop before pc */

enum op {
#define OP_ENUM(NAME, name, regs, jit)	OP_##NAME,
	SOFT_OPS(OP_ENUM)
#undef OP_ENUM
	OP_COUNT
};

/* What an operation does with the integer registers (REGS above). */
enum op_regs { OPR_NONE, OPR_D, OPR_D1, OPR_D12, OPR_BR, OPR_ST, OPR_FP };

static inline enum op_regs op_regs(unsigned op)
{
	static const unsigned char regs[OP_COUNT] = {
#define OP_REGS(NAME, name, r, jit)	[OP_##NAME] = r,
		SOFT_OPS(OP_REGS)
#undef OP_REGS
	};

	return (enum op_regs)regs[op];
}

#endif
