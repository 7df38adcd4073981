/* Zicsr: read/write/set/clear in register and immediate forms, the x0
 * rules, read-only and missing CSRs, misa, mstatus.FS gating F and D and
 * their CSRs, counters. */
#include "isa.h"
main:
	TEST(1)
	li	a0, 0x1234
	csrrw	a1, mscratch, a0
	csrrs	a2, mscratch, zero
	EXPECT(a2, 0x1234)
	li	a0, 0xf0
	csrrs	a1, mscratch, a0
	EXPECT(a1, 0x1234)
	csrr	a2, mscratch
	EXPECT(a2, 0x12f4)
	csrrc	a1, mscratch, a0
	csrr	a2, mscratch
	EXPECT(a2, 0x1204)
	csrrwi	a1, mscratch, 0x1f
	EXPECT(a1, 0x1204)
	csrrsi	a1, mscratch, 0x0
	EXPECT(a1, 0x1f)
	csrrci	a1, mscratch, 0x3
	csrr	a2, mscratch
	EXPECT(a2, 0x1c)
	TEST(2)				/* read-only CSRs */
	csrr	a0, mhartid
	EXPECT(a0, 0)
	csrrs	a0, mvendorid, zero	/* x0 source: no write, legal */
	csrrsi	a0, marchid, 0
	EXPECT_TRAP(2, ANY)
	csrw	mhartid, a0
	TRAPPED()
	EXPECT_TRAP(2, ANY)
	csrrsi	a0, mimpid, 1
	TRAPPED()
	/* The trigger module is there with no triggers: tselect, tdata1-3
	 * read 0 whatever is written (tdata1 type 0: no trigger), tinfo
	 * reads 1 (the selected trigger does not exist).  QEMU 7.2 has two
	 * triggers and fails here. */
	TEST(3)
	li	a0, 1
	csrw	0x7a0, a0		/* tselect */
	csrr	a1, 0x7a0
	EXPECT(a1, 0)
	li	a0, -1
	csrw	0x7a1, a0		/* tdata1 */
	csrr	a1, 0x7a1
	EXPECT(a1, 0)
	csrw	0x7a2, a0		/* tdata2 */
	csrr	a1, 0x7a2
	EXPECT(a1, 0)
	csrw	0x7a3, a0		/* tdata3 */
	csrr	a1, 0x7a3
	EXPECT(a1, 0)
	csrr	a1, 0x7a4		/* tinfo */
	EXPECT(a1, 1)
	ENTER_MODE(1, s_triggers)	/* M-mode CSRs: illegal from S */
s_triggers:
	EXPECT_TRAP(2, 0x7a002573)	/* csrr a0, tselect: mtval = insn */
	csrr	a0, 0x7a0
	TRAPPED()
	TO_M(m_triggers_done)
m_triggers_done:
	/* CSRs that do not exist here (menvcfg is from privileged 1.12,
	 * which QEMU has, so it fails this check too). */
	EXPECT_TRAP(2, ANY)
	csrr	a0, 0x30a		/* menvcfg: not in privileged 1.11 */
	TRAPPED()
	EXPECT_TRAP(2, ANY)
	csrr	a0, 0x003		/* fcsr */
	TRAPPED()
	TEST(4)				/* misa: RV64 IMAFDCSU */
	csrr	a0, misa
	li	a1, (2 << 62) | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)
	bne	a0, a1, fail
	TEST(5)				/* FS off: FP instructions are illegal */
	li	a0, 3 << 13
	csrc	mstatus, a0
	EXPECT_TRAP(2, 0x00053007)	/* fld ft0, 0(a0) */
	.4byte	0x00053007
	TRAPPED()
	EXPECT_TRAP(2, 0x00b57553)	/* fadd.s fa0, fa0, fa1 */
	.4byte	0x00b57553
	TRAPPED()
	EXPECT_TRAP(2, 0x2002)		/* c.fldsp ft0, 0(sp) */
	.2byte	0x2002
	TRAPPED()
	EXPECT_TRAP(2, ANY)		/* and so is fcsr */
	csrr	a1, fcsr
	TRAPPED()
	li	a0, 1 << 13		/* FS Initial: they run, FS becomes Dirty */
	csrs	mstatus, a0
	csrr	a1, mstatus
	bltz	a1, fail		/* SD clear while not dirty */
	li	a1, 0x3ff0000000000000
	fmv.d.x	fa0, a1
	csrr	a1, mstatus
	srli	a2, a1, 13
	andi	a2, a2, 3
	EXPECT(a2, 3)
	bgez	a1, fail		/* SD set */
	csrr	a1, sstatus
	bgez	a1, fail		/* also in sstatus */
	fadd.d	fa1, fa0, fa0
	fcvt.l.d a2, fa1
	EXPECT(a2, 2)
	li	a1, 0x7e		/* frm 3 (RUP), fflags 0x1e */
	csrw	fcsr, a1
	csrr	a2, frm
	EXPECT(a2, 3)
	csrr	a2, fflags
	EXPECT(a2, 0x1e)
	csrw	fcsr, zero
	TEST(6)				/* counters advance */
	rdinstret a0
	nop
	nop
	rdinstret a1
	sub	a2, a1, a0
	EXPECT(a2, 3)
	rdcycle	a0
	rdtime	a1
	li	a3, 20000
1:	addi	a3, a3, -1
	bnez	a3, 1b
	rdcycle	a2
	rdtime	a4
	bgeu	a0, a2, fail
	bgeu	a1, a4, fail
	li	a0, 1000
	csrw	minstret, a0
	csrr	a1, minstret
	li	a2, 1010
	bgeu	a1, a2, fail
	bltu	a1, a0, fail
	TEST(7)				/* sstatus is a view of mstatus */
	li	a0, 2			/* SIE */
	csrs	sstatus, a0
	csrr	a1, mstatus
	andi	a1, a1, 2
	EXPECT(a1, 2)
	li	a0, 8			/* MIE is not visible in sstatus */
	csrs	mstatus, a0
	csrr	a1, sstatus
	andi	a1, a1, 8
	EXPECT(a1, 0)
	csrc	mstatus, a0
	csrci	sstatus, 2
	TEST(8)				/* PMP CSRs keep what is written */
	li	a0, 0x123456
	csrw	pmpaddr0, a0
	csrr	a1, pmpaddr0
	EXPECT(a1, 0x123456)
	li	a0, 0x1f
	csrw	pmpcfg0, a0
	csrr	a1, pmpcfg0
	andi	a1, a1, 0xff
	EXPECT(a1, 0x1f)
	PASS
