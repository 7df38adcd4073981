/* A translation one access used must not serve the next after an mstatus
 * change that forbids it, with no SFENCE.VMA between: clearing SUM (S reads
 * a user page), clearing MXR (S reads an execute-only page), and under
 * MPRV in M-mode changing MPP from S to U (U reads a supervisor page),
 * and clearing MPRV (M reads physical memory again); and setting MPRV
 * (M's loads are translated, even at RAM's addresses, by code that has
 * read RAM untranslated before). */
#include "isa.h"
#define VA_USER	0x40000000		/* R/W, user: page */
#define VA_XO	0x40001000		/* X only: page */
#define VA_SUP	0xc0002000		/* R/W, supervisor: other; no RAM
					   or device at that physical address */
#define SUM	(1 << 18)
#define MXR	(1 << 19)

main:
	TEST(1)
	SV39_ROOT(l2, l1)
	MKPTE(t0, l1, PTE_V)
	sd	t0, 24(a0)		/* 3-4 GiB: the same l1 */
	la	a1, l1
	MKPTE(t0, l0, PTE_V)
	sd	t0, 0(a1)
	la	a2, l0
	MKPTE(t0, page, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D)
	sd	t0, 0(a2)
	MKPTE(t0, page, PTE_V | PTE_X | PTE_A)
	sd	t0, 8(a2)
	MKPTE(t0, other, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
	sd	t0, 16(a2)
	la	t0, page
	li	t1, 0x1234
	sd	t1, 0(t0)
	la	t0, other
	li	t1, 0x5678
	sd	t1, 0(t0)
	SV39_ON(a0)

	TEST(2)				/* M-mode, MPRV with MPP = S */
	MPRV_AS_S
	li	a5, VA_SUP
	ld	a4, 0(a5)
	EXPECT(a4, 0x5678)
	TEST(3)				/* MPP = U: the supervisor page faults */
	li	t0, 3 << 11
	csrc	mstatus, t0
	EXPECT_TRAP(13, VA_SUP)
	ld	a4, 0(a5)
	TRAPPED()
	TEST(4)				/* MPP = S again, then MPRV off: */
	li	t0, 1 << 11
	csrs	mstatus, t0
	ld	a4, 0(a5)
	EXPECT(a4, 0x5678)
	li	t0, MPRV
	csrc	mstatus, t0
	EXPECT_TRAP(5, VA_SUP)		/* M reads it bare: nothing there */
	ld	a4, 0(a5)
	TRAPPED()

	li	t0, (1 << 12) | (1 << 13) | (1 << 15)	/* page faults to S */
	csrw	medeleg, t0
	ENTER_MODE(1, s_code)
s_code:
	TEST(5)				/* SUM set: S reads the user page */
	li	t0, SUM
	csrs	sstatus, t0
	li	a5, VA_USER
	ld	a4, 0(a5)
	EXPECT(a4, 0x1234)
	TEST(6)				/* SUM clear: it faults */
	li	t0, SUM
	csrc	sstatus, t0
	EXPECT_TRAP(13, VA_USER)
	ld	a4, 0(a5)
	TRAPPED()
	TEST(7)				/* MXR set: S reads the X-only page */
	li	t0, MXR
	csrs	sstatus, t0
	li	a5, VA_XO
	ld	a4, 0(a5)
	EXPECT(a4, 0x1234)
	TEST(8)				/* MXR clear: it faults */
	li	t0, MXR
	csrc	sstatus, t0
	EXPECT_TRAP(13, VA_XO)
	ld	a4, 0(a5)
	TRAPPED()
	TEST(9)				/* SIE toggles change nothing */
	li	t0, SUM
	csrs	sstatus, t0
	li	a5, VA_USER
	ld	a4, 0(a5)
	csrsi	sstatus, 2
	csrci	sstatus, 2
	ld	a4, 0(a5)
	EXPECT(a4, 0x1234)
	TO_M(m_end)
m_end:
	csrw	satp, zero
	TEST(10)			/* M reads RAM bare, then under MPRV */
	la	a5, page
	call	load_a5
	EXPECT(a4, 0x1234)
	la	a0, l2b			/* 2-3 GiB: a gigapage of nothing */
	li	t0, ((0xc0000000 >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
	sd	t0, 16(a0)
	SV39_ON(a0)
	MPRV_AS_S
	EXPECT_TRAP(5, ANY)
	call	load_a5
	TRAPPED()
	li	t0, MPRV
	csrc	mstatus, t0
	csrw	satp, zero
	PASS

load_a5:
	ld	a4, 0(a5)
	ret

	.data
	.balign 4096
l2:	.space 4096
l1:	.space 4096
l0:	.space 4096
page:	.space 4096
other:	.space 4096
l2b:	.space 4096
