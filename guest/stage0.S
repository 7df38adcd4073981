/*
 * norvm's stage-0 loader, at offset 0 of a bootable flash image.
 *
 * It runs in place from flash, in M-mode from the boot ROM or in S-mode
 * under KVM (a0 = hartid, a1 = device tree, a2 = as the boot ROM or KVM
 * set them; all three are passed on untouched).  The header says which:
 * an S-mode payload (`flash pack --kernel K` alone) has no CLINT base, and
 * then only S-mode CSRs are touched and no other hart is woken (under KVM
 * they start stopped, until the payload starts them through SBI HSM).
 * Hart 0 copies every payload listed in the image header from flash to its
 * load address in RAM, then wakes the other harts with a software
 * interrupt through the CLINT; they wait for it in WFI.  Nothing is kept
 * in RAM, so any amount of RAM works.  Every hart then jumps to the entry
 * point.  The code only uses pc-relative addressing, so it runs wherever
 * the image is mapped.
 *
 * A trap in stage-0 (a payload outside RAM, a header that points past the
 * image) is reported on the UART with the cause, pc and value (mcause,
 * mepc, mtval, or their S-mode twins), and the machine powers off through
 * the test device with status 1: never a silent hang.  The trap vector is
 * restored before the firmware is entered.
 *
 * The header (src/boot_header.h, written by `norvm flash pack`) gives the
 * entry point, the CLINT base (0: S-mode) and the payloads, each with its
 * offset in the image, size (a multiple of 8) and load address; its
 * offsets come from stage0_layout.inc, generated from that file.  norvm
 * checks the payloads' CRCs before it starts the VM.
 */
#include "stage0_layout.inc"
	.equ MAX_HARTS, 8
	.equ MIP_MSIP, 0x8
	.equ UART, 0x10000000
	.equ TEST_DEVICE, 0x100000
	.equ TEST_FAIL_1, (1 << 16) | 0x3333

	.option nopic
	.option norelax		/* the assembler pads alignments itself */
	.section .text.init
	.globl _start
_start:
	auipc	t0, 0			/* t0 = image base */
	addi	t1, t0, HDR		/* t1 = header */
	ld	t2, HDR_CLINT(t1)	/* t2 = CLINT (msip of hart 0), 0: S-mode */
	mv	s3, t2			/* the same, for the trap handler */
	lla	t3, trap
	beqz	t2, 1f
	csrrw	a7, mtvec, t3		/* a7 = the trap vector to restore */
	j	2f
1:	csrrw	a7, stvec, t3
2:	bnez	a0, wait

	ld	t4, HDR_COUNT(t1)	/* payloads left */
	addi	t5, t1, HDR_PAYLOADS	/* current payload descriptor */
next_payload:
	beqz	t4, copied
	ld	t6, PL_OFFSET(t5)
	add	t6, t6, t0		/* source in flash */
	ld	a3, PL_SIZE(t5)		/* bytes */
	ld	a4, PL_ADDR(t5)		/* destination in RAM */
	add	a3, a3, t6		/* source end */
	.balign	4			/* fewer fetches when flash traps them */
copy:
	bgeu	t6, a3, copy_done
	ld	a5, 0(t6)
	sd	a5, 0(a4)
	addi	t6, t6, 8
	addi	a4, a4, 8
	j	copy
copy_done:
	addi	t5, t5, PAYLOAD_SIZE
	addi	t4, t4, -1
	j	next_payload
copied:
	fence	rw, rw
	beqz	t2, enter		/* S-mode: the payload starts the harts */
	/* Wake harts 1..MAX_HARTS-1; the CLINT ignores harts that are absent. */
	li	t3, 1
	li	t4, MAX_HARTS - 1
	addi	t5, t2, 4
wake:
	sw	t3, 0(t5)
	addi	t5, t5, 4
	addi	t4, t4, -1
	bnez	t4, wake
	j	enter

wait:
	beqz	t2, enter
	li	t3, MIP_MSIP
	csrs	mie, t3			/* WFI wakes for it; mstatus.MIE stays 0 */
1:	wfi
	csrr	t4, mip
	and	t4, t4, t3
	beqz	t4, 1b
	csrc	mie, t3
	slli	t4, a0, 2
	add	t4, t4, t2
	sw	zero, 0(t4)		/* acknowledge: clear this hart's msip */
2:	csrr	t4, mip
	and	t4, t4, t3
	bnez	t4, 2b
	fence	rw, rw
enter:
	fence.i
	beqz	t2, 1f
	csrw	mtvec, a7
	j	2f
1:	csrw	stvec, a7
2:	ld	t4, HDR_ENTRY(t1)
	jr	t4

/* Report the trap, then power off with status 1. */
	.balign 4
trap:
	li	s0, UART
	lla	s1, msg_trap
	jal	s11, puts
	beqz	s3, 1f
	csrr	s2, mcause
	csrr	s4, mepc
	csrr	s5, mtval
	j	2f
1:	csrr	s2, scause
	csrr	s4, sepc
	csrr	s5, stval
2:	jal	s11, puthex
	lla	s1, msg_mepc
	jal	s11, puts
	mv	s2, s4
	jal	s11, puthex
	lla	s1, msg_mtval
	jal	s11, puts
	mv	s2, s5
	jal	s11, puthex
	lla	s1, msg_end
	jal	s11, puts
	li	t0, TEST_DEVICE
	li	t1, TEST_FAIL_1
	sw	t1, 0(t0)
3:	wfi
	j	3b

/* Print the NUL-terminated string at s1; returns to s11. */
puts:
	lbu	t0, 0(s1)
	beqz	t0, 1f
	sb	t0, 0(s0)
	addi	s1, s1, 1
	j	puts
1:	jr	s11

/* Print s2 as 16 hex digits; returns to s11. */
puthex:
	li	t1, 60
1:	srl	t0, s2, t1
	andi	t0, t0, 0xf
	addi	t0, t0, '0'
	li	t2, '9'
	ble	t0, t2, 2f
	addi	t0, t0, 'a' - '0' - 10
2:	sb	t0, 0(s0)
	addi	t1, t1, -4
	bgez	t1, 1b
	jr	s11

msg_trap:	.asciz "\r\nnorvm stage-0: trap, cause 0x"
msg_mepc:	.asciz " pc 0x"
msg_mtval:	.asciz " tval 0x"
msg_end:	.asciz "; powering off\r\n"
	.balign	8
	.globl	stage0_end
stage0_end:				/* below HDR: the Makefile checks */
