/*
 * What an MMIO exit and a flash mapping change cost, timed by the guest
 * with the time CSR (bench/kvm.sh turns ticks into microseconds):
 *   ram N T      N loads from RAM (the loop's own cost)
 *   exits N T    N loads from flash bank 0 in read-status mode: no slot,
 *                every load an MMIO exit
 *   toggles N T  N rounds of: read-status command, a status load, read-
 *                array command, an array load.  Three exits and two
 *                mapping changes (the slot removed, then added back and
 *                faulted in by the array load)
 * Runs on KVM and on the built-in CPU under OpenSBI alike.
 */
#include "sbi.h"

	.equ FLASH, 0x20000000
	.equ CMD_READ_ARRAY, 0x00ff00ff
	.equ CMD_READ_STATUS, 0x00700070
	.equ N_LOADS, 20000
	.equ N_TOGGLES, 2000

	/* Print "name N T\n" with T = s5 - s4. */
	.macro REPORT label, n
	PRINT	\label
	li	a0, \n
	call	puthex
	li	a0, ' '
	call	putc
	sub	a0, s5, s4
	call	puthex
	li	a0, '\n'
	call	putc
	.endm

	.section .text.init
	.globl _start
_start:
	la	sp, stack_top
	li	s0, FLASH
	la	s1, stack_top
	addi	s1, s1, -8

	li	s3, N_LOADS
	rdtime	s4
1:	lw	t0, 0(s1)
	addi	s3, s3, -1
	bnez	s3, 1b
	rdtime	s5
	REPORT	msg_ram, N_LOADS

	li	t0, CMD_READ_STATUS
	sw	t0, 0(s0)
	li	s3, N_LOADS
	rdtime	s4
1:	lw	t0, 0(s0)
	addi	s3, s3, -1
	bnez	s3, 1b
	rdtime	s5
	REPORT	msg_exits, N_LOADS

	li	t0, CMD_READ_ARRAY
	sw	t0, 0(s0)
	lw	t0, 0(s0)
	li	t2, CMD_READ_STATUS
	li	t3, CMD_READ_ARRAY
	li	s3, N_TOGGLES
	rdtime	s4
1:	sw	t2, 0(s0)
	lw	t0, 0(s0)
	sw	t3, 0(s0)
	lw	t0, 0(s0)
	addi	s3, s3, -1
	bnez	s3, 1b
	rdtime	s5
	REPORT	msg_toggles, N_TOGGLES
	SBI_RESET SRST_SHUTDOWN
1:	wfi
	j	1b

	.section .rodata
msg_ram:	.asciz "ram "
msg_exits:	.asciz "exits "
msg_toggles:	.asciz "toggles "

	.section .bss
	.balign 16
	.space 4096
stack_top:
