/*
 * What the KVM backend reads of a guest to correct its zero-extended MMIO
 * loads: the decode of sign-extending loads, and instruction fetch through
 * the guest's page tables (bare and Sv39, superpages, a 32-bit instruction
 * across a page boundary, missing or invalid entries).
 */
#include <string.h>

#include "kvm/guest_insn.h"
#include "test.h"

#define MEM_BASE	UINT64_C(0x80000000)
#define MEM_SIZE	(64 * 4096)

static uint64_t mem[MEM_SIZE / 8];

static const void *mem_at(void *opaque, uint64_t gpa, uint64_t len)
{
	if (gpa < MEM_BASE || gpa - MEM_BASE > MEM_SIZE - len)
		return NULL;
	return (const uint8_t *)mem + (gpa - MEM_BASE);
}

static uint64_t page(unsigned n)
{
	return MEM_BASE + 4096ull * n;
}

static void put_pte(unsigned table, unsigned index, uint64_t pa, unsigned flags)
{
	mem[(page(table) - MEM_BASE) / 8 + index] = (pa >> 12) << 10 | flags;
}

static void put16(uint64_t gpa, uint16_t v)
{
	memcpy((uint8_t *)mem + (gpa - MEM_BASE), &v, 2);
}

static void decodes_signed_loads(void)
{
	unsigned rd = 99;

	CHECK_EQ(guest_signed_load(0x00340503, &rd), 1);	/* lb a0, 3(s0) */
	CHECK_EQ(rd, 10);
	CHECK_EQ(guest_signed_load(0x00241583, &rd), 2);	/* lh a1, 2(s0) */
	CHECK_EQ(rd, 11);
	CHECK_EQ(guest_signed_load(0x00042f83, &rd), 4);	/* lw t6, 0(s0) */
	CHECK_EQ(rd, 31);
	CHECK_EQ(guest_signed_load(0x4008, &rd), 4);		/* c.lw a0, 0(s0) */
	CHECK_EQ(rd, 10);
	CHECK_EQ(guest_signed_load(0x4088, &rd), 4);		/* c.lw a0, 0(s1) */
	CHECK_EQ(rd, 10);
	CHECK_EQ(guest_signed_load(0x4512, &rd), 4);		/* c.lwsp a0, 4(sp) */
	CHECK_EQ(rd, 10);
	/* Zero-extending, full-width, stores and others: nothing to correct. */
	CHECK_EQ(guest_signed_load(0x00444503, &rd), 0);	/* lbu */
	CHECK_EQ(guest_signed_load(0x00445503, &rd), 0);	/* lhu */
	CHECK_EQ(guest_signed_load(0x00446503, &rd), 0);	/* lwu */
	CHECK_EQ(guest_signed_load(0x00043503, &rd), 0);	/* ld */
	CHECK_EQ(guest_signed_load(0x6008, &rd), 0);		/* c.ld */
	CHECK_EQ(guest_signed_load(0x00a42023, &rd), 0);	/* sw a0, 0(s0) */
	CHECK_EQ(guest_signed_load(0xc008, &rd), 0);		/* c.sw */
	CHECK_EQ(guest_signed_load(0x00000013, &rd), 0);	/* nop */
}

static void fetches_bare(void)
{
	uint32_t insn = 0;

	memset(mem, 0, sizeof(mem));
	put16(page(5) + 0x10, 0x4008);
	CHECK(guest_fetch(0, page(5) + 0x10, mem_at, NULL, &insn));
	CHECK_EQ(insn, 0x4008);
	put16(page(5) + 0x20, 0x2503);
	put16(page(5) + 0x22, 0x0004);
	CHECK(guest_fetch(0, page(5) + 0x20, mem_at, NULL, &insn));
	CHECK_EQ(insn, 0x00042503);
	CHECK(!guest_fetch(0, 0x1000, mem_at, NULL, &insn));	/* no memory */
	CHECK(!guest_fetch(UINT64_C(1) << 60, page(5), mem_at, NULL, &insn));
}

static void fetches_through_sv39(void)
{
	uint64_t satp = UINT64_C(8) << 60 | (page(0) >> 12), gpa = 0;
	uint64_t va = UINT64_C(0xffffffc000201000);	/* vpn2 256, vpn1 1, vpn0 1 */
	uint32_t insn = 0;

	memset(mem, 0, sizeof(mem));
	put_pte(0, 256, page(1), 1);			/* -> level-1 table */
	put_pte(1, 1, page(2), 1);			/* -> level-0 table */
	put_pte(2, 1, page(10), 0xcb);			/* 4K page: X R V A D */
	put_pte(2, 2, page(7), 0xcb);			/* the next one elsewhere */
	CHECK(guest_translate(satp, va + 0x123, mem_at, NULL, &gpa));
	CHECK_EQ(gpa, page(10) + 0x123);
	/* A 32-bit load split over two pages that are not contiguous. */
	put16(page(10) + 0xffe, 0x2503);
	put16(page(7), 0x0004);
	CHECK(guest_fetch(satp, va + 0xffe, mem_at, NULL, &insn));
	CHECK_EQ(insn, 0x00042503);
	/* A 2 MiB superpage at level 1 keeps the offset's low 21 bits. */
	put_pte(1, 2, MEM_BASE, 0xcb);
	CHECK(guest_translate(satp, UINT64_C(0xffffffc000400000) + 0x3456, mem_at, NULL, &gpa));
	CHECK_EQ(gpa, MEM_BASE + 0x3456);
	/* Not valid; outside memory. */
	CHECK(!guest_translate(satp, UINT64_C(0xffffffc000600000), mem_at, NULL, &gpa));
	put_pte(0, 3, UINT64_C(0x1000), 1);
	CHECK(!guest_translate(satp, UINT64_C(3) << 30, mem_at, NULL, &gpa));
}

int main(void)
{
	RUN(decodes_signed_loads);
	RUN(fetches_bare);
	RUN(fetches_through_sv39);
	return TEST_EXIT();
}
