/*
 * The x86-64 instruction encoder (x86.c) the code generator writes its
 * blocks with.
 */
#ifndef NORVM_SOFT_X86_H
#define NORVM_SOFT_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where instructions go: buf[pos] onwards, room checked by the caller. */
struct x86_code {
	uint8_t *buf;
	size_t pos;
};

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
       R8, R9, R10, R11, R12, R13, R14, R15 };

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

void x86_byte(struct x86_code *e, unsigned v);
void x86_u32(struct x86_code *e, uint32_t v);
void x86_u64(struct x86_code *e, uint64_t v);
/* A REX prefix when one is needed (or forced, for byte registers). */
void rex(struct x86_code *e, bool w, unsigned reg, unsigned index,
	 unsigned base, bool force);
/* An opcode of one or two bytes (X_*). */
void opcode(struct x86_code *e, unsigned opc);
/* op reg, rm (both registers). */
void op_rr(struct x86_code *e, bool w, unsigned opc, unsigned reg, unsigned rm);
/* op reg, [base + index + disp]; index NOREG: none. */
void op_rm(struct x86_code *e, bool w, unsigned opc, unsigned reg,
	   unsigned base, int index, int32_t disp);
/* The immediate group (G_*): op reg, imm. */
void op_ri(struct x86_code *e, bool w, unsigned grp, unsigned reg, int32_t imm);
/* The shift group (S_*) by n, or by cl. */
void shift_ri(struct x86_code *e, bool w, unsigned grp, unsigned reg, unsigned n);
void shift_cl(struct x86_code *e, bool w, unsigned grp, unsigned reg);
/* reg = v, in the shortest form. */
void mov_ri(struct x86_code *e, unsigned reg, uint64_t v);
/* eax = condition cc (0 or 1); clobbers rcx. */
void setcc_rax(struct x86_code *e, unsigned cc);
/* A rel32 jmp (cc < 0) or jcc; returns where its rel32 is, to patch. */
size_t x86_jump(struct x86_code *e, int cc);
/* Point the rel32 at `at` to target. */
void x86_patch_rel32(struct x86_code *e, size_t at, size_t target);

#endif
