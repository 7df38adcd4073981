/*
 * Entry of the arm64 test guests, loaded raw at 0x40200000 (--kernel) and
 * started at EL1 with the MMU off.  CPU 0 runs main(); a CPU started by
 * PSCI CPU_ON (entry _start, context = its number) runs secondary().  Both
 * get a stack and the SIMD&FP registers; when main returns the guest
 * powers off through PSCI SYSTEM_OFF.
 */
#define PSCI_SYSTEM_OFF	0x84000008

	.section .text.init, "ax"
	.globl _start
_start:
	mrs	x1, mpidr_el1
	and	x1, x1, #0xff
	adrp	x2, stacks
	add	x2, x2, :lo12:stacks
	add	x3, x1, #1
	lsl	x3, x3, #14		/* 16 KiB each */
	add	sp, x2, x3
	mov	x2, #(3 << 20)		/* CPACR_EL1.FPEN: no SIMD&FP traps */
	msr	cpacr_el1, x2
	isb
	cbnz	x1, 1f
	bl	main
	ldr	x0, =PSCI_SYSTEM_OFF
	hvc	#0
	b	2f
1:	bl	secondary
2:	wfi
	b	2b

	.bss
	.balign	16
stacks:
	.space	4 * 16384
