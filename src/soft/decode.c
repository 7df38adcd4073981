/*
 * Instruction decoding: one 32-bit or 16-bit instruction into a struct insn.
 * Compressed instructions become the base instruction they expand to, so
 * the interpreter implements each operation once.
 */
#include "cpu.h"
#include "decode.h"

static inline unsigned bit(uint32_t v, unsigned n)
{
	return (v >> n) & 1;
}

static inline int32_t sext(uint32_t v, unsigned width)
{
	return (int32_t)(v << (32 - width)) >> (32 - width);
}

static void set(struct insn *in, enum op op, unsigned rd, unsigned rs1,
		unsigned rs2, int32_t imm)
{
	in->op = (uint8_t)op;
	in->rd = (uint8_t)(rd ? rd : REG_SINK);
	in->rs1 = (uint8_t)rs1;
	in->rs2 = (uint8_t)rs2;
	in->imm = imm;
}

static void illegal(struct insn *in, uint32_t bits)
{
	set(in, OP_ILLEGAL, 0, 0, 0, (int32_t)bits);
}

/* An FP load or store: register numbers as they are (f0 is a register),
 * the offset in aux, the bits in imm for an illegal-instruction trap. */
static void set_fp_mem(struct insn *in, enum op op, unsigned freg, unsigned rs1,
		   int32_t off, uint32_t bits)
{
	in->op = (uint8_t)op;
	in->rd = (uint8_t)freg;
	in->rs2 = (uint8_t)freg;
	in->rs1 = (uint8_t)rs1;
	in->aux = (int16_t)off;
	in->imm = (int32_t)bits;
}

static const uint8_t load_ops[8] = {
	OP_LB, OP_LH, OP_LW, OP_LD, OP_LBU, OP_LHU, OP_LWU, OP_ILLEGAL
};
static const uint8_t branch_ops[8] = {
	OP_BEQ, OP_BNE, OP_ILLEGAL, OP_ILLEGAL,
	OP_BLT, OP_BGE, OP_BLTU, OP_BGEU
};
static const uint8_t alu_ops[8] = {
	OP_ADD, OP_SLL, OP_SLT, OP_SLTU, OP_XOR, OP_SRL, OP_OR, OP_AND
};
static const uint8_t mul_ops[8] = {
	OP_MUL, OP_MULH, OP_MULHSU, OP_MULHU, OP_DIV, OP_DIVU, OP_REM, OP_REMU
};
static const uint8_t csr_ops[8] = {
	OP_ILLEGAL, OP_CSRRW, OP_CSRRS, OP_CSRRC,
	OP_ILLEGAL, OP_CSRRWI, OP_CSRRSI, OP_CSRRCI
};

static enum op amo_op(unsigned funct5, bool dword)
{
	static const struct { uint8_t f5, w, d; } t[] = {
		{ 0x00, OP_AMOADD_W, OP_AMOADD_D },
		{ 0x01, OP_AMOSWAP_W, OP_AMOSWAP_D },
		{ 0x02, OP_LR_W, OP_LR_D },
		{ 0x03, OP_SC_W, OP_SC_D },
		{ 0x04, OP_AMOXOR_W, OP_AMOXOR_D },
		{ 0x08, OP_AMOOR_W, OP_AMOOR_D },
		{ 0x0c, OP_AMOAND_W, OP_AMOAND_D },
		{ 0x10, OP_AMOMIN_W, OP_AMOMIN_D },
		{ 0x14, OP_AMOMAX_W, OP_AMOMAX_D },
		{ 0x18, OP_AMOMINU_W, OP_AMOMINU_D },
		{ 0x1c, OP_AMOMAXU_W, OP_AMOMAXU_D },
	};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].f5 == funct5)
			return dword ? t[i].d : t[i].w;
	return OP_ILLEGAL;
}

static void decode_system(struct insn *in, uint32_t bits)
{
	unsigned f3 = (bits >> 12) & 7, rd = (bits >> 7) & 31;
	unsigned rs1 = (bits >> 15) & 31, rs2 = (bits >> 20) & 31;

	if (f3) {
		set(in, csr_ops[f3], rd, rs1, 0, (int32_t)(bits >> 20));
		if (in->op == OP_ILLEGAL)
			illegal(in, bits);
		return;
	}
	switch (bits) {
	case 0x00000073: set(in, OP_ECALL, 0, 0, 0, 0); return;
	case 0x00100073: set(in, OP_EBREAK, 0, 0, 0, 0); return;
	case 0x30200073: set(in, OP_MRET, 0, 0, 0, 0); return;
	case 0x10200073: set(in, OP_SRET, 0, 0, 0, 0); return;
	case 0x10500073: set(in, OP_WFI, 0, 0, 0, 0); return;
	}
	if ((bits >> 25) == 0x09 && rd == 0) {
		set(in, OP_SFENCE_VMA, 0, rs1, rs2, 0);
		return;
	}
	illegal(in, bits);
}

