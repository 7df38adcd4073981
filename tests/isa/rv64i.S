/* RV64I: arithmetic, logic, shifts, compares, W forms, LUI/AUIPC, x0. */
#include "isa.h"
main:
	TEST(1)
	li	a0, 0x7fffffffffffffff
	addi	a1, a0, 1
	EXPECT(a1, 0x8000000000000000)
	addi	a2, zero, -2048
	EXPECT(a2, -2048)
	add	a3, a0, a0
	EXPECT(a3, -2)
	sub	a4, zero, a0
	EXPECT(a4, 0x8000000000000001)
	TEST(2)
	li	a0, 0xf0f0
	xori	a1, a0, -1
	EXPECT(a1, 0xffffffffffff0f0f)
	ori	a2, a0, 0x70f
	EXPECT(a2, 0xf7ff)
	andi	a3, a0, 0x0ff
	EXPECT(a3, 0xf0)
	li	a4, 0x0ff0
	xor	a5, a0, a4
	EXPECT(a5, 0xff00)
	or	a5, a0, a4
	EXPECT(a5, 0xfff0)
	and	a5, a0, a4
	EXPECT(a5, 0x0f0)
	TEST(3)
	li	a0, 0x8000000000000001
	slli	a1, a0, 0
	EXPECT(a1, 0x8000000000000001)
	slli	a1, a0, 63
	EXPECT(a1, 0x8000000000000000)
	srli	a2, a0, 63
	EXPECT(a2, 1)
	srai	a3, a0, 63
	EXPECT(a3, -1)
	srai	a3, a0, 32
	EXPECT(a3, 0xffffffff80000000)
	li	a4, 65			/* shift amounts use the low 6 bits */
	sll	a5, a0, a4
	EXPECT(a5, 2)
	srl	a5, a0, a4
	EXPECT(a5, 0x4000000000000000)
	sra	a5, a0, a4
	EXPECT(a5, 0xc000000000000000)
	TEST(4)
	li	a0, -1
	li	a1, 1
	slt	a2, a0, a1
	EXPECT(a2, 1)
	sltu	a2, a0, a1
	EXPECT(a2, 0)
	slti	a2, a0, 0
	EXPECT(a2, 1)
	sltiu	a2, a1, -1		/* compares with 0xffff...ffff */
	EXPECT(a2, 1)
	sltiu	a2, zero, 1		/* seqz */
	EXPECT(a2, 1)
	TEST(5)
	li	a0, 0x7fffffff
	addiw	a1, a0, 1
	EXPECT(a1, 0xffffffff80000000)
	addw	a1, a0, a0
	EXPECT(a1, -2)
	li	a2, 0x100000000
	subw	a3, zero, a2
	EXPECT(a3, 0)
	li	a0, 0xffffffff00000001
	slliw	a1, a0, 31
	EXPECT(a1, 0xffffffff80000000)
	srliw	a1, a1, 31
	EXPECT(a1, 1)
	li	a0, 0x80000000
	sraiw	a1, a0, 4
	EXPECT(a1, 0xfffffffff8000000)
	li	a4, 33
	sllw	a1, a0, a4		/* uses the low 5 bits: 1 */
	EXPECT(a1, 0)
	srlw	a1, a0, a4
	EXPECT(a1, 0x40000000)
	sraw	a1, a0, a4
	EXPECT(a1, 0xffffffffc0000000)
	sraiw	a1, a0, 0		/* sext.w */
	EXPECT(a1, 0xffffffff80000000)
	TEST(6)
	lui	a0, 0x80000
	EXPECT(a0, 0xffffffff80000000)
	lui	a0, 0x7ffff
	EXPECT(a0, 0x7ffff000)
1:	auipc	a1, 0
	la	a2, 1b
	bne	a1, a2, fail
2:	auipc	a1, 1
	la	a2, 2b
	sub	a1, a1, a2
	EXPECT(a1, 0x1000)
	TEST(7)
	li	a0, 5
	addi	zero, a0, 1		/* writes to x0 vanish */
	add	zero, a0, a0
	lui	zero, 1
	bnez	zero, fail
	PASS
