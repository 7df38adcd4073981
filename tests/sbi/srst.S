/*
 * An S-mode payload for OpenSBI fw_jump that leaves the way Linux does:
 * through the SBI system reset extension (SRST), which OpenSBI carries out
 * with the SiFive test device.  It waits for one command byte on the UART
 * and asks for:
 *   p  shutdown, no reason          f  shutdown, system failure
 *   c  cold reboot                  w  warm reboot
 * (other bytes are ignored).  Each request is announced as "srst: <byte>"
 * first, so a test can count boots.  If the SBI call returns, the payload
 * reports the error through the test device directly: exit status 42
 * (never a hang).
 */
	.equ UART, 0x10000000
	.equ TEST_DEVICE, 0x100000
	.equ SBI_EXT_SRST, 0x53525354

	.option nopic
	.section .text.init
	.globl _start
_start:
	li	s0, UART
	la	a0, ready
	call	puts
wait:
	lbu	t0, 5(s0)		/* LSR: wait for data ready */
	andi	t0, t0, 1
	beqz	t0, wait
	lbu	s1, 0(s0)

	li	a0, 0			/* reset type: shutdown */
	li	a1, 0			/* reason: none */
	li	t0, 'p'
	beq	s1, t0, request
	li	a1, 1			/* system failure */
	li	t0, 'f'
	beq	s1, t0, request
	li	a0, 1			/* cold reboot */
	li	a1, 0
	li	t0, 'c'
	beq	s1, t0, request
	li	a0, 2			/* warm reboot */
	li	t0, 'w'
	beq	s1, t0, request
	j	wait			/* any other byte: ignored */

request:
	mv	s2, a0
	la	a0, got
	call	puts
	sb	s1, 0(s0)
	li	t0, '\n'
	sb	t0, 0(s0)
	mv	a0, s2
call_srst:
	li	a7, SBI_EXT_SRST
	li	a6, 0			/* system_reset */
	ecall
	la	a0, returned
	call	puts
	li	t0, TEST_DEVICE
	li	t1, (42 << 16) | 0x3333
	sw	t1, 0(t0)
2:	j	2b

/* Print the NUL-terminated string at a0 (the UART sends at once). */
puts:
	lbu	t0, 0(a0)
	beqz	t0, 1f
	sb	t0, 0(s0)
	addi	a0, a0, 1
	j	puts
1:	ret

	.section .rodata
ready:		.asciz "srst: ready\n"
got:		.asciz "srst: "
returned:	.asciz "srst: the SBI call returned\n"
