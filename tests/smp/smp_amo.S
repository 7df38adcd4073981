/* Run with -c 4: every hart adds 1 to two shared counters 100000 times,
 * one with amoadd.w and one with an LR/SC loop; hart 0 waits for all and
 * checks both totals are exact. */
#include "isa.h"
#define NHARTS	4
#define ROUNDS	100000
main:
	csrr	a0, mhartid
	la	s0, counters
	li	t3, ROUNDS
	li	t4, 1
	addi	s1, s0, 4
	addi	s2, s0, 8
1:	amoadd.w zero, t4, (s0)
2:	lr.w	t5, (s1)
	addi	t5, t5, 1
	sc.w	t6, t5, (s1)
	bnez	t6, 2b
	addi	t3, t3, -1
	bnez	t3, 1b
	amoadd.w zero, t4, (s2)		/* this hart is done */
	bnez	a0, park
	TEST(1)
	li	t0, NHARTS
3:	lw	t1, 8(s0)
	bne	t1, t0, 3b
	lw	t1, 0(s0)
	EXPECT(t1, NHARTS * ROUNDS)
	TEST(2)
	lw	t1, 4(s0)
	EXPECT(t1, NHARTS * ROUNDS)
	PASS
park:	wfi
	j	park

	.data
	.balign 64
counters: .word 0, 0, 0
