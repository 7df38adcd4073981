/*
 * What the KVM backends read of a guest.  riscv64, to correct KVM's
 * zero-extended MMIO loads: the decode of sign-extending loads, and
 * instruction fetch through the guest's page tables (bare and Sv39,
 * superpages, a 32-bit instruction across a page boundary, missing or
 * invalid entries).  arm64, to emulate a load or store without syndrome:
 * the decode of every A64 load/store form it takes (and of those it must
 * refuse), and EL1 stage-1 translation (MMU off, both halves, blocks,
 * pages, tag bytes, invalid entries and granules).
 */
#include <string.h>

#include "kvm/a64.h"
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

/* One decode: the fields a test names; the rest must be zero. */
struct want {
	uint32_t insn;
	const char *text;
	struct a64_access a;
};

#define LD .load = true
static const struct want a64_forms[] = {
	{ 0xa9400861, "ldp x1, x2, [x3]", { LD, .pair = true, .size = 8, .rt = 1, .rt2 = 2, .rn = 3 } },
	{ 0xa9c10861, "ldp x1, x2, [x3, #16]!", { LD, .pair = true, .size = 8, .rt = 1, .rt2 = 2,
		.rn = 3, .offset = 16, .writeback = true } },
	{ 0xa8ff0861, "ldp x1, x2, [x3], #-16", { LD, .pair = true, .size = 8, .rt = 1, .rt2 = 2,
		.rn = 3, .offset = -16, .writeback = true, .post = true } },
	{ 0xa9be17e4, "stp x4, x5, [sp, #-32]!", { .pair = true, .size = 8, .rt = 4, .rt2 = 5,
		.rn = 31, .offset = -32, .writeback = true } },
	{ 0x29411d06, "ldp w6, w7, [x8, #8]", { LD, .pair = true, .size = 4, .rt = 6, .rt2 = 7,
		.rn = 8, .offset = 8 } },
	{ 0x697f2969, "ldpsw x9, x10, [x11, #-8]", { LD, .pair = true, .sign = true, .size = 4,
		.rt = 9, .rt2 = 10, .rn = 11, .offset = -8 } },
	{ 0xad410440, "ldp q0, q1, [x2, #32]", { LD, .fp = true, .pair = true, .size = 16,
		.rt = 0, .rt2 = 1, .rn = 2, .offset = 32 } },
	{ 0x6c810c82, "stp d2, d3, [x4], #16", { .fp = true, .pair = true, .size = 8, .rt = 2,
		.rt2 = 3, .rn = 4, .offset = 16, .writeback = true, .post = true } },
	{ 0xa84435cc, "ldnp x12, x13, [x14, #64]", { LD, .pair = true, .size = 8, .rt = 12,
		.rt2 = 13, .rn = 14, .offset = 64 } },
	{ 0xf8408441, "ldr x1, [x2], #8", { LD, .size = 8, .rt = 1, .rn = 2, .offset = 8,
		.writeback = true, .post = true } },
	{ 0xb85fcc83, "ldr w3, [x4, #-4]!", { LD, .size = 4, .rt = 3, .rn = 4, .offset = -4,
		.writeback = true } },
	{ 0x384014c5, "ldrb w5, [x6], #1", { LD, .size = 1, .rt = 5, .rn = 6, .offset = 1,
		.writeback = true, .post = true } },
	{ 0x78802d07, "ldrsh x7, [x8, #2]!", { LD, .sign = true, .size = 2, .rt = 7, .rn = 8,
		.offset = 2, .writeback = true } },
	{ 0x38dff549, "ldrsb w9, [x10], #-1", { LD, .sign = true, .to32 = true, .size = 1,
		.rt = 9, .rn = 10, .offset = -1, .writeback = true, .post = true } },
	{ 0xf8008d8b, "str x11, [x12, #8]!", { .size = 8, .rt = 11, .rn = 12, .offset = 8,
		.writeback = true } },
	{ 0x780025cd, "strh w13, [x14], #2", { .size = 2, .rt = 13, .rn = 14, .offset = 2,
		.writeback = true, .post = true } },
	{ 0xf85fd20f, "ldur x15, [x16, #-3]", { LD, .size = 8, .rt = 15, .rn = 16, .offset = -3 } },
	{ 0xf947fe51, "ldr x17, [x18, #4088]", { LD, .size = 8, .rt = 17, .rn = 18, .offset = 4088 } },
	{ 0x3dc004a4, "ldr q4, [x5, #16]", { LD, .fp = true, .size = 16, .rt = 4, .rn = 5, .offset = 16 } },
	{ 0xbc4044e6, "ldr s6, [x7], #4", { LD, .fp = true, .size = 4, .rt = 6, .rn = 7, .offset = 4,
		.writeback = true, .post = true } },
	{ 0x3c001d28, "str b8, [x9, #1]!", { .fp = true, .size = 1, .rt = 8, .rn = 9, .offset = 1,
		.writeback = true } },
	{ 0xf8637841, "ldr x1, [x2, x3, lsl #3]", { LD, .size = 8, .rt = 1, .rn = 2,
		.reg_offset = true, .rm = 3, .extend = 3, .shift = 3 } },
	{ 0xb866d8a4, "ldr w4, [x5, w6, sxtw #2]", { LD, .size = 4, .rt = 4, .rn = 5,
		.reg_offset = true, .rm = 6, .extend = 6, .shift = 2 } },
	{ 0x38694907, "ldrb w7, [x8, w9, uxtw]", { LD, .size = 1, .rt = 7, .rn = 8,
		.reg_offset = true, .rm = 9, .extend = 2 } },
	{ 0xfc636841, "ldr d1, [x2, x3]", { LD, .fp = true, .size = 8, .rt = 1, .rn = 2,
		.reg_offset = true, .rm = 3, .extend = 3 } },
	{ 0xb980056a, "ldrsw x10, [x11, #4]", { LD, .sign = true, .size = 4, .rt = 10, .rn = 11,
		.offset = 4 } },
	{ 0xf8408841, "ldtr x1, [x2, #8]", { LD, .size = 8, .rt = 1, .rn = 2, .offset = 8 } },
	{ 0x5800004c, "ldr x12, .+8", { LD, .literal = true, .size = 8, .rt = 12, .offset = 8 } },
	{ 0x98ffffcd, "ldrsw x13, .-8", { LD, .literal = true, .sign = true, .size = 4, .rt = 13,
		.offset = -8 } },
};