static void decode32(struct insn *in, uint32_t bits)
{
	unsigned rd = (bits >> 7) & 31, f3 = (bits >> 12) & 7;
	unsigned rs1 = (bits >> 15) & 31, rs2 = (bits >> 20) & 31;
	unsigned f7 = bits >> 25;
	int32_t imm_i = (int32_t)bits >> 20;
	int32_t imm_s = ((int32_t)bits >> 25) * 32 + (int32_t)rd;
	int32_t imm_u = (int32_t)(bits & 0xfffff000u);
	int32_t imm_b = sext((bit(bits, 31) << 12) | (bit(bits, 7) << 11) |
			     (((bits >> 25) & 0x3f) << 5) |
			     (((bits >> 8) & 0xf) << 1), 13);
	int32_t imm_j = sext((bit(bits, 31) << 20) | (bits & 0xff000) |
			     (bit(bits, 20) << 11) |
			     (((bits >> 21) & 0x3ff) << 1), 21);

	in->len = 4;
	switch (bits & 0x7f) {
	case 0x37: set(in, OP_ADDI, rd, 0, 0, imm_u); return;	/* LUI */
	case 0x17: set(in, OP_AUIPC, rd, 0, 0, imm_u); return;
	case 0x6f: set(in, OP_JAL, rd, 0, 0, imm_j); return;
	case 0x67:
		if (f3 == 0) {
			set(in, OP_JALR, rd, rs1, 0, imm_i);
			return;
		}
		break;
	case 0x63:
		if (branch_ops[f3] != OP_ILLEGAL) {
			set(in, branch_ops[f3], 0, rs1, rs2, imm_b);
			return;
		}
		break;
	case 0x03:
		if (load_ops[f3] != OP_ILLEGAL) {
			set(in, load_ops[f3], rd, rs1, 0, imm_i);
			return;
		}
		break;
	case 0x23:
		if (f3 < 4) {
			set(in, OP_SB + f3, 0, rs1, rs2, imm_s);
			return;
		}
		break;
	case 0x13:
		switch (f3) {
		case 0: set(in, OP_ADDI, rd, rs1, 0, imm_i); return;
		case 2: set(in, OP_SLTI, rd, rs1, 0, imm_i); return;
		case 3: set(in, OP_SLTIU, rd, rs1, 0, imm_i); return;
		case 4: set(in, OP_XORI, rd, rs1, 0, imm_i); return;
		case 6: set(in, OP_ORI, rd, rs1, 0, imm_i); return;
		case 7: set(in, OP_ANDI, rd, rs1, 0, imm_i); return;
		case 1:
			if ((bits >> 26) == 0) {
				set(in, OP_SLLI, rd, rs1, 0, imm_i & 63);
				return;
			}
			break;
		case 5:
			if ((bits >> 26) == 0 || (bits >> 26) == 0x10) {
				set(in, (bits >> 26) ? OP_SRAI : OP_SRLI, rd, rs1,
				    0, imm_i & 63);
				return;
			}
			break;
		}
		break;
	case 0x1b:
		if (f3 == 0) {
			set(in, OP_ADDIW, rd, rs1, 0, imm_i);
			return;
		}
		if (f3 == 1 && f7 == 0) {
			set(in, OP_SLLIW, rd, rs1, 0, (int32_t)rs2);
			return;
		}
		if (f3 == 5 && (f7 == 0 || f7 == 0x20)) {
			set(in, f7 ? OP_SRAIW : OP_SRLIW, rd, rs1, 0,
			    (int32_t)rs2);
			return;
		}
		break;
	case 0x33:
		if (f7 == 0) {
			set(in, alu_ops[f3], rd, rs1, rs2, 0);
			return;
		}
		if (f7 == 1) {
			set(in, mul_ops[f3], rd, rs1, rs2, 0);
			return;
		}
		if (f7 == 0x20 && (f3 == 0 || f3 == 5)) {
			set(in, f3 ? OP_SRA : OP_SUB, rd, rs1, rs2, 0);
			return;
		}
		break;
	case 0x3b: {
		enum op op = OP_ILLEGAL;

		if (f7 == 0)
			op = f3 == 0 ? OP_ADDW : f3 == 1 ? OP_SLLW :
			     f3 == 5 ? OP_SRLW : OP_ILLEGAL;
		else if (f7 == 0x20)
			op = f3 == 0 ? OP_SUBW : f3 == 5 ? OP_SRAW : OP_ILLEGAL;
		else if (f7 == 1)
			op = f3 == 0 ? OP_MULW : f3 == 4 ? OP_DIVW :
			     f3 == 5 ? OP_DIVUW : f3 == 6 ? OP_REMW :
			     f3 == 7 ? OP_REMUW : OP_ILLEGAL;
		if (op != OP_ILLEGAL) {
			set(in, op, rd, rs1, rs2, 0);
			return;
		}
		break;
	}
	case 0x0f:
		if (f3 == 0) {
			/* fm, pred, succ: what the fence orders */
			set(in, OP_FENCE, 0, 0, 0, (int32_t)(bits >> 20));
			return;
		}
		if (f3 == 1) {
			set(in, OP_FENCE_I, 0, 0, 0, 0);
			return;
		}
		break;
	case 0x73:
		decode_system(in, bits);
		return;
	case 0x07:
		if (f3 == 2 || f3 == 3) {
			set_fp_mem(in, f3 == 2 ? OP_FLW : OP_FLD, rd, rs1, imm_i, bits);
			return;
		}
		break;
	case 0x27:
		if (f3 == 2 || f3 == 3) {
			set_fp_mem(in, f3 == 2 ? OP_FSW : OP_FSD, rs2, rs1, imm_s, bits);
			return;
		}
		break;
	case 0x43: case 0x47: case 0x4b: case 0x4f:
		set(in, OP_FMA, 0, 0, 0, (int32_t)bits);
		return;
	case 0x53:
		set(in, OP_FP, 0, 0, 0, (int32_t)bits);
		return;
	case 0x2f:
		if (f3 == 2 || f3 == 3) {
			enum op op = amo_op(bits >> 27, f3 == 3);

			if ((op == OP_LR_W || op == OP_LR_D) && rs2)
				op = OP_ILLEGAL;
			if (op != OP_ILLEGAL) {
				set(in, op, rd, rs1, rs2, 0);
				return;
			}
		}
		break;
	}
	illegal(in, bits);
}

