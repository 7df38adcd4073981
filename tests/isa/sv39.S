/* Sv39 in S-mode: gigapage and 4 KiB mappings, permissions (R/W/X, U with
 * SUM), page faults with their tval, the A and D bits set by hardware,
 * SFENCE.VMA after a page-table change, and the reserved PTE bits. */
#include "isa.h"
#define VA_RO	0x40000000		/* R, A clear */
#define VA_USER	0x40001000		/* R/W, user */
#define VA_NONE	0x50000000

main:
	TEST(1)
	SV39_ROOT(l2, l1)
	la	a1, l1
	MKPTE(t0, l0, PTE_V)
	sd	t0, 0(a1)
	la	a2, l0
	MKPTE(t0, page, PTE_V | PTE_R)
	sd	t0, 0(a2)
	MKPTE(t0, page, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D)
	sd	t0, 8(a2)
	la	t0, page
	li	t1, 0x1234
	sd	t1, 0(t0)
	srli	t0, a0, 12
	li	t1, 8 << 60
	or	t0, t0, t1
	csrw	satp, t0
	csrr	t1, satp
	bne	t0, t1, fail
	sfence.vma
	li	t0, (1 << 12) | (1 << 13) | (1 << 15)	/* page faults to S */
	csrw	medeleg, t0
	ENTER_MODE(1, s_code)
s_code:
	TEST(2)				/* a read through the 4 KiB mapping */
	li	a3, VA_RO
	ld	a4, 0(a3)
	EXPECT(a4, 0x1234)
	la	a2, l0
	ld	t0, 0(a2)		/* the walker set A */
	andi	t0, t0, PTE_A
	EXPECT(t0, PTE_A)
	TEST(3)				/* store to a read-only page */
	EXPECT_TRAP(15, VA_RO + 8)
	sd	a4, 8(a3)
	TRAPPED()
	TEST(4)				/* nothing mapped */
	li	a5, VA_NONE
	EXPECT_TRAP(13, VA_NONE)
	ld	a4, 0(a5)
	TRAPPED()
	TEST(5)				/* user page from S: needs SUM */
	li	a5, VA_USER
	EXPECT_TRAP(13, VA_USER)
	ld	a4, 0(a5)
	TRAPPED()
	li	t0, 1 << 18
	csrs	sstatus, t0
	ld	a4, 0(a5)
	EXPECT(a4, 0x1234)
	sd	a4, 16(a5)
	csrc	sstatus, t0
	TEST(6)				/* fetch from a page without X */
	la	t0, fetch_fault
	csrw	stvec, t0
	li	a3, VA_RO
	jalr	a3
	la	t0, s_trap
	csrw	stvec, t0
	EXPECT(s6, 12)
	TEST(7)				/* make it writable; sfence.vma */
	la	a2, l0
	MKPTE(t0, page, PTE_V | PTE_R | PTE_W | PTE_A)
	sd	t0, 0(a2)
	sfence.vma
	li	a3, VA_RO
	li	t1, 77
	sd	t1, 8(a3)
	ld	t0, 0(a2)		/* D set by the store */
	andi	t0, t0, PTE_D
	EXPECT(t0, PTE_D)
	la	t0, page
	ld	t1, 8(t0)
	EXPECT(t1, 77)
	TEST(8)				/* PTE bits 63:54 are reserved */
	la	a2, l0
	ld	a4, 0(a2)
	li	t0, 1 << 61		/* PBMT, without Svpbmt */
	or	t0, a4, t0
	sd	t0, 0(a2)
	sfence.vma
	li	a3, VA_RO
	EXPECT_TRAP(13, VA_RO)
	ld	t1, 0(a3)
	TRAPPED()
	li	t0, 1 << 54		/* the lowest of them */
	or	t0, a4, t0
	sd	t0, 0(a2)
	sfence.vma
	EXPECT_TRAP(13, VA_RO)
	ld	t1, 0(a3)
	TRAPPED()
	sd	a4, 0(a2)
	sfence.vma
	ld	t1, 0(a3)
	TO_M(m_end)
m_end:
	csrw	satp, zero
	PASS

	.balign 4
fetch_fault:
	csrr	s6, scause
	csrr	t0, stval
	li	t1, VA_RO
	bne	t0, t1, fail
	csrw	sepc, ra
	sret

	.data
	.balign 4096
l2:	.space 4096
l1:	.space 4096
l0:	.space 4096
page:	.space 4096
