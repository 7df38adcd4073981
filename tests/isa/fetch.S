/* Instruction fetch after the code window is dropped: an xRET to pc 0
 * with nothing there faults; under Sv39 an xRET to VA 0 runs the code of
 * the page mapped there; an instruction split across two pages follows a
 * remap of its second page after SFENCE.VMA. */
#include "isa.h"
#define VA_SPLIT 0x40000ffe		/* last parcel of the first page */

main:
	TEST(1)				/* M-mode mret to 0: nothing there */
	la	t0, m_fetch0
	csrw	mtvec, t0
	csrw	mepc, zero
	li	t0, 3 << 11
	csrs	mstatus, t0		/* MPP = M */
	j	do_mret
m_back:
	la	t0, m_trap
	csrw	mtvec, t0

	TEST(2)				/* page tables */
	la	a0, l2
	MKPTE(t0, l1, PTE_V)
	sd	t0, 0(a0)		/* VA 0-1 GiB: l1 */
	MKPTE(t0, l1b, PTE_V)
	sd	t0, 8(a0)		/* VA 1-2 GiB: l1b */
	li	t0, (0x80000000 >> 12) << 10
	ori	t0, t0, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
	sd	t0, 16(a0)		/* VA 2-3 GiB: RAM, identity */
	la	a1, l1
	MKPTE(t0, l0, PTE_V)
	sd	t0, 0(a1)
	la	a2, l0
	MKPTE(t0, code0, PTE_V | PTE_R | PTE_X | PTE_A)
	sd	t0, 0(a2)		/* VA 0: code0 */
	li	t0, ((TEST_DEVICE >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
	li	t1, 8 * (TEST_DEVICE >> 12)
	add	t1, a2, t1
	sd	t0, 0(t1)		/* the test device, identity */
	la	a1, l1b
	MKPTE(t0, l0b, PTE_V)
	sd	t0, 0(a1)
	la	a2, l0b
	MKPTE(t0, split, PTE_V | PTE_R | PTE_X | PTE_A)
	sd	t0, 0(a2)		/* VA 0x40000000: first half */
	MKPTE(t0, second_a, PTE_V | PTE_R | PTE_X | PTE_A)
	sd	t0, 8(a2)		/* VA 0x40001000: second half, a */
	SV39_ON(a0)
	TEST(3)				/* mret to S-mode at VA 0 */
	li	a0, 0
	la	ra, s_after0
	li	t0, 3 << 11
	csrc	mstatus, t0
	li	t0, 1 << 11
	csrs	mstatus, t0		/* MPP = S */
	csrw	mepc, zero
	j	do_mret
s_after0:
	EXPECT(a0, 0x5a)
	TEST(4)				/* an instruction across two pages */
	li	a0, 0
	li	t0, VA_SPLIT
	jalr	t0
	EXPECT(a0, 1)
	la	a2, l0b
	MKPTE(t0, second_b, PTE_V | PTE_R | PTE_X | PTE_A)
	sd	t0, 8(a2)		/* remap the second page */
	sfence.vma
	li	a0, 0
	li	t0, VA_SPLIT
	jalr	t0
	EXPECT(a0, 2)
	TO_M(m_end)
m_end:
	csrw	satp, zero
	PASS

	/* A stale code window would run this page's first instruction. */
	.balign 4096
stale_page:
	j	fail
do_mret:
	mret

	.balign 4
m_fetch0:
	csrr	t0, mcause
	li	t1, 1			/* instruction access fault */
	bne	t0, t1, fail
	csrr	t0, mtval
	bnez	t0, fail
	csrr	t0, mepc
	bnez	t0, fail
	la	t0, m_back
	csrw	mepc, t0
	mret

	.data
	.balign 4096
l2:	.space 4096
l1:	.space 4096
l0:	.space 4096
l1b:	.space 4096
l0b:	.space 4096
code0:	li	a0, 0x5a		/* runs at VA 0 */
	jr	ra
	.balign 4096
split:	.space 4094
	.2byte	0x0513			/* addi a0, zero, ...: low half */
second_a:
	.2byte	0x0010			/* ...1 */
	.2byte	0x8082			/* c.jr ra */
	.balign 4096
second_b:
	.2byte	0x0020			/* ...2 */
	.2byte	0x8082			/* c.jr ra */
	.balign 4096
