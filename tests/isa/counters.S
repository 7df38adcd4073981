/* mcycle and minstret: mcountinhibit stops each (CY, IR) and lets it go on
 * from where it stood; writing one leaves the other where it runs.  (Not
 * for QEMU 7.2 without -icount: its counters read 0 while inhibited and
 * host ticks otherwise.) */
#include "isa.h"
#define CY		1
#define IR		4
#define FAR		(1 << 40)

main:
	TEST(1)				/* IR stops minstret */
	li	t0, IR
	csrs	mcountinhibit, t0
	csrr	a0, minstret
	nop
	nop
	csrr	a1, minstret
	bne	a0, a1, fail
	rdinstret a2			/* the user view too */
	bne	a0, a2, fail
	TEST(2)				/* ...and goes on from there */
	li	t0, IR
	csrc	mcountinhibit, t0
	csrr	a1, minstret
	sub	a2, a1, a0
	li	t0, 4
	bgeu	a2, t0, fail
	TEST(3)				/* CY stops mcycle */
	li	t0, CY
	csrs	mcountinhibit, t0
	csrr	a0, mcycle
	li	a3, 100
1:	addi	a3, a3, -1
	bnez	a3, 1b
	csrr	a1, mcycle
	bne	a0, a1, fail
	rdcycle	a2
	bne	a0, a2, fail
	TEST(4)				/* a write while stopped is what is read */
	li	a0, 12345
	csrw	mcycle, a0
	csrr	a1, mcycle
	bne	a0, a1, fail
	li	t0, CY
	csrc	mcountinhibit, t0
	TEST(5)				/* minstret written: mcycle does not move */
	csrr	a0, mcycle
	li	t0, FAR
	csrw	minstret, t0
	csrr	a1, mcycle
	csrr	a2, minstret
	sub	a3, a1, a0
	bgeu	a3, t0, fail		/* mcycle kept its pace */
	bltu	a2, t0, fail		/* minstret took the value */
	TEST(6)				/* mcycle written: minstret does not move */
	csrr	a0, minstret
	csrw	mcycle, zero
	csrr	a1, minstret
	sub	a3, a1, a0
	li	t0, 100
	bgeu	a3, t0, fail
	PASS
