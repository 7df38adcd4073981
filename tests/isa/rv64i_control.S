/* RV64I branches, JAL and JALR (link values, bit 0 of the target). */
#include "isa.h"
main:
	TEST(1)
	li	a0, -1
	li	a1, 1
	beq	a0, a1, fail
	bne	a0, a0, fail
	blt	a1, a0, fail
	bge	a0, a1, fail
	bltu	a0, a1, fail
	bgeu	a1, a0, fail
	TEST(2)
	beq	a0, a0, 1f
	j	fail
1:	bne	a0, a1, 1f
	j	fail
1:	blt	a0, a1, 1f
	j	fail
1:	bge	a1, a0, 1f
	j	fail
1:	bge	a0, a0, 1f
	j	fail
1:	bltu	a1, a0, 1f
	j	fail
1:	bgeu	a0, a1, 1f
	j	fail
	TEST(3)			/* backward branch: a loop of 10 */
1:	li	a2, 0
	li	a3, 10
2:	addi	a2, a2, 1
	blt	a2, a3, 2b
	EXPECT(a2, 10)
	TEST(4)
	jal	ra, 1f
2:	j	fail
1:	la	t0, 2b
	bne	ra, t0, fail
	la	a4, 3f
	addi	a4, a4, 1		/* jalr clears bit 0 */
	jalr	a5, 0(a4)
4:	j	fail
3:	la	t0, 4b
	bne	a5, t0, fail
	TEST(5)
	la	a4, 5f
	jalr	a4, 0(a4)		/* rd == rs1: target read first */
6:	j	fail
5:	la	t0, 6b
	bne	a4, t0, fail
	la	a4, 7f - 8
	jalr	zero, 8(a4)
	j	fail
7:	PASS