/* Register fields of the compressed formats that name x8..x15. */
static inline unsigned creg(uint32_t bits, unsigned shift)
{
	return ((bits >> shift) & 7) + 8;
}

static void decode_q0(struct insn *in, uint32_t b)
{
	unsigned rd = creg(b, 2), rs1 = creg(b, 7);
	uint32_t lw_off = ((b >> 7) & 0x38) | ((b >> 4) & 4) | ((b << 1) & 0x40);
	uint32_t ld_off = ((b >> 7) & 0x38) | ((b << 1) & 0xc0);

	switch ((b >> 13) & 7) {
	case 0: {
		uint32_t imm = ((b >> 7) & 0x30) | ((b >> 1) & 0x3c0) |
			       ((b >> 4) & 4) | ((b >> 2) & 8);
		if (imm) {
			set(in, OP_ADDI, rd, 2, 0, (int32_t)imm);
			return;
		}
		break;
	}
	case 1: set_fp_mem(in, OP_FLD, rd, rs1, (int32_t)ld_off, b); return;
	case 2: set(in, OP_LW, rd, rs1, 0, (int32_t)lw_off); return;
	case 3: set(in, OP_LD, rd, rs1, 0, (int32_t)ld_off); return;
	case 5: set_fp_mem(in, OP_FSD, rd, rs1, (int32_t)ld_off, b); return;
	case 6: set(in, OP_SW, 0, rs1, rd, (int32_t)lw_off); return;
	case 7: set(in, OP_SD, 0, rs1, rd, (int32_t)ld_off); return;
	}
	illegal(in, b);
}

