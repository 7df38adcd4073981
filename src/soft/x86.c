/*
 * An x86-64 instruction encoder for the code generator (jit.c): each call
 * appends one instruction's bytes to a buffer the caller made big enough.
 */
#include <string.h>

#include "x86.h"

void x86_byte(struct x86_code *e, unsigned v)
{
	e->buf[e->pos++] = (uint8_t)v;
}

void x86_u32(struct x86_code *e, uint32_t v)
{
	memcpy(e->buf + e->pos, &v, 4);
	e->pos += 4;
}

void x86_u64(struct x86_code *e, uint64_t v)
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

void rex(struct x86_code *e, bool w, unsigned reg, unsigned index,
	 unsigned base, bool force)
{
	unsigned v = 0x40 | (unsigned)w << 3 | (reg >> 3 & 1) << 2 |
		     (index >> 3 & 1) << 1 | (base >> 3 & 1);

	if (v != 0x40 || force)
		x86_byte(e, v);
}

void opcode(struct x86_code *e, unsigned opc)
{
	if (opc > 0xff)
		x86_byte(e, opc >> 8);
	x86_byte(e, opc & 0xff);
}

/* op reg, rm (both registers); byte: rm is a byte register. */
void op_rr(struct x86_code *e, bool w, unsigned opc, unsigned reg, unsigned rm)
{
	rex(e, w, reg, 0, rm, false);
	opcode(e, opc);
	x86_byte(e, 0xc0 | (reg & 7) << 3 | (rm & 7));
}

/* op reg, [base + index + disp]. */
void op_rm(struct x86_code *e, bool w, unsigned opc, unsigned reg,
		  unsigned base, int index, int32_t disp)
{
	unsigned mod = disp == 0 && (base & 7) != RBP ? 0 : fits8(disp) ? 1 : 2;

	rex(e, w, reg, index < 0 ? 0 : (unsigned)index, base,
	    opc == X_STORE8 && reg >= RSP);
	opcode(e, opc);
	if (index >= 0 || (base & 7) == RSP) {
		x86_byte(e, mod << 6 | (reg & 7) << 3 | 4);
		x86_byte(e, (unsigned)(index >= 0 ? index & 7 : RSP) << 3 | (base & 7));
	} else {
		x86_byte(e, mod << 6 | (reg & 7) << 3 | (base & 7));
	}
	if (mod == 1)
		x86_byte(e, (uint8_t)disp);
	else if (mod == 2)
		x86_u32(e, (uint32_t)disp);
}

/* The immediate group: op reg, imm (sign-extended imm32). */
void op_ri(struct x86_code *e, bool w, unsigned grp, unsigned reg, int32_t imm)
{
	rex(e, w, 0, 0, reg, false);
	x86_byte(e, fits8(imm) ? 0x83 : 0x81);
	x86_byte(e, 0xc0 | grp << 3 | (reg & 7));
	if (fits8(imm))
		x86_byte(e, (uint8_t)imm);
	else
		x86_u32(e, (uint32_t)imm);
}

void shift_ri(struct x86_code *e, bool w, unsigned grp, unsigned reg, unsigned n)
{
	rex(e, w, 0, 0, reg, false);
	x86_byte(e, 0xc1);
	x86_byte(e, 0xc0 | grp << 3 | (reg & 7));
	x86_byte(e, n);
}

void shift_cl(struct x86_code *e, bool w, unsigned grp, unsigned reg)
{
	rex(e, w, 0, 0, reg, false);
	x86_byte(e, 0xd3);
	x86_byte(e, 0xc0 | grp << 3 | (reg & 7));
}

void mov_ri(struct x86_code *e, unsigned reg, uint64_t v)
{
	if (v <= UINT32_MAX) {			/* mov r32, imm32 */
		rex(e, false, 0, 0, reg, false);
		x86_byte(e, 0xb8 + (reg & 7));
		x86_u32(e, (uint32_t)v);
	} else if (fits32((int64_t)v)) {	/* mov r/m64, simm32 */
		rex(e, true, 0, 0, reg, false);
		x86_byte(e, 0xc7);
		x86_byte(e, 0xc0 | (reg & 7));
		x86_u32(e, (uint32_t)v);
	} else {
		rex(e, true, 0, 0, reg, false);
		x86_byte(e, 0xb8 + (reg & 7));
		x86_u64(e, v);
	}
}

/* setcc cl; movzx eax, cl */
void setcc_rax(struct x86_code *e, unsigned cc)
{
	x86_byte(e, 0x0f);
	x86_byte(e, 0x90 + cc);
	x86_byte(e, 0xc0 | RCX);
	op_rr(e, false, X_MOVZX8, RAX, RCX);
}

/* A rel32 jump or jcc to be resolved later; returns where its rel32 is. */
size_t x86_jump(struct x86_code *e, int cc)
{
	if (cc < 0) {
		x86_byte(e, 0xe9);
	} else {
		x86_byte(e, 0x0f);
		x86_byte(e, 0x80 + (unsigned)cc);
	}
	x86_u32(e, 0);
	return e->pos - 4;
}

void x86_patch_rel32(struct x86_code *e, size_t at, size_t target)
{
	uint32_t rel = (uint32_t)(int32_t)((int64_t)target - (int64_t)(at + 4));

	memcpy(e->buf + at, &rel, 4);
}
