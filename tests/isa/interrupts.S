/* Interrupts: the machine timer and software interrupt from the CLINT,
 * WFI waking on them, vectored mtvec, priorities, supervisor interrupts
 * injected through mip and delegated to S, global enables, and SEIP: the
 * PLIC's line shows in mip but a read-modify-write of mip keeps only the
 * software-writable bit. */
#include "isa.h"
#define CLINT		0x2000000
#define MSIP		(CLINT + 0x0)
#define MTIMECMP	(CLINT + 0x4000)
#define MTIME		(CLINT + 0xbff8)
#define PLIC		0xc000000
#define UART		0x10000000
#define UART_IRQ	10

main:
	TEST(1)				/* mtime advances */
	li	a0, MTIME
	ld	a1, 0(a0)
	li	a3, 10000
1:	addi	a3, a3, -1
	bnez	a3, 1b
	ld	a2, 0(a0)
	bgeu	a1, a2, fail
	TEST(2)				/* MTI wakes WFI and is taken */
	li	s8, 0
	ld	a1, 0(a0)
	addi	a1, a1, 1000		/* 100 us */
	li	a2, MTIMECMP
	sd	a1, 0(a2)
	li	t0, 1 << 7
	csrw	mie, t0
	csrsi	mstatus, 8
	bnez	s8, 2f			/* a slow host: taken already, and the */
	wfi				/* handler cleared mie, so WFI would sleep */
	li	a3, 1000000
1:	bnez	s8, 2f
	addi	a3, a3, -1
	bnez	a3, 1b
	j	fail
2:	csrci	mstatus, 8
	EXPECT(s8, 0x8000000000000007)
	li	t0, -1
	sd	t0, 0(a2)		/* timer off */
	TEST(3)				/* MSI through msip, vectored mtvec */
	la	t0, vectors
	ori	t0, t0, 1
	csrw	mtvec, t0
	li	s8, 0
	li	t0, 1 << 3
	csrw	mie, t0
	li	a0, MSIP
	li	t0, 1
	sw	t0, 0(a0)
	csrr	t1, mip
	andi	t1, t1, 8
	EXPECT(t1, 8)
	csrsi	mstatus, 8
	nop
	nop
	csrci	mstatus, 8
	EXPECT(s8, 3)			/* the vector for cause 3 ran */
	sw	zero, 0(a0)
	csrr	t1, mip
	andi	t1, t1, 8
	EXPECT(t1, 0)
	la	t0, m_trap
	csrw	mtvec, t0
	TEST(4)				/* pending but disabled: WFI returns */
	li	t0, 1 << 1		/* SSIP, MIE off, mie.SSIE on */
	csrw	mie, t0
	csrs	mip, t0
	wfi
	csrc	mip, t0
	TEST(5)				/* priority: SSI before STI (both to M) */
	li	s8, 0
	li	t0, (1 << 5) | (1 << 1)
	csrw	mie, t0
	csrs	mip, t0
	csrsi	mstatus, 8
	nop
	csrci	mstatus, 8
	EXPECT(s8, 0x8000000000000001)
	li	t0, (1 << 5) | (1 << 1)
	csrc	mip, t0
	TEST(6)				/* SSI delegated to S, taken in S */
	li	s8, 0
	li	t0, 1 << 1
	csrw	mideleg, t0
	csrw	mie, t0
	ENTER_MODE(1, s_code)
s_code:
	csrsi	sstatus, 2		/* SIE */
	li	t0, 1 << 1
	csrs	sip, t0			/* S raises its own software interrupt */
	nop
	nop
	csrci	sstatus, 2
	EXPECT(s8, 0x8000000000000001)
	TEST(7)				/* STI injected by M, taken in S */
	TO_M(m_sti)
m_sti:
	li	t0, 1 << 5
	csrw	mideleg, t0
	csrw	mie, t0
	csrs	mip, t0
	li	s8, 0
	ENTER_MODE(1, s_code2)
s_code2:
	csrsi	sstatus, 2
	nop
	csrci	sstatus, 2
	EXPECT(s8, 0x8000000000000005)
	TEST(8)				/* from U, S interrupts are enabled */
	TO_M(m_u)
m_u:
	li	t0, 1 << 5
	csrw	mie, t0		/* still pending in mip */
	li	s8, 0
	ENTER_MODE(0, u_code)
u_code:
	nop
	nop
	EXPECT(s8, 0x8000000000000005)
	TO_M(m_end)
m_end:
	li	t0, 1 << 5
	csrc	mip, t0
	TEST(9)				/* the UART raises S-external via the PLIC */
	csrw	mie, zero
	csrci	mstatus, 8
	li	a0, PLIC
	li	t0, 1
	sw	t0, 4 * UART_IRQ(a0)	/* priority */
	li	t1, 0x2080		/* hart 0's S context: enables */
	add	t1, a0, t1
	li	t0, 1 << UART_IRQ
	sw	t0, 0(t1)
	li	a1, UART
	li	t0, 2
	sb	t0, 1(a1)		/* IER: transmitter empty */
	csrr	t0, mip
	andi	t0, t0, 1 << 9
	EXPECT(t0, 1 << 9)		/* SEIP shows the line */
	csrsi	mip, 2			/* read-modify-write of mip (SSIP) */
	sb	zero, 1(a1)		/* the line goes low */
	li	t1, 0x201004		/* claim and complete whatever is left */
	add	t1, a0, t1		/* pending (QEMU keeps it until claimed) */
	lw	t2, 0(t1)
	sw	t2, 0(t1)
	csrr	t0, mip
	andi	t0, t0, 1 << 9
	EXPECT(t0, 0)			/* and SEIP with it */
	csrr	t0, mip
	andi	t0, t0, 2
	EXPECT(t0, 2)			/* the written SSIP stays */
	csrci	mip, 2
	li	t0, 1 << 9		/* software SEIP is ORed with the line */
	csrs	mip, t0
	csrr	t1, mip
	and	t1, t1, t0
	EXPECT(t1, 1 << 9)
	csrc	mip, t0
	csrr	t1, mip
	and	t1, t1, t0
	EXPECT(t1, 0)
	PASS

	.balign 64
vectors:
	j	fail			/* 0: exceptions */
	j	fail
	j	fail
	j	v_msi			/* 3 */
	j	fail
	j	fail
	j	fail
	j	fail
v_msi:
	li	s8, 3
	li	t0, MSIP
	sw	zero, 0(t0)
	mret
