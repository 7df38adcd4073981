/* Code first run in M-mode, where data addresses are RAM's own, then in
 * S-mode: with satp bare, an entry that covers all of RAM without W makes
 * a store fault, and where no entry matches a load faults; under Sv39 an
 * address in RAM's range is virtual, and reads the page it maps. */
#include "isa.h"
#define FAR		0x80100000	/* RAM, past this program */
#define NAPOT(base, size) (((base) >> 2) | (((size) >> 3) - 1))

main:
	TEST(1)				/* M-mode reads and writes FAR */
	li	a5, FAR
	li	a4, 0x77
	call	store_a4
	call	load_a5
	EXPECT(a3, 0x77)

	TEST(2)				/* S: all of RAM R and X, no W */
	li	t0, NAPOT(0x80000000, 0x80000000)
	csrw	pmpaddr0, t0
	li	t0, 0x1d		/* NAPOT, X, R */
	csrw	pmpcfg0, t0
	ENTER_MODE(1, s_ro)
s_ro:
	li	a3, 0
	call	load_a5
	EXPECT(a3, 0x77)
	EXPECT_TRAP(7, FAR)
	call	store_a4
	TRAPPED()
	TO_M(m_none)

m_none:
	TEST(3)				/* S: only this program's 64 KiB */
	li	t0, NAPOT(0x80000000, 0x10000)
	csrw	pmpaddr0, t0
	li	t0, 0x1f		/* NAPOT, X, W, R */
	csrw	pmpcfg0, t0
	ENTER_MODE(1, s_none)
s_none:
	EXPECT_TRAP(5, FAR)
	call	load_a5
	TRAPPED()
	EXPECT_TRAP(7, FAR)
	call	store_a4
	TRAPPED()
	TO_M(m_sv39)

m_sv39:
	TEST(4)				/* S, Sv39: 0x80400000 maps 0x80200000 */
	li	t0, -1
	csrw	pmpaddr0, t0
	li	t0, 0x1f
	csrw	pmpcfg0, t0
	li	t0, 0x80400000
	li	t1, 0xaa
	sd	t1, 0(t0)
	li	t0, 0x80200000
	li	t1, 0xbb
	sd	t1, 0(t0)
	la	a0, root
	MKPTE(t0, l1, PTE_V)
	sd	t0, 16(a0)		/* 2-3 GiB through l1 */
	la	a1, l1
	li	t0, ((0x80000000 >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
	sd	t0, 0(a1)		/* this program: itself */
	li	t0, ((0x80200000 >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
	sd	t0, 16(a1)		/* 0x80400000: 0x80200000 */
	SV39_ON(a0)
	li	a5, 0x80400000
	ENTER_MODE(1, s_sv39)
s_sv39:
	call	load_a5
	EXPECT(a3, 0xbb)
	TO_M(m_end)
m_end:
	csrw	satp, zero
	PASS

load_a5:
	ld	a3, 0(a5)
	ret
store_a4:
	sd	a4, 0(a5)
	ret

	.data
	.balign 4096
root:	.space 4096
l1:	.space 4096