static void a64_decodes_loads_and_stores(void)
{
	for (size_t i = 0; i < sizeof(a64_forms) / sizeof(a64_forms[0]); i++) {
		const struct want *w = &a64_forms[i];
		struct a64_access a;

		if (!a64_decode_ldst(w->insn, &a) || memcmp(&a, &w->a, sizeof(a))) {
			printf("  %s (0x%08x): decoded as load %d fp %d pair %d sign %d to32 %d "
			       "size %u rt %u rt2 %u rn %u offset %" PRId64 " wb %d post %d "
			       "reg %d rm %u ext %u shift %u\n", w->text, w->insn, a.load, a.fp,
			       a.pair, a.sign, a.to32, a.size, a.rt, a.rt2, a.rn, a.offset,
			       a.writeback, a.post, a.reg_offset, a.rm, a.extend, a.shift);
			CHECK(!"decoded as expected");
		}
	}
}

static void a64_refuses_others(void)
{
	static const uint32_t others[] = {
		0xf9800020,	/* prfm pldl1keep, [x1] */
		0xc85f7c41,	/* ldxr x1, [x2] */
		0xc8dffc83,	/* ldar x3, [x4] */
		0x69000461,	/* stgp x1, x1, [x3] */
		0x8b030041,	/* add x1, x2, x3 */
		0x00000000,	/* udf */
	};
	struct a64_access a;

	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		CHECK(!a64_decode_ldst(others[i], &a));
}

static void a64_extends_register_offsets(void)
{
	struct a64_access a;

	CHECK(a64_decode_ldst(0xb866d8a4, &a));		/* [x5, w6, sxtw #2] */
	CHECK_EQ(a64_extend(&a, UINT64_C(0xdeadbeefffffffff)), (uint64_t)-4);
	CHECK(a64_decode_ldst(0x38694907, &a));		/* [x8, w9, uxtw] */
	CHECK_EQ(a64_extend(&a, UINT64_C(0x1234567880000000)), 0x80000000);
	CHECK(a64_decode_ldst(0xf8637841, &a));		/* [x2, x3, lsl #3] */
	CHECK_EQ(a64_extend(&a, 5), 40);
}

