/* A load, store or LR that traps has no effect: its destination keeps
 * its value and memory is unchanged, also when the code around it is hot
 * (translated, with guest registers kept in host registers).  Each check
 * runs a small function many times on a good address, then once on an
 * address that faults: with RAM reached directly (M-mode), through the
 * TLB (M-mode loads and stores as S under Sv39, an unmapped page).  No
 * data access follows a trap until MPRV is off again: mret leaves MPP at
 * U-mode's. */
#include "isa.h"
#define NODEV		0x00200000	/* no device: an access fault */
#define UNMAPPED	0x40000000	/* Sv39: through an empty table */
#define RUNS		200

/* run FUNC: call it RUNS times with a0 = buf (clobbers s1). */
#define HOT(func) \
	li s1, RUNS; 1: la a0, buf; call func; addi s1, s1, -1; bnez s1, 1b

main:
	TEST(1)				/* load: access fault, RAM window path */
	HOT(bump_load)
	li	a1, 0x1234
	li	a0, NODEV
	EXPECT_TRAP(5, NODEV)
	call	bump_load		/* the ld is skipped, then a1 + 1 */
	TRAPPED()
	EXPECT(a1, 0x1235)

	TEST(2)				/* store: access fault */
	HOT(copy_store)
	li	a0, NODEV - 8
	li	a1, 0x5678
	EXPECT_TRAP(7, NODEV)
	call	copy_store		/* a2 = a1 + 1, the sd skipped */
	TRAPPED()
	EXPECT(a2, 0x5679)
	EXPECT(a3, 0x5679 * 2)

	TEST(3)				/* Sv39 through the TLB: a page fault */
	SV39_ROOT(root, l1)		/* 1-2 GiB through an empty table */
	SV39_ON(a0)
	MPRV_AS_S
	HOT(bump_load2)
	li	a1, 0x1111
	li	a0, UNMAPPED
	EXPECT_TRAP(13, UNMAPPED)
	call	bump_load2
	TRAPPED()
	EXPECT(a1, 0x1112)

	TEST(4)				/* LR: a load page fault, rd unchanged */
	MPRV_AS_S			/* again: the trap left MPP = U */
	HOT(lr_bump)
	li	a1, 0x4321
	li	a0, UNMAPPED
	EXPECT_TRAP(13, UNMAPPED)
	call	lr_bump
	TRAPPED()
	EXPECT(a1, 0x4322)
	li	t0, MPRV
	csrc	mstatus, t0
	csrw	satp, zero
	sfence.vma
	PASS

/* Each function is in its own cache line of code, translated on its own. */
	.balign 64
bump_load:
	ld	a1, 0(a0)
	addi	a1, a1, 1
	add	a2, a1, a1
	ret
	.balign 64
copy_store:
	addi	a2, a1, 1
	sd	a2, 8(a0)
	add	a3, a2, a2
	ret
	.balign 64
lr_bump:
	lr.d	a1, (a0)
	addi	a1, a1, 1
	ret
	.balign 64
bump_load2:
	ld	a1, 0(a0)
	addi	a1, a1, 1
	add	a2, a1, a1
	ret

	.data
	.balign 4096
root:	.space 4096
l1:	.space 4096
buf:	.space 64
