/* Run with -c 4 and an erased flash image in bank 0: hart 0 switches the
 * flash between read-status and read-array mode; harts 1-3 read it.  A
 * handshake makes each switch window checkable: after each switch hart 0
 * publishes the phase (odd: status, even: array) and waits until every
 * reader has read the flash in that phase and acknowledged it.  A reader
 * must see status data (0x00800080) in a status phase and array data
 * (0xffffffff) in an array phase: a hart that kept a stale translation
 * of the array fails.  Hart 0 must see the new mode right after each
 * command it writes. */
#include "isa.h"
#define FLASH	0x20000000
#define ARRAY	0xffffffff
#define STATUS	0x00800080
#define PHASES	200
#define READERS	3
main:
	csrr	a0, mhartid
	li	s0, FLASH
	la	s1, shared
	li	s2, ARRAY
	li	s3, STATUS
	bnez	a0, reader
	TEST(1)
	li	t0, READERS
1:	lw	t1, 0(s1)		/* wait for the readers */
	bne	t1, t0, 1b
	li	s4, 1			/* phase */
	li	s5, PHASES
	li	t2, 0x00700070
	li	t3, 0x00ff00ff
2:	andi	t0, s4, 1
	beqz	t0, 3f
	sw	t2, 0x100(s0)		/* odd phase: read status */
	lwu	t4, 0x100(s0)
	bne	t4, s3, fail
	j	4f
3:	sw	t3, 0x100(s0)		/* even phase: read array */
	lwu	t4, 0x100(s0)
	bne	t4, s2, fail
4:	fence	rw, rw
	sw	s4, 4(s1)		/* publish the phase */
	addi	a1, s1, 8		/* acks[0..2] */
	li	a2, READERS
5:	lw	t1, 0(a1)		/* each reader saw this phase */
	bne	t1, s4, 5b
	addi	a1, a1, 4
	addi	a2, a2, -1
	bnez	a2, 5b
	lw	t1, 20(s1)		/* a reader saw the wrong mode */
	TEST(2)
	EXPECT(t1, 0)
	TEST(1)
	addi	s4, s4, 1
	bleu	s4, s5, 2b
	li	t0, -1
	sw	t0, 4(s1)		/* stop the readers */
	PASS

reader:
	li	t4, 1
	slli	a2, a0, 2
	add	a2, a2, s1
	addi	a2, a2, 4		/* my ack: acks[hartid - 1] */
	amoadd.w zero, t4, (s1)
	li	a4, 0			/* the last phase acknowledged */
1:	lw	a3, 4(s1)		/* the published phase */
	bltz	a3, park
	beq	a3, a4, 1b
	fence	rw, rw
	lwu	t1, 0x100(s0)
	andi	t0, a3, 1
	mv	t2, s2
	beqz	t0, 2f
	mv	t2, s3
2:	beq	t1, t2, 3f
	addi	t5, s1, 20		/* the wrong mode for this phase */
	amoadd.w zero, t4, (t5)
3:	fence	rw, rw
	sw	a3, 0(a2)		/* acknowledge */
	mv	a4, a3
	j	1b
park:	wfi
	j	park

	.data
	.balign 4096		/* not the flash page's TLB set: a reader keeps
				 * its translation of the array between phases */
shared:	.word 0			/* readers ready */
	.word 0			/* phase; -1: stop */
	.word 0, 0, 0		/* acks of harts 1-3 */
	.word 0			/* wrong-mode reads */
