/*
 * Shared frame for the ISA tests: bare-metal M-mode programs that report
 * through the SiFive test device (0x5555: pass; code << 16 | 0x3333: fail).
 *
 *   TEST(n)            number the checks that follow; a failure exits n
 *   EXPECT(reg, value) fail unless reg == value (clobbers t6)
 *   EXPECT_TRAP(cause, tval) arm the trap check for the next instruction:
 *                      the M-mode handler (or the S-mode one, when the trap
 *                      is delegated) verifies xcause and xtval (-1: any
 *                      tval), skips the instruction and sets s9 = 1
 *   TRAPPED()          fail unless the armed trap happened
 *   TO_M(label)        from any mode, continue in M-mode at label (an
 *                      ebreak the M handler turns into a jump; breakpoints
 *                      must not be delegated when it is used)
 *   PASS               report success
 *
 * Registers gp (test number), s8-s11 belong to the frame.  Interrupts are
 * recorded, not checked: s8 = the last interrupt cause, and the handler
 * clears mie (sie) so the interrupt does not recur.
 */
#define TEST_DEVICE	0x100000

/* Sv39 page-table entries: pte(dst) = (address >> 12) << 10 | flags. */
#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_A 0x40
#define PTE_D 0x80
#define MKPTE(dst, addr, flags) la dst, addr; srli dst, dst, 12; slli dst, dst, 10; ori dst, dst, flags
/* Root table a0 = root: 0-1 GiB devices and 2-3 GiB RAM as gigapages,
 * 1-2 GiB through the table l1 (clobbers t0). */
#define SV39_ROOT(root, l1) \
	la a0, root; \
	li t0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D; sd t0, 0(a0); \
	MKPTE(t0, l1, PTE_V); sd t0, 8(a0); \
	li t0, ((0x80000000 >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D; \
	sd t0, 16(a0)
/* satp: Sv39 rooted at the table in register root, then SFENCE.VMA
 * (clobbers t0, t1). */
#define SV39_ON(root) \
	srli t0, root, 12; li t1, 8 << 60; or t0, t0, t1; csrw satp, t0; \
	sfence.vma
/* M-mode loads and stores as S-mode's: MPP = S, MPRV set (clobbers t0). */
#define MPRV		(1 << 17)
#define MPRV_AS_S \
	li t0, 3 << 11; csrc mstatus, t0; li t0, (1 << 11) | MPRV; csrs mstatus, t0
#define ANY		-1

#define TEST(n)		li gp, n
#define EXPECT(reg, value) li t6, value; bne reg, t6, fail
#define EXPECT_TRAP(cause, tval) li s9, 0; li s10, cause; li s11, tval
#define TRAPPED()	li t6, 1; bne s9, t6, fail

#define PASS		j pass
#define TO_M(label)	la a0, label; li s10, -3; ebreak

	.option nopic
	.section .text.init
	.globl _start
_start:
	la	t0, m_trap
	csrw	mtvec, t0
	la	t0, s_trap
	csrw	stvec, t0
	la	sp, stack_top
	li	t0, -1			/* PMP: S and U may access everything */
	csrw	pmpaddr0, t0
	li	t0, 0x1f
	csrw	pmpcfg0, t0
	li	gp, 0
	li	s8, 0
	li	s9, 0
	li	s10, -2
	j	main

pass:
	li	t0, TEST_DEVICE
	li	t1, 0x5555
	sw	t1, 0(t0)
1:	j	1b

fail:
	li	t0, TEST_DEVICE
	slli	t1, gp, 16
	li	t2, 0x3333
	or	t1, t1, t2
	sw	t1, 0(t0)
1:	j	1b

/* Length of the instruction at t0 (2 or 4) into t1. */
insn_len:
	lhu	t1, 0(t0)
	andi	t1, t1, 3
	li	t2, 3
	beq	t1, t2, 1f
	li	t1, 2
	ret
1:	li	t1, 4
	ret

	.balign 4
m_trap:
	csrr	t0, mcause
	bltz	t0, m_irq
	li	t1, -3
	beq	s10, t1, m_goto
	bne	t0, s10, fail		/* an unexpected exception */
	li	t1, ANY
	beq	s11, t1, 1f
	csrr	t1, mtval
	bne	t1, s11, fail
1:	li	s9, 1
	li	s10, -2
	csrr	t0, mepc
	mv	s7, ra
	jal	ra, insn_len
	mv	ra, s7
	add	t0, t0, t1
	csrw	mepc, t0
	mret
m_goto:
	li	s10, -2
	li	t0, 3 << 11
	csrs	mstatus, t0
	csrw	mepc, a0
	mret
m_irq:
	mv	s8, t0
	csrw	mie, zero
	mret

	.balign 4
s_trap:
	csrr	t0, scause
	bltz	t0, s_irq
	bne	t0, s10, fail
	li	t1, ANY
	beq	s11, t1, 1f
	csrr	t1, stval
	bne	t1, s11, fail
1:	li	s9, 1
	li	s10, -2
	csrr	t0, sepc
	mv	s7, ra
	jal	ra, insn_len
	mv	ra, s7
	add	t0, t0, t1
	csrw	sepc, t0
	sret
s_irq:
	mv	s8, t0
	csrw	sie, zero
	csrwi	sip, 0
	sret

/* Enter S-mode (or U-mode) at `label`, from M-mode. */
#define ENTER_MODE(mpp, label) \
	li t0, 3 << 11; csrc mstatus, t0; li t0, (mpp) << 11; csrs mstatus, t0; \
	la t0, label; csrw mepc, t0; mret

	.section .bss
	.balign 16
stack:	.space 4096
stack_top:
	.text
