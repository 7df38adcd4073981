/*
 * An S-mode payload that watches a flash bank's memory slot go and come
 * back, then exercises the SBI console and system reset.  It prints
 * through the SBI only, so it runs unchanged as a KVM guest and on the
 * built-in CPU under OpenSBI; tests/e2e/kvm.sh compares the two.
 *
 * Bank 0's image holds "NVM!" at offset 0 and is erased at COUNTER.  Each
 * boot: read offset 0 in read-array mode (the slot: no exit), switch to
 * read-status and read it again (no slot: an MMIO read exit answers with
 * the status, 0x80 on both x16 devices), back to read-array and read
 * again (the slot is back: the array, no exit).  The first boot programs
 * COUNTER to 0 and reboots through SBI SRST; the second reads a key with
 * SBI getchar (a NUL is norvm's wake key for piped input, not a key),
 * echoes it and shuts down through SBI SRST.
 */
#include "sbi.h"

	.equ FLASH, 0x20000000
	.equ COUNTER, FLASH + 0x1000
	.equ CMD_READ_ARRAY, 0x00ff00ff	/* the command on both devices */
	.equ CMD_READ_STATUS, 0x00700070
	.equ CMD_PROGRAM, 0x00400040
	.equ SR_READY, 0x00800080

	.section .text.init
	.globl _start
_start:
	la	sp, stack_top
	PRINT	msg_start
	li	s0, FLASH
	lw	s1, 0(s0)
	PRINT	msg_array
	mv	a0, s1
	call	puthex
	li	t0, CMD_READ_STATUS
	sw	t0, 0(s0)
	lw	s1, 0(s0)
	PRINT	msg_status
	mv	a0, s1
	call	puthex
	li	t0, CMD_READ_ARRAY
	sw	t0, 0(s0)
	lw	s1, 0(s0)
	PRINT	msg_array
	mv	a0, s1
	call	puthex

	li	s0, COUNTER
	lw	s1, 0(s0)
	li	t0, -1
	bne	s1, t0, second_boot
	li	t0, CMD_PROGRAM
	sw	t0, 0(s0)
	sw	zero, 0(s0)
	li	t1, SR_READY
1:	lw	t0, 0(s0)		/* status until both devices are ready */
	and	t0, t0, t1
	bne	t0, t1, 1b
	li	t0, CMD_READ_ARRAY
	sw	t0, 0(s0)
	PRINT	msg_counter
	lw	a0, 0(s0)
	call	puthex
	PRINT	msg_reboot
	SBI_RESET SRST_COLD_REBOOT
	j	hang

second_boot:
	PRINT	msg_second
	mv	a0, s1
	call	puthex
	PRINT	msg_key
2:	li	a7, SBI_GETCHAR
	ecall
	blez	a0, 2b			/* none yet, or the console's NUL wake key */
	call	putc
	li	a0, '\n'
	call	putc
	SBI_RESET SRST_SHUTDOWN
hang:
	wfi
	j	hang

	.section .rodata
msg_start:	.asciz "flash-status: running in S-mode\n"
msg_array:	.asciz "\narray "
msg_status:	.asciz "\nstatus "
msg_counter:	.asciz "\ncounter programmed: "
msg_reboot:	.asciz "\nrebooting\n"
msg_second:	.asciz "\nsecond boot, counter "
msg_key:	.asciz "\nkey "

	.section .bss
	.balign 16
	.space 4096
stack_top:
