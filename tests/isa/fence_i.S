/* FENCE.I: code written by stores runs after FENCE.I. */
#include "isa.h"
main:
	TEST(1)
	la	a0, patch
	jalr	a0
	EXPECT(a1, 1)
	li	t0, 0x00200593		/* addi a1, zero, 2 */
	sw	t0, 0(a0)
	fence.i
	jalr	a0
	EXPECT(a1, 2)
	TEST(2)				/* a compressed instruction */
	la	a0, cpatch
	li	t0, 0x45a1		/* c.li a1, 8; c.nop */
	sh	t0, 0(a0)
	li	t0, 0x0001
	sh	t0, 2(a0)
	fence.i
	jalr	a0
	EXPECT(a1, 8)
	PASS

	.data
	.balign 4
	.option push
	.option norvc
patch:	addi	a1, zero, 1
	ret
cpatch:	addi	a1, zero, 3		/* becomes c.li a1, 8; c.nop */
	ret
	.option pop
