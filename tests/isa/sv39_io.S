/* Device pages under paging: a translation to a device page serves again
 * (M-mode loads under MPRV, as S), and after SFENCE.VMA over a changed
 * PTE the access goes where the new one points: nothing there, so it
 * faults, however the old page was cached. */
#include "isa.h"
#define VA	0x40000000		/* through l0[0] */

main:
	TEST(1)				/* VA: the CLINT's mtime page */
	SV39_ROOT(l2, l1)
	la	a1, l1
	MKPTE(t0, l0, PTE_V)
	sd	t0, 0(a1)
	la	a2, l0
	li	t0, ((0x200b000 >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
	sd	t0, 0(a2)
	SV39_ON(a0)
	MPRV_AS_S
	li	a5, VA + 0xff8		/* mtime */
	ld	a4, 0(a5)
	ld	a4, 0(a5)
	li	a4, 0			/* a final state that is not a time */
	TEST(2)				/* VA: the UART's page, 0xff8 empty */
	li	t0, MPRV
	csrc	mstatus, t0
	li	t0, ((0x10000000 >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
	sd	t0, 0(a2)
	sfence.vma
	li	t0, MPRV
	csrs	mstatus, t0
	EXPECT_TRAP(5, VA + 0xff8)
	ld	a4, 0(a5)
	TRAPPED()
	li	t0, MPRV
	csrc	mstatus, t0
	csrw	satp, zero
	PASS

	.data
	.balign 4096
l2:	.space 4096
l1:	.space 4096
l0:	.space 4096