static void put_desc(unsigned table, unsigned index, uint64_t d)
{
	mem[(page(table) - MEM_BASE) / 8 + index] = d;
}

/* 4 KiB granules, 39-bit halves: T0SZ = T1SZ = 25, TG1 = 0b10. */
#define TCR_39	(UINT64_C(25) | UINT64_C(25) << 16 | UINT64_C(2) << 30)

static void a64_translates_stage1(void)
{
	struct a64_mmu m = { .sctlr = 0, .tcr = TCR_39, .ttbr0 = page(0), .ttbr1 = page(3) };
	uint64_t ipa = 0;
	uint32_t insn = 0;

	memset(mem, 0, sizeof(mem));
	/* MMU off: the address itself. */
	CHECK(a64_translate(&m, 0x4000123, mem_at, NULL, &ipa));
	CHECK_EQ(ipa, 0x4000123);
	m.sctlr = 1;
	/* Lower half: level 1 -> level 2 -> level 3 page. */
	put_desc(0, 2, page(1) | 3);			/* 0x80000000.. table */
	put_desc(1, 0, page(2) | 3);
	put_desc(2, 5, page(9) | 0x403);		/* AF, page */
	CHECK(a64_translate(&m, 0x80005abc, mem_at, NULL, &ipa));
	CHECK_EQ(ipa, page(9) + 0xabc);
	/* A 2 MiB block at level 2, and a 1 GiB block at level 1. */
	put_desc(1, 1, UINT64_C(0x04000000) | 0x401);
	CHECK(a64_translate(&m, 0x80212345, mem_at, NULL, &ipa));
	CHECK_EQ(ipa, 0x04012345);
	put_desc(0, 0, 0x401);
	CHECK(a64_translate(&m, 0x3fffffff, mem_at, NULL, &ipa));
	CHECK_EQ(ipa, 0x3fffffff);
	/* The upper half through TTBR1; a tagged pointer with TBI1. */
	put_desc(3, 511, page(4) | 3);
	put_desc(4, 511, page(5) | 3);
	put_desc(5, 511, page(9) | 0x403);
	CHECK(a64_translate(&m, UINT64_C(0xfffffffffffff010), mem_at, NULL, &ipa));
	CHECK_EQ(ipa, page(9) + 0x10);
	CHECK(!a64_translate(&m, UINT64_C(0xf0fffffffffff010), mem_at, NULL, &ipa));
	m.tcr |= UINT64_C(1) << 38;
	CHECK(a64_translate(&m, UINT64_C(0xf0fffffffffff010), mem_at, NULL, &ipa));
	CHECK_EQ(ipa, page(9) + 0x10);
	/* Fetch: an instruction word from the translated page. */
	memcpy((uint8_t *)mem + (page(9) - MEM_BASE) + 0x10, &(uint32_t){ 0xa9400861 }, 4);
	CHECK(a64_fetch(&m, UINT64_C(0xfffffffffffff010), mem_at, NULL, &insn));
	CHECK_EQ(insn, 0xa9400861);
	CHECK(!a64_fetch(&m, UINT64_C(0xfffffffffffff012), mem_at, NULL, &insn));
	/* Invalid entries, a block at level 3, outside the range, tables
	 * outside memory, another granule. */
	CHECK(!a64_translate(&m, 0x80006000, mem_at, NULL, &ipa));
	put_desc(2, 6, page(9) | 1);
	CHECK(!a64_translate(&m, 0x80006000, mem_at, NULL, &ipa));
	CHECK(!a64_translate(&m, UINT64_C(1) << 40, mem_at, NULL, &ipa));
	put_desc(0, 3, 0x10000003);
	CHECK(!a64_translate(&m, 0xc0000000, mem_at, NULL, &ipa));
	m.tcr |= UINT64_C(1) << 14;			/* TG0 64 KiB */
	CHECK(!a64_translate(&m, 0x80005abc, mem_at, NULL, &ipa));
}

int main(void)
{
	RUN(a64_decodes_loads_and_stores);
	RUN(a64_refuses_others);
	RUN(a64_extends_register_offsets);
	RUN(a64_translates_stage1);
	RUN(decodes_signed_loads);
	RUN(fetches_bare);
	RUN(fetches_through_sv39);
	return TEST_EXIT();
}
