/* RV64M: products, quotients and remainders, with the division by zero and
 * signed overflow results the spec defines. */
#include "isa.h"
main:
	TEST(1)
	li	a0, -3
	li	a1, 7
	mul	a2, a0, a1
	EXPECT(a2, -21)
	li	a0, 0x8000000000000000
	li	a1, -1
	mulh	a2, a0, a1
	EXPECT(a2, 0)
	mulhu	a2, a0, a1
	EXPECT(a2, 0x7fffffffffffffff)
	mulhsu	a2, a1, a1		/* -1 * (2^64 - 1) */
	EXPECT(a2, -1)
	mulh	a2, a0, a0
	EXPECT(a2, 0x4000000000000000)
	TEST(2)
	li	a0, -7
	li	a1, 2
	div	a2, a0, a1
	EXPECT(a2, -3)
	rem	a2, a0, a1
	EXPECT(a2, -1)
	divu	a2, a0, a1
	EXPECT(a2, 0x7ffffffffffffffc)
	remu	a2, a0, a1
	EXPECT(a2, 1)
	TEST(3)				/* division by zero */
	div	a2, a0, zero
	EXPECT(a2, -1)
	divu	a2, a0, zero
	EXPECT(a2, -1)
	rem	a2, a0, zero
	EXPECT(a2, -7)
	remu	a2, a0, zero
	EXPECT(a2, -7)
	TEST(4)				/* signed overflow */
	li	a0, 0x8000000000000000
	li	a1, -1
	div	a2, a0, a1
	EXPECT(a2, 0x8000000000000000)
	rem	a2, a0, a1
	EXPECT(a2, 0)
	TEST(5)				/* W forms */
	li	a0, 0x100000003
	li	a1, 0x7fffffff
	mulw	a2, a0, a1
	EXPECT(a2, 0x7ffffffd)
	li	a0, -7
	li	a1, 2
	divw	a2, a0, a1
	EXPECT(a2, -3)
	remw	a2, a0, a1
	EXPECT(a2, -1)
	li	a0, 0xfffffff9
	divuw	a2, a0, a1
	EXPECT(a2, 0x7ffffffc)
	remuw	a2, a0, a1
	EXPECT(a2, 1)
	divw	a2, a0, zero
	EXPECT(a2, -1)
	divuw	a2, a0, zero
	EXPECT(a2, -1)
	remw	a2, a0, zero
	EXPECT(a2, -7)
	remuw	a2, a0, zero
	EXPECT(a2, -7)
	li	a0, 0x80000000
	li	a1, -1
	divw	a2, a0, a1
	EXPECT(a2, 0xffffffff80000000)
	remw	a2, a0, a1
	EXPECT(a2, 0)
	PASS