static void decode_q1(struct insn *in, uint32_t b)
{
	unsigned rd = (b >> 7) & 31, rdp = creg(b, 7), rs2p = creg(b, 2);
	int32_t imm6 = sext((bit(b, 12) << 5) | ((b >> 2) & 31), 6);

	switch ((b >> 13) & 7) {
	case 0: set(in, OP_ADDI, rd, rd, 0, imm6); return;
	case 1:
		if (rd) {
			set(in, OP_ADDIW, rd, rd, 0, imm6);
			return;
		}
		break;
	case 2: set(in, OP_ADDI, rd, 0, 0, imm6); return;
	case 3:
		if (rd == 2) {
			int32_t imm = sext((bit(b, 12) << 9) |
					   ((b >> 2) & 0x10) |
					   ((b << 1) & 0x40) |
					   ((b << 4) & 0x180) |
					   ((b << 3) & 0x20), 10);
			if (imm) {
				set(in, OP_ADDI, 2, 2, 0, imm);
				return;
			}
		} else if (imm6) {
			set(in, OP_ADDI, rd, 0, 0, imm6 * 4096);
			return;
		}
		break;
	case 4:
		switch ((b >> 10) & 3) {
		case 0:
			set(in, OP_SRLI, rdp, rdp, 0, imm6 & 63);
			return;
		case 1:
			set(in, OP_SRAI, rdp, rdp, 0, imm6 & 63);
			return;
		case 2:
			set(in, OP_ANDI, rdp, rdp, 0, imm6);
			return;
		case 3: {
			static const uint8_t ops[8] = {
				OP_SUB, OP_XOR, OP_OR, OP_AND,
				OP_SUBW, OP_ADDW, OP_ILLEGAL, OP_ILLEGAL
			};
			enum op op = ops[(bit(b, 12) << 2) | ((b >> 5) & 3)];

			if (op != OP_ILLEGAL) {
				set(in, op, rdp, rdp, rs2p, 0);
				return;
			}
			break;
		}
		}
		break;
	case 5: {
		int32_t imm = sext((bit(b, 12) << 11) | ((b >> 7) & 0x10) |
				   ((b >> 1) & 0x300) | ((b << 2) & 0x400) |
				   ((b >> 1) & 0x40) | ((b << 1) & 0x80) |
				   ((b >> 2) & 0xe) | ((b << 3) & 0x20), 12);
		set(in, OP_JAL, 0, 0, 0, imm);
		return;
	}
	case 6:
	case 7: {
		int32_t imm = sext((bit(b, 12) << 8) | ((b >> 7) & 0x18) |
				   ((b << 1) & 0xc0) | ((b >> 2) & 6) |
				   ((b << 3) & 0x20), 9);
		set(in, bit(b, 13) ? OP_BNE : OP_BEQ, 0, rdp, 0, imm);
		return;
	}
	}
	illegal(in, b);
}

static void decode_q2(struct insn *in, uint32_t b)
{
	unsigned rd = (b >> 7) & 31, rs2 = (b >> 2) & 31;
	unsigned shamt = (bit(b, 12) << 5) | rs2;

	switch ((b >> 13) & 7) {
	case 0: set(in, OP_SLLI, rd, rd, 0, (int32_t)shamt); return;
	case 1:
		set_fp_mem(in, OP_FLD, rd, 2, (int32_t)(((b >> 7) & 0x20) |
		       ((b >> 2) & 0x18) | ((b << 4) & 0x1c0)), b);
		return;
	case 2:
		if (rd) {
			set(in, OP_LW, rd, 2, 0, (int32_t)(((b >> 7) & 0x20) |
				((b >> 2) & 0x1c) | ((b << 4) & 0xc0)));
			return;
		}
		break;
	case 3:
		if (rd) {
			set(in, OP_LD, rd, 2, 0, (int32_t)(((b >> 7) & 0x20) |
				((b >> 2) & 0x18) | ((b << 4) & 0x1c0)));
			return;
		}
		break;
	case 4:
		if (!bit(b, 12)) {
			if (rs2)
				set(in, OP_ADD, rd, 0, rs2, 0);		/* c.mv */
			else if (rd)
				set(in, OP_JALR, 0, rd, 0, 0);		/* c.jr */
			else
				break;
			return;
		}
		if (!rd && !rs2)
			set(in, OP_EBREAK, 0, 0, 0, 0);
		else if (!rs2)
			set(in, OP_JALR, 1, rd, 0, 0);		/* c.jalr */
		else
			set(in, OP_ADD, rd, rd, rs2, 0);
		return;
	case 6:
		set(in, OP_SW, 0, 2, rs2, (int32_t)(((b >> 7) & 0x3c) |
			((b >> 1) & 0xc0)));
		return;
	case 5:
		set_fp_mem(in, OP_FSD, rs2, 2, (int32_t)(((b >> 7) & 0x38) |
		       ((b >> 1) & 0x1c0)), b);
		return;
	case 7:
		set(in, OP_SD, 0, 2, rs2, (int32_t)(((b >> 7) & 0x38) |
			((b >> 1) & 0x1c0)));
		return;
	}
	illegal(in, b);
}

void decode(struct insn *in, uint32_t bits)
{
	if ((bits & 3) == 3) {
		decode32(in, bits);
		return;
	}
	bits &= 0xffff;
	in->len = 2;
	switch (bits & 3) {
	case 0: decode_q0(in, bits); break;
	case 1: decode_q1(in, bits); break;
	default: decode_q2(in, bits); break;
	}
}
