/* RV64A: LR/SC and every AMO in both widths; misaligned AMOs trap. */
#include "isa.h"
main:
	la	a0, word
	TEST(1)				/* LR/SC succeeds, a second SC fails */
	li	a1, 41
	sd	a1, 0(a0)
	lr.d	a2, (a0)
	EXPECT(a2, 41)
	addi	a2, a2, 1
	sc.d	a3, a2, (a0)
	EXPECT(a3, 0)
	sc.d	a3, a2, (a0)
	bnez	a3, 1f
	j	fail
1:	ld	a4, 0(a0)
	EXPECT(a4, 42)
	TEST(2)				/* word forms sign-extend */
	li	a1, 0x80000000
	sw	a1, 0(a0)
	lr.w	a2, (a0)
	EXPECT(a2, 0xffffffff80000000)
	li	a1, 5
	sc.w	a3, a1, (a0)
	EXPECT(a3, 0)
	lw	a4, 0(a0)
	EXPECT(a4, 5)
	TEST(3)
	li	a1, 10
	sd	a1, 0(a0)
	li	a2, 3
	amoadd.d a3, a2, (a0)
	EXPECT(a3, 10)
	amoswap.d a3, a2, (a0)
	EXPECT(a3, 13)
	li	a2, 6
	amoxor.d a3, a2, (a0)		/* 3 ^ 6 = 5 */
	amoand.d a3, a2, (a0)		/* 5 & 6 = 4 */
	amoor.d	a3, a2, (a0)		/* 4 | 6 = 6 */
	EXPECT(a3, 4)
	ld	a4, 0(a0)
	EXPECT(a4, 6)
	TEST(4)				/* min/max, signed and unsigned */
	li	a2, -1
	amomin.d a3, a2, (a0)
	ld	a4, 0(a0)
	EXPECT(a4, -1)
	li	a2, 7
	amomax.d a3, a2, (a0)
	ld	a4, 0(a0)
	EXPECT(a4, 7)
	li	a2, -1
	amominu.d a3, a2, (a0)
	ld	a4, 0(a0)
	EXPECT(a4, 7)
	amomaxu.d a3, a2, (a0)
	ld	a4, 0(a0)
	EXPECT(a4, -1)
	TEST(5)				/* .W forms */
	li	a1, 0x7fffffff
	sd	zero, 0(a0)
	sw	a1, 0(a0)
	li	a2, 1
	amoadd.w a3, a2, (a0)
	EXPECT(a3, 0x7fffffff)
	lw	a4, 0(a0)
	EXPECT(a4, 0xffffffff80000000)
	amomin.w a3, a2, (a0)
	EXPECT(a3, 0xffffffff80000000)
	lw	a4, 0(a0)
	EXPECT(a4, 0xffffffff80000000)
	amomaxu.w a3, a2, (a0)
	lw	a4, 0(a0)
	EXPECT(a4, 0xffffffff80000000)
	amominu.w a3, a2, (a0)
	lw	a4, 0(a0)
	EXPECT(a4, 1)
	li	a2, -5
	amomax.w a3, a2, (a0)
	lw	a4, 0(a0)
	EXPECT(a4, 1)
	amoswap.w a3, a2, (a0)
	amoxor.w a3, a2, (a0)
	amoor.w	a3, a2, (a0)
	amoand.w a3, a2, (a0)		/* swap, xor to 0, or, and: -5 */
	EXPECT(a3, -5)
	lw	a4, 0(a0)
	EXPECT(a4, -5)
	ld	a4, 0(a0)		/* the upper word is untouched */
	EXPECT(a4, 0xfffffffb)
	/* Misaligned AMOs and SC raise store/AMO address misaligned (6), LR
	 * load address misaligned (4).  QEMU 7.2 reports 4 for the AMO. */
	TEST(6)
	addi	a5, a0, 2
	EXPECT_TRAP(6, 0)
	mv	s11, a5
	amoadd.w a3, a2, (a5)
	TRAPPED()
	EXPECT_TRAP(6, 0)
	mv	s11, a5
	sc.d	a3, a2, (a5)
	TRAPPED()
	EXPECT_TRAP(4, 0)
	mv	s11, a5
	lr.w	a3, (a5)
	TRAPPED()
	TEST(7)				/* AMO on a device: access fault */
	li	a5, 0x18000000
	EXPECT_TRAP(7, 0x18000000)
	amoor.w	a3, a2, (a5)
	TRAPPED()
	PASS

	.data
	.balign 8
word:	.dword 0
