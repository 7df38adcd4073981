/* Run on bank 1 as an S29GL256P with the timing model on
 * (tests/e2e/flash_timing.sh): sector 1 holds zeros, sector 2 holds
 * 0x1234 at its start.  M-mode erases sector 1 and polls it the way a
 * driver does (DQ6 toggling between two reads means busy), suspends the
 * erase, reads sector 2 (array data) and sector 1 (status: DQ7 1, DQ6
 * still, DQ2 toggling), resumes, polls to the end and checks the result.
 * Exit code: the number of the check that failed. */
#include "isa.h"
#define BANK	0x22000000
#define SECTOR1	(BANK + 0x20000)
#define SECTOR2	(BANK + 0x40000)

/* a0: command at device word a1. */
#define CMD(word, c)	li t0, BANK + 2 * (word); li t1, c; sh t1, 0(t0)

main:
	TEST(1)				/* sector erase: AA 55 80 AA 55 30@SA */
	CMD(0x555, 0xaa)
	CMD(0x2aa, 0x55)
	CMD(0x555, 0x80)
	CMD(0x555, 0xaa)
	CMD(0x2aa, 0x55)
	li	t0, SECTOR1
	li	t1, 0x30
	sh	t1, 0(t0)
	li	s0, 0			/* busy polls seen */
	li	s1, 200
1:	lhu	t2, 0(t0)		/* a driver's poll: toggling = busy */
	lhu	t3, 0(t0)
	xor	t4, t2, t3
	andi	t4, t4, 0x40
	beqz	t4, fail		/* done within 200 polls: no busy seen */
	addi	s0, s0, 1
	blt	s0, s1, 1b

	TEST(2)				/* suspend; other sectors read as array */
	CMD(0, 0xb0)
	li	t0, SECTOR2
	lhu	t2, 0(t0)
	lhu	t3, 0(t0)
	EXPECT(t2, 0x1234)
	EXPECT(t3, 0x1234)

	TEST(3)				/* the suspended sector: DQ7 1, DQ6 still, DQ2 toggles */
	li	t0, SECTOR1
	lhu	t2, 0(t0)
	lhu	t3, 0(t0)
	andi	t4, t2, 0x80
	EXPECT(t4, 0x80)
	xor	t4, t2, t3
	andi	t4, t4, 0x44
	EXPECT(t4, 0x04)

	TEST(4)				/* resume: busy again, then done */
	CMD(0, 0x30)
	li	t0, SECTOR1
	lhu	t2, 0(t0)
	lhu	t3, 0(t0)
	xor	t4, t2, t3
	andi	t4, t4, 0x40
	beqz	t4, fail
2:	lhu	t2, 0(t0)
	lhu	t3, 0(t0)
	bne	t2, t3, 2b

	TEST(5)				/* erased, and only sector 1 */
	li	t0, SECTOR1
	lhu	t2, 0(t0)
	EXPECT(t2, 0xffff)
	li	t0, SECTOR2 - 2
	lhu	t2, 0(t0)
	EXPECT(t2, 0xffff)
	li	t0, SECTOR2
	lhu	t2, 0(t0)
	EXPECT(t2, 0x1234)
	PASS
