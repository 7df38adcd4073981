/* Run with -c 4 and an erased flash image in bank 0: harts 1-3 read the
 * flash in a tight loop while hart 0 switches it between read-array and
 * read-status mode.  A reader may only ever see array data (0xffffffff)
 * or status data (0x00800080); hart 0 must see the new mode right after
 * each command it writes. */
#include "isa.h"
#define FLASH	0x20000000
#define ARRAY	0xffffffff
#define STATUS	0x00800080
#define SWITCHES 20000
main:
	csrr	a0, mhartid
	li	s0, FLASH
	la	s1, shared
	li	s2, ARRAY
	li	s3, STATUS
	bnez	a0, reader
	TEST(1)
	li	t0, 3
1:	lw	t1, 0(s1)		/* wait for the three readers */
	bne	t1, t0, 1b
	li	s4, SWITCHES
	li	t2, 0x00700070
	li	t3, 0x00ff00ff
2:	sw	t2, 0x100(s0)
	lwu	t4, 0x100(s0)
	bne	t4, s3, fail
	sw	t3, 0x100(s0)
	lwu	t4, 0x100(s0)
	bne	t4, s2, fail
	addi	s4, s4, -1
	bnez	s4, 2b
	li	t0, 1
	sw	t0, 4(s1)		/* stop the readers */
	TEST(2)
	li	t0, 3
3:	lw	t1, 8(s1)
	bne	t1, t0, 3b
	lw	t1, 12(s1)		/* bad values seen by readers */
	EXPECT(t1, 0)
	PASS

reader:
	li	t4, 1
	addi	a2, s1, 8
	addi	a3, s1, 12
	amoadd.w zero, t4, (s1)
	li	a5, 0			/* status values seen */
1:	lwu	t1, 0x100(s0)
	beq	t1, s2, 2f
	addi	a5, a5, 1
	beq	t1, s3, 2f
	amoadd.w zero, t4, (a3)		/* neither array nor status */
2:	lw	t2, 4(s1)
	beqz	t2, 1b
	amoadd.w zero, t4, (a2)
park:	wfi
	j	park

	.data
	.balign 64
shared:	.word 0, 0, 0, 0
