/*
 * Console and reset for S-mode test payloads, through the SBI: the same
 * calls reach KVM (which forwards the legacy console to norvm) and OpenSBI
 * on the built-in CPU.
 *
 *   putc   a0 = byte            puts  a0 = NUL-terminated string
 *   puthex a0 = 32-bit value, printed as 0x%08x
 *   puthex64 a0 = 64-bit value, printed as 0x%016x
 * They clobber a0-a2, a6, a7 and t0-t2; puts and puthex also use s10, s11.
 */
	.option nopic
	.equ SBI_PUTCHAR, 0x01
	.equ SBI_GETCHAR, 0x02
	.equ SBI_HSM, 0x48534d
	.equ SBI_SRST, 0x53525354
	.equ SRST_SHUTDOWN, 0
	.equ SRST_COLD_REBOOT, 1

	.macro SBI_RESET type
	li	a7, SBI_SRST
	li	a6, 0
	li	a0, \type
	li	a1, 0
	ecall
	.endm

	.macro PRINT label
	la	a0, \label
	call	puts
	.endm

	.section .text
putc:
	li	a7, SBI_PUTCHAR
	ecall
	ret

puts:
	mv	s10, ra
	mv	s11, a0
1:	lbu	a0, 0(s11)
	beqz	a0, 2f
	call	putc
	addi	s11, s11, 1
	j	1b
2:	mv	ra, s10
	ret

puthex64:
	li	t2, 60
	j	1f
puthex:
	li	t2, 28
1:	mv	s10, ra
	mv	s11, a0
	li	a0, '0'
	call	putc
	li	a0, 'x'
	call	putc
1:	srl	a0, s11, t2
	andi	a0, a0, 0xf
	li	t0, 10
	blt	a0, t0, 2f
	addi	a0, a0, 'a' - '0' - 10
2:	addi	a0, a0, '0'
	call	putc
	addi	t2, t2, -4
	bgez	t2, 1b
	mv	ra, s10
	ret
