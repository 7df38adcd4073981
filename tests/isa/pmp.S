/* Physical memory protection: NAPOT, NA4 and TOR regions, the lowest
 * matching entry deciding, an access that only partly matches failing,
 * S-mode denied where no entry matches, M-mode bound only by locked
 * entries (and by any entry through MPRV), page-table reads checked as
 * S-mode reads, locked entries and a locked TOR's base fixed until reset.
 * Regions finer than a page must not be cached as a whole page. */
#include "isa.h"
#define NAPOT_4K(reg, label) la reg, label; srli reg, reg, 2; ori reg, reg, 0x1ff
#define ADDR(reg, label, off) la reg, label; addi reg, reg, off; srli reg, reg, 2
#define TRAP_AT(cause, reg) li s9, 0; li s10, cause; mv s11, reg

/* entry:      0 ro R  1 fine+16 NA4 -  2 fine RW  3 TOR base  4 tor TOR -
 *             5 l2 RWX */
#define CFG0	(0x19 | 0x10 << 8 | 0x1b << 16 | 0x00 << 24 | 0x08 << 32 | 0x1f << 40)

main:
	TEST(1)
	li	t0, -1			/* entry 15: everything, RWX */
	csrw	pmpaddr15, t0
	li	t0, 0x1f << 56
	csrw	pmpcfg2, t0
	csrw	pmpcfg0, zero
	NAPOT_4K(t0, ro)
	csrw	pmpaddr0, t0
	ADDR(t0, fine, 16)
	csrw	pmpaddr1, t0
	NAPOT_4K(t0, fine)
	csrw	pmpaddr2, t0
	ADDR(t0, tor, 0)
	csrw	pmpaddr3, t0
	li	t1, 4096 >> 2
	add	t0, t0, t1
	csrw	pmpaddr4, t0
	NAPOT_4K(t0, l2)
	csrw	pmpaddr5, t0
	li	t0, CFG0
	csrw	pmpcfg0, t0
	csrr	t1, pmpcfg0
	bne	t0, t1, fail
	li	t0, -1			/* granularity: 4 bytes (G = 0) */
	csrw	pmpaddr6, t0
	csrr	t1, pmpaddr6
	li	t0, (1 << 54) - 1	/* every address bit is writable */
	and	t1, t1, t0
	bne	t0, t1, fail
	csrw	pmpaddr6, zero

	TEST(2)				/* unlocked entries do not bind M */
	la	a0, ro
	li	t0, 0x1234
	sd	t0, 0(a0)
	ld	t1, 0(a0)
	EXPECT(t1, 0x1234)

	TEST(3)				/* ...but they do through MPRV */
	MPRV_AS_S
	TRAP_AT(7, a0)
	sd	t0, 0(a0)
	TRAPPED()
	li	t0, MPRV
	csrc	mstatus, t0

	TEST(4)				/* S-mode */
	ENTER_MODE(1, s_code)
s_code:
	la	a0, ro
	ld	t1, 0(a0)		/* R */
	EXPECT(t1, 0x1234)
	TRAP_AT(7, a0)			/* not W */
	sd	t1, 0(a0)
	TRAPPED()

	TEST(5)				/* a 4-byte hole in a RW page */
	la	a1, fine
	li	t0, 0x55
	sd	t0, 0(a1)
	ld	t1, 0(a1)		/* the page is not cached whole... */
	EXPECT(t1, 0x55)
	addi	a2, a1, 16
	TRAP_AT(5, a2)			/* ...so the hole still faults */
	lw	t1, 16(a1)
	TRAPPED()
	TRAP_AT(7, a2)
	sw	t1, 16(a1)
	TRAPPED()
	lw	t1, 12(a1)		/* the word below the hole */
	lw	t1, 20(a1)		/* and above it */
	addi	a2, a1, 12
	TRAP_AT(5, a2)			/* 12..19 matches the hole in part */
	ld	t1, 12(a1)
	TRAPPED()

	TEST(6)				/* TOR: [base, top) */
	la	a3, tor
	TRAP_AT(5, a3)
	ld	t1, 0(a3)
	TRAPPED()
	li	t0, 4088
	add	a2, a3, t0
	TRAP_AT(5, a2)
	ld	t1, 0(a2)
	TRAPPED()
	ld	t1, -8(a3)		/* below and above: entry 15 */
	li	t0, 4096
	add	a2, a3, t0
	ld	t1, 0(a2)
	TO_M(m_after_s)
