/*
 * Every RV64 load width and extension, compressed forms included, from a
 * device (flash bank 0 with --flash-map=off: each load is an MMIO exit),
 * printed as the 64-bit register value.  On KVM the kernel decodes the
 * trapped load and writes the register; tests/e2e/kvm.sh compares the
 * lines with the built-in CPU's.  The bank holds "NVM!" then 0xff bytes.
 */
#include "sbi.h"

	.equ FLASH, 0x20000000

	/* Print `name` and a0 after the 32-bit form of `insn`. */
	.macro SHOW name, insn:vararg
	.option push
	.option norvc
	\insn
	.option pop
	SHOWN	\name
	.endm

	/* The same for a compressed instruction. */
	.macro SHOWC name, insn:vararg
	\insn
	SHOWN	\name
	.endm

	.macro SHOWN name
	mv	s2, a0
	la	a0, 9f
	call	puts
	mv	a0, s2
	call	puthex64
	li	a0, '\n'
	call	putc
	.pushsection .rodata
9:	.asciz "\name "
	.popsection
	.endm

	.section .text.init
	.globl _start
_start:
	la	sp, stack_top
	li	s0, FLASH
	li	s1, FLASH + 4
	SHOW lb,  lb a0, 3(s0)
	SHOW lbu, lbu a0, 4(s0)
	SHOW lb-, lb a0, 4(s0)
	SHOW lh,  lh a0, 2(s0)
	SHOW lh-, lh a0, 4(s0)
	SHOW lhu, lhu a0, 4(s0)
	SHOW lw,  lw a0, 0(s0)
	SHOW lw-, lw a0, 4(s0)
	SHOW lwu, lwu a0, 4(s0)
	SHOW ld,  ld a0, 0(s0)
	/* Compressed loads: registers x8-x15 only. */
	SHOWC c.lw, c.lw a0, 0(s0)
	SHOWC c.lw-, c.lw a0, 0(s1)
	SHOWC c.ld, c.ld a0, 0(s0)
	SHOWC c.ld-, c.ld a0, 8(s0)
	SBI_RESET SRST_SHUTDOWN
1:	wfi
	j	1b

	.section .bss
	.balign 16
	.space 4096
stack_top:
