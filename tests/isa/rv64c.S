/* RV64C: every compressed instruction of RV64IC, written explicitly, each
 * checked for its 2-byte encoding (via the label distance) and result. */
#include "isa.h"
#define SIZE2(a, b) la t3, a; la t4, b; sub t3, t4, t3; li t6, 2; bne t3, t6, fail

main:
	TEST(1)
1:	c.li	a0, -5
2:	SIZE2(1b, 2b)
	EXPECT(a0, -5)
	c.addi	a0, 7
	EXPECT(a0, 2)
	c.addiw	a0, -3
	EXPECT(a0, -1)
	li	a1, 0x7fffffff
	c.addiw	a1, 1
	EXPECT(a1, 0xffffffff80000000)
	c.lui	a2, 0xfffff
	EXPECT(a2, 0xfffffffffffff000)
	c.lui	a2, 1
	EXPECT(a2, 0x1000)
	TEST(2)
	mv	s0, sp
	c.addi16sp sp, -64
	sub	t0, s0, sp
	EXPECT(t0, 64)
	c.addi4spn s1, sp, 16
	sub	t0, s1, sp
	EXPECT(t0, 16)
	c.addi16sp sp, 64
	TEST(3)
	li	s1, 0xf0
	c.srli	s1, 4
	EXPECT(s1, 0xf)
	li	s1, -16
	c.srai	s1, 2
	EXPECT(s1, -4)
	c.andi	s1, 0x1d
	EXPECT(s1, 0x1c)
	c.slli	s1, 60
	EXPECT(s1, 0xc000000000000000)
	TEST(4)
	li	s0, 12
	li	s1, 10
	c.sub	s0, s1
	EXPECT(s0, 2)
	c.xor	s0, s1
	EXPECT(s0, 8)
	c.or	s0, s1
	EXPECT(s0, 10)
	c.and	s0, s1
	EXPECT(s0, 10)
	li	s0, 0x7fffffff
	c.addw	s0, s1
	EXPECT(s0, 0xffffffff80000009)
	c.subw	s0, s1
	EXPECT(s0, 0x7fffffff)
	c.mv	a3, s1
	EXPECT(a3, 10)
	c.add	a3, s1
	EXPECT(a3, 20)
	TEST(5)				/* loads and stores */
	la	s0, buf
	li	s1, 0x1122334455667788
	c.sd	s1, 8(s0)
	c.ld	a4, 8(s0)
	EXPECT(a4, 0x1122334455667788)
	c.sw	s1, 4(s0)
	c.lw	a4, 4(s0)
	EXPECT(a4, 0x55667788)
	li	s1, 0x80000000
	c.sw	s1, 0(s0)
	c.lw	a4, 0(s0)
	EXPECT(a4, 0xffffffff80000000)
	c.addi16sp sp, -32
	c.sdsp	s1, 8(sp)
	c.ldsp	a5, 8(sp)
	EXPECT(a5, 0x80000000)
	c.swsp	s1, 16(sp)
	c.lwsp	a5, 16(sp)
	EXPECT(a5, 0xffffffff80000000)
	c.addi16sp sp, 32
	TEST(6)				/* control transfer */
	li	s0, 0
	c.beqz	s0, 1f
	j	fail
1:	c.bnez	s0, fail
	li	s0, 1
	c.bnez	s0, 1f
	j	fail
1:	c.j	1f
	j	fail
1:	la	a0, 2f
	c.jr	a0
	j	fail
2:	la	a0, 3f
	c.jalr	a0
4:	j	5f
3:	la	t0, 4b
	bne	ra, t0, fail
	ret
5:	TEST(7)				/* c.ebreak */
	EXPECT_TRAP(3, ANY)
	c.ebreak
	TRAPPED()
	TEST(8)				/* c.nop and the illegal all-zero parcel */
	c.nop
	EXPECT_TRAP(2, 0)
	.2byte	0
	TRAPPED()
	PASS

	.data
	.balign 16
buf:	.space 32
