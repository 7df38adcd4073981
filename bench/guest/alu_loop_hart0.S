/* alu_loop on hart 0 while every other hart sleeps in WFI. */
	.section .text.init
	.globl _start
_start:
	csrr	a0, mhartid
	beqz	a0, 3f
1:	wfi
	j	1b
3:	li	t0, 50000000
	li	a0, 1
	li	a1, 3
1:	add	a2, a0, a1
	xor	a3, a2, a0
	slli	a4, a3, 3
	sub	a5, a4, a1
	or	a0, a5, a2
	srli	a1, a0, 7
	addw	a6, a1, a3
	and	a1, a6, a4
	addi	t0, t0, -1
	bnez	t0, 1b
	li	t1, 0x100000
	li	t2, 0x5555
	sw	t2, 0(t1)
2:	j	2b
