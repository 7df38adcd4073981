/* Load-heavy loop: sums a 64 KiB buffer with 8-byte loads, 16000 passes. */
	.section .text.init
	.globl _start
_start:
	li	t0, 16000
	li	a0, 0
	la	s0, buffer
	li	s2, 65536
1:	mv	s1, s0
	add	s3, s0, s2
2:	ld	a1, 0(s1)
	ld	a2, 8(s1)
	ld	a3, 16(s1)
	ld	a4, 24(s1)
	add	a0, a0, a1
	add	a0, a0, a2
	add	a0, a0, a3
	add	a0, a0, a4
	addi	s1, s1, 32
	bltu	s1, s3, 2b
	addi	t0, t0, -1
	bnez	t0, 1b
	li	t1, 0x100000
	li	t2, 0x5555
	sw	t2, 0(t1)
3:	j	3b

	.bss
	.balign 4096
buffer:
	.space 65536
