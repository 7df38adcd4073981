/* The cost of a flash mapping change.  Hart 0 switches bank 0 between
 * read-status and read-array (two mapping changes a switch) for at least
 * 2 s of guest time, reading the clock (rdtime, 10 MHz) every 16 switches,
 * then prints "changes=N ticks=T" on the UART; every other hart runs an
 * ALU loop meanwhile.  A bound in time, not in switches, keeps a run short
 * however slow a change is.  Needs --flash. */
	.option nopic
	.section .text.init
	.globl _start
_start:
	csrr	a0, mhartid
	bnez	a0, spin
	li	s0, 0x20000000
	li	t2, 0x00700070		/* read status */
	li	t3, 0x00ff00ff		/* read array */
	li	s1, 0			/* mapping changes */
	li	t0, 20000000		/* 2 s of 10 MHz ticks */
	rdtime	s2
	add	s4, s2, t0
1:	li	t4, 16
2:	sw	t2, 0(s0)
	sw	t3, 0(s0)
	addi	t4, t4, -1
	bnez	t4, 2b
	addi	s1, s1, 32
	rdtime	s3
	bltu	s3, s4, 1b
	sub	s3, s3, s2

	la	a0, changes
	jal	puts
	mv	a0, s1
	jal	putdec
	la	a0, ticks
	jal	puts
	mv	a0, s3
	jal	putdec
	li	a0, '\n'
	jal	putc
	li	t0, 0x100000		/* test device: pass */
	li	t1, 0x5555
	sw	t1, 0(t0)
3:	j	3b

spin:
	addi	a1, a1, 1
	xor	a2, a2, a1
	j	spin

/* putc(a0): one byte to the UART.  Clobbers t0. */
putc:
	li	t0, 0x10000000
	sb	a0, 0(t0)
	ret

/* puts(a0): a NUL-terminated string.  Clobbers a0, a1, t0, t5. */
puts:
	mv	t5, ra
	mv	a1, a0
1:	lbu	a0, 0(a1)
	beqz	a0, 2f
	jal	putc
	addi	a1, a1, 1
	j	1b
2:	mv	ra, t5
	ret

/* putdec(a0): an unsigned number in decimal.  Clobbers a0, a1, t0, t1, t5, t6. */
putdec:
	mv	t5, ra
	mv	t6, a0
	la	a1, digits_end		/* digits are written backwards */
	li	t1, 10
1:	remu	a0, t6, t1
	divu	t6, t6, t1
	addi	a0, a0, '0'
	addi	a1, a1, -1
	sb	a0, 0(a1)
	bnez	t6, 1b
	la	t1, digits_end
2:	lbu	a0, 0(a1)
	jal	putc
	addi	a1, a1, 1
	bne	a1, t1, 2b
	mv	ra, t5
	ret

	.data
changes: .asciz	"changes="
ticks:	.asciz	" ticks="
digits:	.space	24
digits_end:
