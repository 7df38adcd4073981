/* Run with an erased flash image in bank 0 (tests/e2e/cpu_flash.sh), with
 * the array mapped and with --flash-map=off.  M-mode programs an Sv39 root
 * page table into flash; S-mode then runs with it: every walk reads the
 * table from flash, a read-only alias of RAM works, a store to it page
 * faults, and a leaf with A clear, which the walker cannot set in flash,
 * gives an access fault. */
#include "isa.h"
#define FLASH	0x20000000
#define LOW	(0x80000000 >> 12 << 10)	/* PPN field of 0x80000000 */

/* Program one 32-bit word of bank 0 (two x16 devices). */
#define PROGRAM(off, value) li a0, FLASH + (off); li a1, value; call program

main:
	TEST(1)
	PROGRAM(0, 0xc7)		/* VA 0-1G: identity, VRWAD (devices) */
	PROGRAM(4, 0)
	PROGRAM(8, LOW | 0x43)		/* VA 1-2G: RAM, VRA, read-only */
	PROGRAM(12, 0)
	PROGRAM(16, LOW | 0xcf)		/* VA 2-3G: RAM, identity, VRWXAD */
	PROGRAM(20, 0)
	PROGRAM(24, LOW | 0x03)		/* VA 3-4G: RAM, VR, A clear */
	PROGRAM(28, 0)
	li	a0, FLASH
	li	t1, 0x00ff00ff		/* read array */
	sw	t1, 0(a0)
	ld	t1, 16(a0)
	EXPECT(t1, LOW | 0xcf)
	TEST(2)
	li	t0, (8 << 60) | (FLASH >> 12)
	csrw	satp, t0
	sfence.vma
	ENTER_MODE(1, s_code)
s_code:
	TEST(3)				/* code and data through the flash table */
	la	a0, data
	ld	t2, 0(a0)
	EXPECT(t2, 0x1122334455667788)
	li	t1, 0x40000000		/* the read-only alias of data */
	sub	a1, a0, t1
	ld	t2, 0(a1)
	EXPECT(t2, 0x1122334455667788)
	TEST(4)
	li	s9, 0			/* a store to it: page fault, tval */
	li	s10, 15
	mv	s11, a1
	sd	t2, 0(a1)
	TRAPPED()
	TEST(5)
	li	t1, 0x40000000		/* A clear: cannot be set in flash */
	add	a2, a0, t1
	li	s9, 0
	li	s10, 5
	mv	s11, a2
	ld	t2, 0(a2)
	TRAPPED()
	TO_M(m_done)
m_done:
	csrw	satp, zero
	PASS

/* Word program at a0 of a1; waits for SR7 on both devices. */
program:
	li	t1, 0x00400040
	sw	t1, 0(a0)
	sw	a1, 0(a0)
	li	t3, 0x00800080
1:	lw	t2, 0(a0)
	and	t2, t2, t3
	bne	t2, t3, 1b
	ret

	.data
	.balign 8
data:	.dword	0x1122334455667788
