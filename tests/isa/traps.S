/* Exceptions in M, S and U mode: ecall causes, ebreak, illegal
 * instructions, access faults with their tval, delegation to S through
 * medeleg, MRET/SRET restoring privilege and interrupt enables, TSR/TW/TVM,
 * counter access gated by mcounteren/scounteren, and a store that faults
 * half-way across a page boundary leaving memory unchanged. */
#include "isa.h"
main:
	TEST(1)				/* M-mode */
	EXPECT_TRAP(11, 0)
	ecall
	TRAPPED()
	EXPECT_TRAP(3, ANY)
	ebreak
	TRAPPED()
	EXPECT_TRAP(2, 0xffffffff)
	.4byte	0xffffffff
	TRAPPED()
	TEST(2)				/* access faults carry the address */
	li	a0, 0x18000000
	EXPECT_TRAP(5, 0x18000000)
	lw	a1, 0(a0)
	TRAPPED()
	EXPECT_TRAP(7, 0x18000008)
	sd	a1, 8(a0)
	TRAPPED()
	li	s10, -2
	TEST(3)				/* fetch from nowhere: cause 1 */
	la	t0, m_fetch_fault
	csrw	mtvec, t0
	li	a0, 0x18000000
	jalr	a0
	j	fail
m_back:
	la	t0, m_trap
	csrw	mtvec, t0
	TEST(4)				/* S-mode: not delegated -> M */
	ENTER_MODE(1, s_code)
s_code:
	EXPECT_TRAP(9, 0)
	ecall
	TRAPPED()
	csrr	a0, sstatus		/* S can read sstatus */
	EXPECT_TRAP(2, ANY)		/* ...but not mstatus */
	csrr	a0, mstatus
	TRAPPED()
	EXPECT_TRAP(2, 0x30200073)
	mret
	TRAPPED()
	TEST(5)				/* U-mode via SRET; ecall goes to M */
	li	t0, 1 << 8
	csrc	sstatus, t0		/* SPP = U */
	la	t0, u_code
	csrw	sepc, t0
	sret
u_code:
	EXPECT_TRAP(2, ANY)
	csrr	a0, sscratch
	TRAPPED()
	EXPECT_TRAP(2, 0x10500073)	/* wfi in U */
	wfi
	TRAPPED()
	EXPECT_TRAP(2, ANY)		/* rdcycle with mcounteren = 0 */
	rdcycle	a0
	TRAPPED()
	EXPECT_TRAP(8, 0)
	ecall				/* to M: MPP must say U */
	TRAPPED()
	TEST(6)				/* the ecall returned to U */
	EXPECT_TRAP(2, ANY)
	csrr	a0, sstatus
	TRAPPED()
	TO_M(m_after_u)
m_after_u:
	TEST(7)				/* delegation: U ecall and illegal to S */
	csrr	a0, mstatus		/* in M again */
	li	t0, (1 << 8) | (1 << 2)
	csrw	medeleg, t0
	csrr	a1, medeleg
	EXPECT(a1, (1 << 8) | (1 << 2))
	li	t0, 1 << 11		/* ecall from M cannot be delegated
				 * (read-only zero here; QEMU keeps it) */
	csrs	medeleg, t0
	csrr	a1, medeleg
	EXPECT(a1, (1 << 8) | (1 << 2))
	li	t0, 7
	csrw	mcounteren, t0
	csrw	scounteren, t0
	ENTER_MODE(0, u_code2)
u_code2:
	rdcycle	a0			/* allowed now */
	rdtime	a0
	EXPECT_TRAP(8, 0)		/* handled by s_trap */
	ecall
	TRAPPED()
	EXPECT_TRAP(2, ANY)
	.4byte	0xffffffff
	TRAPPED()
	TO_M(m_final)
m_final:
	csrw	medeleg, zero
	TEST(8)				/* TSR, TVM and TW trap S-mode */
	li	t0, (1 << 22) | (1 << 20) | (1 << 21)
	csrs	mstatus, t0
	ENTER_MODE(1, s_code2)
s_code2:
	EXPECT_TRAP(2, 0x10200073)
	sret
	TRAPPED()
	EXPECT_TRAP(2, ANY)
	csrr	a0, satp
	TRAPPED()
	EXPECT_TRAP(2, ANY)
	sfence.vma
	TRAPPED()
	EXPECT_TRAP(2, 0x10500073)
	wfi
	TRAPPED()
	TO_M(m_done)
m_done:
	csrr	a0, mstatus
	TEST(9)				/* a store across the end of RAM faults */
	li	a0, 0x8ffffffc		/* and changes nothing (256 MiB of RAM) */
	li	t0, 0x11223344
	sw	t0, 0(a0)
	li	t0, 0x5566778899aabbcc
	EXPECT_TRAP(7, 0x90000000)	/* tval: the part that faults */
	sd	t0, 0(a0)
	TRAPPED()
	lwu	t1, 0(a0)
	EXPECT(t1, 0x11223344)
	EXPECT_TRAP(5, 0x90000000)	/* and so does a load */
	ld	t1, 0(a0)
	TRAPPED()
	PASS

	.balign 4
m_fetch_fault:
	csrr	t0, mcause
	li	t1, 1
	bne	t0, t1, fail
	csrr	t0, mtval
	li	t1, 0x18000000
	bne	t0, t1, fail
	la	t0, m_back
	csrw	mepc, t0
	mret
