/* The cost of a flash mapping change.  Hart 0 switches bank 0 between
 * read-status and read-array 10000 times (20000 mapping changes), timing
 * it with rdtime, and prints "ticks=N" on the UART (10 MHz ticks); every
 * other hart runs an ALU loop meanwhile.  Needs --flash. */
	.option nopic
	.section .text.init
	.globl _start
_start:
	csrr	a0, mhartid
	bnez	a0, spin
	li	s0, 0x20000000
	li	s1, 10000
	li	t2, 0x00700070
	li	t3, 0x00ff00ff
	rdtime	s2
1:	sw	t2, 0(s0)
	sw	t3, 0(s0)
	addi	s1, s1, -1
	bnez	s1, 1b
	rdtime	s3
	sub	s3, s3, s2
	li	s4, 0x10000000		/* UART */
	la	a1, text
	li	a2, 6
2:	lbu	t0, 0(a1)
	sb	t0, 0(s4)
	addi	a1, a1, 1
	addi	a2, a2, -1
	bnez	a2, 2b
	la	a1, digits_end		/* decimal, backwards */
	li	t1, 10
3:	remu	t0, s3, t1
	divu	s3, s3, t1
	addi	t0, t0, '0'
	addi	a1, a1, -1
	sb	t0, 0(a1)
	bnez	s3, 3b
	la	a2, digits_end
4:	lbu	t0, 0(a1)
	sb	t0, 0(s4)
	addi	a1, a1, 1
	bne	a1, a2, 4b
	li	t0, '\n'
	sb	t0, 0(s4)
	li	t0, 0x100000
	li	t1, 0x5555
	sw	t1, 0(t0)
5:	j	5b
spin:
	addi	a1, a1, 1
	xor	a2, a2, a1
	j	spin

	.data
text:	.ascii	"ticks="
digits:	.space	24
digits_end:
