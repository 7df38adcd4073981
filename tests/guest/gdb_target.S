/* A guest for tests/e2e/gdb.sh, run with -c 2: hart 0 stores 1..20 to
 * `counter` (a watchpoint's target), calls `tick` each time (a breakpoint's
 * target), then passes; hart 1 waits in WFI. */
#include "isa.h"
main:
	csrr	a0, mhartid
	bnez	a0, other
	la	s0, counter
	li	s1, 0
	li	s2, 20
loop:
	addi	s1, s1, 1
	sd	s1, 0(s0)
	call	tick
	blt	s1, s2, loop
	PASS
	.globl	tick
tick:
	addi	s3, s3, 1
	ret
other:
	wfi
	j	other

	.data
	.balign 8
	.globl	counter
counter: .dword 0