m_after_s:
	TEST(7)				/* fetch from the R-only page */
	la	t0, m_fetch_ro
	csrw	mtvec, t0
	ENTER_MODE(1, s_fetch)
s_fetch:
	la	a0, ro
	jalr	a0
	j	fail
m_ro_back:
	la	t0, m_trap
	csrw	mtvec, t0
	TEST(8)				/* S with no matching entry: denied */
	li	t0, 0x1f << 56
	csrc	pmpcfg2, t0		/* entry 15 off */
	la	t0, m_fetch_none
	csrw	mtvec, t0
	ENTER_MODE(1, s_none)
s_none:
	j	fail
m_none_back:
	la	t0, m_trap
	csrw	mtvec, t0
	li	t0, 0x1f << 56
	csrs	pmpcfg2, t0

	TEST(9)				/* page-table reads are S-mode reads */
	la	a0, l2
	li	t0, (0x80000000 >> 12) << 10 | 0xcf	/* RAM: VRWXAD */
	sd	t0, 16(a0)
	SV39_ON(a0)
	li	t0, 0x1f << 40
	csrc	pmpcfg0, t0		/* entry 5 (l2): RWX -> none */
	li	t0, 0x18 << 40
	csrs	pmpcfg0, t0
	MPRV_AS_S
	la	a1, ro
	TRAP_AT(5, a1)			/* an access fault, not a page fault */
	ld	t1, 0(a1)
	TRAPPED()
	li	t0, MPRV
	csrc	mstatus, t0
	li	t0, 0x01 << 40		/* entry 5: R */
	csrs	pmpcfg0, t0
	li	t0, (1 << 17) | (1 << 11)
	csrs	mstatus, t0
	ld	t1, 0(a1)
	EXPECT(t1, 0x1234)
	li	t0, MPRV
	csrc	mstatus, t0
	csrw	satp, zero
	sfence.vma

	TEST(10)			/* a locked entry binds M too */
	NAPOT_4K(t0, lck)
	csrw	pmpaddr6, t0
	li	t0, 0x99 << 48		/* entry 6: L, NAPOT, R */
	csrs	pmpcfg0, t0
	la	a0, lck
	ld	t1, 0(a0)
	TRAP_AT(7, a0)
	sd	t1, 0(a0)
	TRAPPED()
	li	t0, 0xff << 48		/* cannot be changed until reset */
	csrc	pmpcfg0, t0
	csrr	t1, pmpcfg0
	srli	t1, t1, 48
	andi	t1, t1, 0xff
	EXPECT(t1, 0x99)
	csrr	t1, pmpaddr6
	csrw	pmpaddr6, zero
	csrr	t2, pmpaddr6
	bne	t1, t2, fail
	TEST(11)			/* a locked TOR fixes its base too */
	ADDR(t0, lck2, 0)
	csrw	pmpaddr7, t0
	li	t1, 4096 >> 2
	add	t0, t0, t1
	csrw	pmpaddr8, t0
	li	t0, 0x89		/* entry 8: L, TOR, R */
	csrs	pmpcfg2, t0
	csrr	t1, pmpaddr7
	addi	t2, t1, 4096 >> 2	/* would empty the region */
	csrw	pmpaddr7, t2
	csrr	t2, pmpaddr7
	bne	t1, t2, fail
	la	a0, lck2
	TRAP_AT(7, a0)
	sd	t1, 0(a0)
	TRAPPED()
	sd	t1, -8(a0)		/* just below: not in the region */
	PASS

	.balign 4
m_fetch_ro:				/* S jumped into the R-only page */
	csrr	t0, mcause
	li	t1, 1
	bne	t0, t1, fail
	csrr	t0, mtval
	la	t1, ro
	bne	t0, t1, fail
	la	t0, m_ro_back
	csrw	mepc, t0
	li	t0, 3 << 11		/* MPP = M */
	csrs	mstatus, t0
	mret

	.balign 4
m_fetch_none:
	csrr	t0, mcause
	li	t1, 1
	bne	t0, t1, fail
	csrr	t0, mtval
	la	t1, s_none
	bne	t0, t1, fail
	la	t0, m_none_back
	csrw	mepc, t0
	li	t0, 3 << 11		/* MPP = M */
	csrs	mstatus, t0
	mret

	.data
	.balign 4096
ro:	.space 4096
fine:	.space 4096
	.space 4096
tor:	.space 4096
	.space 4096
l2:	.space 4096
lck:	.space 4096
	.space 4096
lck2:	.space 4096
	.space 4096
