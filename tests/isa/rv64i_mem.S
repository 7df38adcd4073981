/* Loads and stores of every width, sign and zero extension, misaligned
 * accesses (performed, also across a page boundary). */
#include "isa.h"
main:
	TEST(1)
	la	a0, data
	li	a1, 0x8182838485868788
	sd	a1, 0(a0)
	lb	a2, 0(a0)
	EXPECT(a2, 0xffffffffffffff88)
	lbu	a2, 0(a0)
	EXPECT(a2, 0x88)
	lh	a2, 2(a0)
	EXPECT(a2, 0xffffffffffff8586)
	lhu	a2, 2(a0)
	EXPECT(a2, 0x8586)
	lw	a2, 4(a0)
	EXPECT(a2, 0xffffffff81828384)
	lwu	a2, 4(a0)
	EXPECT(a2, 0x81828384)
	ld	a2, 0(a0)
	EXPECT(a2, 0x8182838485868788)
	TEST(2)
	sb	zero, 1(a0)
	sh	zero, 4(a0)
	ld	a2, 0(a0)
	EXPECT(a2, 0x8182000085860088)
	li	a1, -1
	sw	a1, 8(a0)
	ld	a2, 8(a0)
	EXPECT(a2, 0x00000000ffffffff)
	sd	a1, -8(a0)		/* negative offsets */
	ld	a2, -8(a0)
	EXPECT(a2, -1)
	TEST(3)				/* misaligned */
	li	a1, 0x1122334455667788
	sd	a1, 3(a0)
	ld	a2, 3(a0)
	EXPECT(a2, 0x1122334455667788)
	lw	a2, 5(a0)
	EXPECT(a2, 0x33445566)
	lh	a2, 1(a0)
	TEST(4)				/* across a page boundary */
	la	a0, page_end
	li	a1, 0x0102030405060708
	sd	a1, -3(a0)
	ld	a2, -3(a0)
	EXPECT(a2, 0x0102030405060708)
	lbu	a2, -3(a0)
	EXPECT(a2, 0x08)
	lbu	a2, 4(a0)
	EXPECT(a2, 0x01)
	PASS

	.data
	.balign 16
	.space 16
data:	.space 32
	.balign 4096
	.space 4096
page_end:
	.space 64
