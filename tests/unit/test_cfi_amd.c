/*
 * The AMD/Fujitsu command set, boot-block geometry, the presets, part
 * options and the timing model (both command sets), through the flash's
 * entry points with a clock the test moves.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flash_image.h"

static struct cfi_part part;
static unsigned bw, dw;
static uint64_t clock_now;		/* mtime ticks: 10 per microsecond */

static uint64_t fake_clock(void *opaque)
{
	return clock_now;
}

static void advance_us(uint64_t us)
{
	clock_now += 10 * us;
}

/* A bank of `p` on an image filled with `fill`. */
static struct cfi_flash *open_part(const struct cfi_part *p, uint8_t fill,
				   bool timing, bool readonly)
{
	struct cfi_flash_config c = {
		.base = BASE, .window = 32u << 20, .path = path, .map = true,
		.timing = timing, .readonly = readonly, .part = &part,
		.clock = fake_clock, .slot = 2, .name = "flash0",
	};
	uint64_t size;
	struct cfi_flash *f;

	part = *p;
	bw = p->device_width * p->interleave;
	dw = p->device_width;
	size = cfi_part_size(p);
	make_image(size ? size : 4 * (uint64_t)p->region[0].size * p->interleave, fill);
	if (readonly)
		chmod(path, 0444);
	clock_now = 1000;
	fake_vm_init(&vm, 1);
	f = cfi_flash_create(&vm, &c, err, sizeof(err));
	if (!f)
		printf("  cannot open %s: %s\n", p->name, err);
	CHECK(f != NULL);
	return f;
}

static const struct cfi_part *preset(const char *name)
{
	const struct cfi_part *p = cfi_part_find(name);

	CHECK(p != NULL);
	return p;
}

/* A value replicated on every device lane. */
static uint64_t rep(uint64_t v)
{
	uint64_t r = 0;

	for (unsigned lane = 0; lane < bw / dw; lane++)
		r |= v << (8 * dw * lane);
	return r;
}

static uint64_t mask(void)
{
	return bw == 8 ? UINT64_MAX : (1ull << (8 * bw)) - 1;
}

/* A command cycle at device word `word`. */
static void cmd(struct cfi_flash *f, uint64_t word, uint8_t c)
{
	cfi_flash_write(f, word * bw, bw, rep(c));
}

static void unlock(struct cfi_flash *f)
{
	cmd(f, 0x555, 0xaa);
	cmd(f, 0x2aa, 0x55);
}

static void program_word(struct cfi_flash *f, uint64_t off, uint64_t val)
{
	unlock(f);
	cmd(f, 0x555, 0xa0);
	cfi_flash_write(f, off, bw, val);
}

static void sector_erase(struct cfi_flash *f, uint64_t off)
{
	unlock(f);
	cmd(f, 0x555, 0x80);
	unlock(f);
	cfi_flash_write(f, off, bw, rep(0x30));
}

static bool mapped(void)
{
	return fake_slot_at(BASE) != NULL;
}

/* Read the query table of device 0 as clients do (low byte, bank words). */
static void read_query(struct cfi_flash *f, uint8_t *q, unsigned n)
{
	cmd(f, 0x55, 0x98);
	for (unsigned k = 0; k < n; k++)
		q[k] = (uint8_t)cfi_flash_read(f, k * bw, 1);
	cmd(f, 0, 0xf0);
}

/* Every preset: QRY, its command set, size, regions in the table's order,
 * the primary table; Intel boot parts in address order, AMD top-boot
 * parts reversed with boot flag 3. */
static void test_presets_query(void)
{
	for (unsigned i = 0; cfi_part_at(i); i++) {
		const struct cfi_part *p = cfi_part_at(i);
		struct cfi_flash *f = open_part(p, 0xff, false, false);
		uint8_t q[0x60];
		unsigned n, pri, boot;
		bool reversed;

		if (!f)
			continue;
		read_query(f, q, sizeof(q));
		CHECK(q[0x10] == 'Q' && q[0x11] == 'R' && q[0x12] == 'Y');
		CHECK_EQ(q[0x13] | q[0x14] << 8, p->cmdset);
		CHECK_EQ((1ull << q[0x27]) * p->interleave, cfi_flash_size(f));
		n = q[0x2c];
		CHECK_EQ(n, p->nregions);
		boot = p->nregions > 1 && p->region[0].size > p->region[n - 1].size ? 3 : 0;
		reversed = p->cmdset == 2 && boot == 3;
		for (unsigned r = 0; r < n && r < 4; r++) {
			const struct cfi_region *g = &p->region[reversed ? n - 1 - r : r];
			uint32_t blocks = (q[0x2d + 4 * r] | q[0x2e + 4 * r] << 8) + 1u;
			uint32_t size = (q[0x2f + 4 * r] | q[0x30 + 4 * r] << 8) * 256u;

			CHECK_EQ(size, g->size);
			if (g->blocks)
				CHECK_EQ(blocks, g->blocks);
		}
		pri = q[0x15];
		CHECK(pri + 0x10 < sizeof(q));
		CHECK(q[pri] == 'P' && q[pri + 1] == 'R' && q[pri + 2] == 'I');
		CHECK_EQ(q[pri + 4], '0' + p->pri_minor);
		if (p->cmdset == 2) {
			CHECK_EQ(pri, 0x40);
			CHECK_EQ(q[pri + 15], boot ? boot : cfi_part_size(p) &&
				 p->nregions > 1 ? 2 : 4);
			CHECK_EQ(q[pri + 6], 0);	/* no erase suspend: instant */
		}
		CHECK_EQ(q[0x2a], p->buffer ? __builtin_ctz(p->buffer) : 0);
		CHECK(mapped());
		done(f);
	}
}

/* Autoselect: manufacturer, the three-word ID, protection at SA + 2. */
static void test_autoselect(void)
{
	struct cfi_flash *f = open_part(preset("S29GL256P"), 0xff, false, false);

	unlock(f);
	CHECK(mapped());			/* unlock cycles: still mapped */
	cmd(f, 0x555, 0x90);
	CHECK(!mapped());
	CHECK_EQ(cfi_flash_mode(f), CFI_MODE_ID);
	CHECK_EQ(cfi_flash_read(f, 0, 2), 0x0001);
	CHECK_EQ(cfi_flash_read(f, 1 * 2, 2), 0x227e);
	CHECK_EQ(cfi_flash_read(f, 0x0e * 2, 2), 0x2222);
	CHECK_EQ(cfi_flash_read(f, 0x0f * 2, 2), 0x2201);
	CHECK_EQ(cfi_flash_read(f, 0x20000 + 2 * 2, 2), 0);
	/* CFI from autoselect, F0 back to autoselect, F0 back to read. */
	cmd(f, 0x55, 0x98);
	CHECK_EQ(cfi_flash_read(f, 0x10 * 2, 2), 'Q');
	cmd(f, 0, 0xf0);
	CHECK_EQ(cfi_flash_read(f, 1 * 2, 2), 0x227e);
	cmd(f, 0, 0xf0);
	CHECK(mapped());
	CHECK_EQ(cfi_flash_read(f, 2, 2), 0xffff);
	/* 0x98 anywhere but 0x55 is no query; a broken unlock does nothing. */
	cmd(f, 0x56, 0x98);
	CHECK(mapped());
	cmd(f, 0x555, 0xaa);
	cmd(f, 0x2ab, 0x55);
	cmd(f, 0x555, 0x90);
	CHECK(mapped());
	done(f);
}

/* Word program: AND, no mapping change at all without the timing model. */
static void test_word_program(void)
{
	struct cfi_flash *f = open_part(preset("S29GL256P"), 0xff, false, false);
	struct cfi_flash_stats s;
	unsigned changes = fake_slot_changes;

	program_word(f, 0x100, 0x1234);
	program_word(f, 0x102, 0xabcd);
	program_word(f, 0x100, 0x1204);		/* clears bits only */
	CHECK_EQ(fake_slot_changes, changes);
	CHECK(mapped());
	CHECK_EQ(file_byte(0x100), 0x04);
	CHECK_EQ(file_byte(0x101), 0x12);
	CHECK_EQ(file_byte(0x103), 0xab);
	cfi_flash_get_stats(f, &s);
	CHECK_EQ(s.programs, 3);
	CHECK_EQ(s.words, 3);
	CHECK_EQ(s.program_map_changes, 0);
	/* 0 -> 1: bits ANDed, then DQ5 with DQ6 toggling until 0xF0. */
	program_word(f, 0x100, 0x00f0);
	CHECK(!mapped());
	CHECK_EQ(cfi_flash_read(f, 0x100, 2) & 0x20, 0x20);
	CHECK(((cfi_flash_read(f, 0x100, 2) ^ cfi_flash_read(f, 0x100, 2)) & 0x40) != 0);
	cmd(f, 0, 0xf0);
	CHECK(mapped());
	CHECK_EQ(cfi_flash_read(f, 0x100, 2), 0x0000);
	/* A partial data cycle programs just its byte. */
	unlock(f);
	cmd(f, 0x555, 0xa0);
	cfi_flash_write(f, 0x201, 1, 0x5a);
	CHECK_EQ(cfi_flash_read(f, 0x200, 2), 0x5aff);
	done(f);
}

static void write_buffer(struct cfi_flash *f, uint64_t sa, uint64_t at,
			 unsigned words, unsigned count, uint64_t stray)
{
	unlock(f);
	cfi_flash_write(f, sa, bw, rep(0x25));
	cfi_flash_write(f, sa, bw, rep(count));
	for (unsigned i = 0; i < words; i++)
		cfi_flash_write(f, i == 1 && stray ? stray : at + i * bw, bw,
				(0x1111ull * (i + 1)) & mask());
}

/* Write-to-buffer program, its aborts, and the abort reset sequence. */
static void test_write_buffer(void)
{
	struct cfi_flash *f = open_part(preset("S29GL256P"), 0xff, false, false);
	unsigned changes = fake_slot_changes;

	write_buffer(f, 0x20000, 0x20010, 4, 3, 0);
	CHECK(mapped());			/* loading: reads see the array */
	CHECK_EQ(cfi_flash_read(f, 0x20010, 2), 0xffff);
	cfi_flash_write(f, 0x20000, 2, 0x29);
	CHECK_EQ(fake_slot_changes, changes);
	CHECK_EQ(cfi_flash_read(f, 0x20010, 2), 0x1111);
	CHECK_EQ(cfi_flash_read(f, 0x20016, 2), 0x4444);
	CHECK_EQ(file_byte(0x20012), 0x22);
	CHECK_EQ(cfi_flash_cmd_count(f, "buffer_confirm"), 1);
	/* More words than the 64-byte buffer: abort, DQ1, status. */
	write_buffer(f, 0x40000, 0x40000, 0, 32, 0);
	CHECK(!mapped());
	CHECK_EQ(cfi_flash_read(f, 0x40000, 2) & 0x02, 0x02);
	cmd(f, 0, 0xf0);			/* plain reset: still aborted */
	CHECK_EQ(cfi_flash_read(f, 0x40000, 2) & 0x02, 0x02);
	unlock(f);
	cmd(f, 0x555, 0xf0);			/* write-to-buffer-abort reset */
	CHECK(mapped());
	CHECK_EQ(cfi_flash_cmd_count(f, "abort_reset"), 1);
	/* A data write outside the page: abort, nothing written. */
	write_buffer(f, 0x40000, 0x40000, 2, 1, 0x40000 + 64);
	CHECK_EQ(cfi_flash_read(f, 0x40000, 2) & 0x02, 0x02);
	unlock(f);
	cmd(f, 0x555, 0xf0);
	CHECK_EQ(file_byte(0x40000), 0xff);
	/* Anything but 0x29 to confirm: abort. */
	write_buffer(f, 0x40000, 0x40000, 2, 1, 0);
	cfi_flash_write(f, 0x40000, 2, 0x30);
	CHECK_EQ(cfi_flash_read(f, 0x40000, 2) & 0x02, 0x02);
	unlock(f);
	cmd(f, 0x555, 0xf0);
	CHECK_EQ(file_byte(0x40000), 0xff);
	done(f);
}

/* Unlock bypass: A0 + data pairs, mapped throughout; 90 00 leaves it. */
static void test_unlock_bypass(void)
{
	struct cfi_flash *f = open_part(preset("Am29LV320DB"), 0xff, false, false);
	unsigned changes = fake_slot_changes;

	unlock(f);
	cmd(f, 0x555, 0x20);
	for (unsigned i = 0; i < 8; i++) {
		cfi_flash_write(f, 0, 2, 0xa0);
		cfi_flash_write(f, 0x1000 + 2 * i, 2, 0x100 + i);
	}
	CHECK_EQ(fake_slot_changes, changes);
	CHECK_EQ(cfi_flash_read(f, 0x100e, 2), 0x107);
	CHECK_EQ(cfi_flash_cmd_count(f, "program"), 8);
	/* Bypass sector erase: 80, 30 at the sector. */
	cfi_flash_write(f, 0, 2, 0x80);
	cfi_flash_write(f, 0x1000, 2, 0x30);
	CHECK_EQ(cfi_flash_read(f, 0x1000, 2), 0xffff);	/* the read starts it */
	CHECK_EQ(file_byte(0x100e), 0xff);
	cfi_flash_write(f, 0, 2, 0x90);
	cfi_flash_write(f, 0, 2, 0x00);
	CHECK_EQ(cfi_flash_cmd_count(f, "unlock_bypass_exit"), 1);
	/* Out of bypass, A0 alone is not a program. */
	cfi_flash_write(f, 0, 2, 0xa0);
	cfi_flash_write(f, 0x1000, 2, 0x0000);
	CHECK_EQ(file_byte(0x1000), 0xff);
	done(f);
}

/* Chip erase; sector erase of several sectors in one window; a foreign
 * command in the window cancels it. */
static void test_erase(void)
{
	struct cfi_flash *f = open_part(preset("Am29LV320DB"), 0x00, false, false);

	/* Bottom boot: 8 x 8 KiB, then 64 KiB sectors. */
	sector_erase(f, 0x2000);
	cfi_flash_write(f, 0x4000, 2, 0x30);
	cfi_flash_write(f, 0x10000 + 0x100, 2, 0x30);
	CHECK(!mapped());			/* the window is open */
	CHECK_EQ(cfi_flash_read(f, 0, 2), 0x0000);	/* closes it: erased */
	CHECK(mapped());
	CHECK_EQ(file_byte(0x1fff), 0x00);
	CHECK_EQ(file_byte(0x2000), 0xff);
	CHECK_EQ(file_byte(0x5fff), 0xff);
	CHECK_EQ(file_byte(0x6000), 0x00);
	CHECK_EQ(file_byte(0x10000), 0xff);
	CHECK_EQ(file_byte(0x1ffff), 0xff);
	CHECK_EQ(file_byte(0x20000), 0x00);
	/* Cancelled: nothing erased. */
	sector_erase(f, 0x30000);
	cmd(f, 0x555, 0xaa);
	CHECK(mapped());
	CHECK_EQ(file_byte(0x30000), 0x00);
	cmd(f, 0, 0xf0);
	/* Chip erase. */
	unlock(f);
	cmd(f, 0x555, 0x80);
	unlock(f);
	cmd(f, 0x555, 0x10);
	CHECK_EQ(file_byte(0), 0xff);
	CHECK_EQ(file_byte((4u << 20) - 1), 0xff);
	CHECK(mapped());
	done(f);
}

/* Top boot: the small sectors are at the top of the address space. */
static void test_top_boot_geometry(void)
{
	struct cfi_flash *f = open_part(preset("Am29LV320DT"), 0x00, false, false);
	uint64_t top = 4u << 20;

	sector_erase(f, top - 0x2000);
	cfi_flash_read(f, 0, 2);
	CHECK_EQ(file_byte(top - 0x2001), 0x00);
	CHECK_EQ(file_byte(top - 0x2000), 0xff);
	sector_erase(f, top - 0x10000);		/* a 64 KiB sector below them */
	cfi_flash_read(f, 0, 2);
	CHECK_EQ(file_byte(top - 0x10000), 0xff);
	CHECK_EQ(file_byte(top - 0x10001), 0x00);
	CHECK_EQ(file_byte(top - 0x10000 + 0xffff), 0xff);
	CHECK_EQ(file_byte(top - 0x10000 - 0x10000), 0x00);
	done(f);

	/* Intel top boot: 63 x 64 KiB, then 8 x 8 KiB; lists them in order. */
	f = open_part(preset("28F320B3T"), 0x00, false, false);
	cmd(f, 0, 0x20);
	cmd(f, (top - 0x2000) / 2, 0xd0);
	CHECK_EQ(cfi_flash_read(f, 0, 2), 0x80);
	CHECK_EQ(file_byte(top - 0x2001), 0x00);
	CHECK_EQ(file_byte(top - 0x2000), 0xff);
	cmd(f, 0, 0x90);
	CHECK_EQ(cfi_flash_read(f, 2, 2), 0x8896);
	cmd(f, 0, 0x60);			/* no block locking on the B3 */
	CHECK_EQ(cfi_flash_read(f, 0, 2) & 0x30, 0x30);
	done(f);
}

/* PPB: protect a sector, program and erase refused; reset keeps it. */
static void test_ppb(void)
{
	struct cfi_flash *f = open_part(preset("S29GL256P"), 0x00, false, false);

	unlock(f);
	cmd(f, 0x555, 0xc0);
	CHECK(!mapped());
	cfi_flash_write(f, 0, 2, 0xa0);
	cfi_flash_write(f, 0x20000, 2, 0x00);
	CHECK_EQ(cfi_flash_read(f, 0x20000, 2) & 1, 0);	/* protected */
	CHECK_EQ(cfi_flash_read(f, 0x40000, 2) & 1, 1);
	cfi_flash_write(f, 0, 2, 0x90);
	cfi_flash_write(f, 0, 2, 0x00);
	CHECK(mapped());
	sector_erase(f, 0x20000);
	CHECK_EQ(cfi_flash_read(f, 0x20000, 2), 0x0000);
	CHECK_EQ(file_byte(0x20000), 0x00);
	unlock(f);
	cmd(f, 0x555, 0x90);
	CHECK_EQ(cfi_flash_read(f, 0x20000 + 2 * 2, 2), 1);
	CHECK_EQ(cfi_flash_read(f, 0x40000 + 2 * 2, 2), 0);
	cmd(f, 0, 0xf0);
	cfi_flash_reset(f);
	sector_erase(f, 0x20000);
	cfi_flash_read(f, 0, 2);
	CHECK_EQ(file_byte(0x20000), 0x00);
	/* PPB erase (all), then the sector erases. */
	unlock(f);
	cmd(f, 0x555, 0xc0);
	cfi_flash_write(f, 0, 2, 0x80);
	cfi_flash_write(f, 0, 2, 0x30);
	cfi_flash_write(f, 0, 2, 0x90);
	cfi_flash_write(f, 0, 2, 0x00);
	sector_erase(f, 0x20000);
	cfi_flash_read(f, 0, 2);
	CHECK_EQ(file_byte(0x20000), 0xff);
	done(f);
}

/* A read-only image: program and erase change nothing, read mode after. */
static void test_readonly(void)
{
	struct cfi_flash *f = open_part(preset("S29GL256P"), 0x5a, false, true);

	program_word(f, 0, 0x0000);
	sector_erase(f, 0);
	CHECK_EQ(cfi_flash_read(f, 0, 2), 0x5a5a);
	CHECK(mapped());
	CHECK_EQ(file_byte(0), 0x5a);
	done(f);
}

/* Program, buffer, erase and ID in every width and interleave. */
static void test_every_geometry(void)
{
	static const struct { unsigned dw, n; } g[] = {
		{ 1, 1 }, { 1, 2 }, { 2, 1 }, { 2, 2 }, { 2, 4 }, { 4, 1 }, { 4, 2 },
	};

	for (unsigned i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		struct cfi_part p = *preset("Am29LV320DB");
		struct cfi_flash *f;
		uint64_t big;

		p.device_width = g[i].dw;
		p.interleave = g[i].n;
		p.buffer = 32;
		p.typ[CFI_T_BUFFER] = 100;
		f = open_part(&p, 0xff, false, false);
		if (!f)
			continue;
		big = 8 * 0x2000ull * g[i].n;		/* the first big sector */
		program_word(f, 3 * bw, 0x0123456789abcdefull & mask());
		CHECK_EQ(cfi_flash_read(f, 3 * bw, bw), 0x0123456789abcdefull & mask());
		write_buffer(f, big, big, 4, 3, 0);
		cfi_flash_write(f, big, bw, rep(0x29));
		CHECK_EQ(cfi_flash_read(f, big + 3 * bw, bw), 0x4444 & mask());
		sector_erase(f, 0);
		CHECK_EQ(cfi_flash_read(f, 3 * bw, bw), mask());
		CHECK_EQ(file_byte(big), 0x11);
		unlock(f);
		cmd(f, 0x555, 0x90);
		CHECK_EQ(cfi_flash_read(f, bw, bw), rep(0x22f9 & (dw == 1 ? 0xff : 0xffff)));
		CHECK_EQ(cfi_flash_read(f, 0, bw), rep(0x01));
		cmd(f, 0, 0xf0);
		CHECK(mapped());
		done(f);
	}
}

/* Timing model, AMD: DQ7/DQ6 while a program runs, 2 mapping changes. */
static void test_timing_program(void)
{
	struct cfi_flash *f = open_part(preset("S29GL256P"), 0xff, true, false);
	struct cfi_flash_stats s;
	uint64_t a, b;
	uint8_t q[0x50];

	read_query(f, q, sizeof(q));
	CHECK_EQ(q[0x40 + 6], 1);		/* erase suspend offered */
	program_word(f, 0x100, 0x0012);		/* bit 7 of the datum: 0 */
	CHECK(!mapped());
	a = cfi_flash_read(f, 0x100, 2);
	b = cfi_flash_read(f, 0x100, 2);
	CHECK_EQ(a & 0x80, 0x80);		/* DQ7: its complement */
	CHECK_EQ((a ^ b) & 0x40, 0x40);		/* DQ6 toggles */
	CHECK_EQ(file_byte(0x100), 0xff);	/* not yet */
	advance_us(59);
	CHECK_EQ(cfi_flash_read(f, 0x100, 2) & 0x80, 0x80);
	advance_us(1);
	CHECK_EQ(cfi_flash_read(f, 0x100, 2), 0x0012);
	CHECK(mapped());
	CHECK_EQ(file_byte(0x100), 0x12);
	cfi_flash_get_stats(f, &s);
	CHECK_EQ(s.program_map_changes, 2);
	CHECK(s.busy_reads >= 3);
	/* A buffer of 32 words: one busy time, 2 changes for all of them. */
	write_buffer(f, 0x20000, 0x20000, 32, 31, 0);
	cfi_flash_write(f, 0x20000, 2, 0x29);
	CHECK(!mapped());
	advance_us(480);
	CHECK_EQ(cfi_flash_read(f, 0x2003e, 2), 0x1111ull * 32 & 0xffff);
	cfi_flash_get_stats(f, &s);
	CHECK_EQ(s.words, 33);
	CHECK_EQ(s.program_map_changes, 4);
	done(f);
}

/* Timing model, AMD: the erase window (DQ3), DQ2 in the erasing sector,
 * suspend, reads of other sectors, resume, completion. */
static void test_timing_erase_suspend(void)
{
	struct cfi_flash *f = open_part(preset("S29GL256P"), 0x00, true, false);
	uint64_t a, b;

	sector_erase(f, 0x20000);
	a = cfi_flash_read(f, 0x20000, 2);
	b = cfi_flash_read(f, 0x20000, 2);
	CHECK_EQ(a & 0x08, 0);			/* DQ3 0: window open */
	CHECK_EQ((a ^ b) & 0x44, 0x44);		/* DQ6, DQ2 toggle */
	advance_us(50);
	a = cfi_flash_read(f, 0x20000, 2);
	b = cfi_flash_read(f, 0x40000, 2);
	CHECK_EQ(a & 0x88, 0x08);		/* DQ3 1, DQ7 0 */
	CHECK_EQ((a ^ b) & 0x44, 0x40);		/* DQ2 only in the sector */
	advance_us(100000);
	cfi_flash_write(f, 0, 2, 0xb0);		/* suspend */
	CHECK_EQ(cfi_flash_read(f, 0x40000, 2), 0x0000);	/* other sector */
	a = cfi_flash_read(f, 0x20000, 2);
	b = cfi_flash_read(f, 0x20000, 2);
	CHECK_EQ(a & 0xc0, 0x80);		/* DQ7 1, DQ6 still */
	CHECK_EQ((a ^ b) & 0x44, 0x04);		/* DQ2 toggles */
	advance_us(10u * 1000 * 1000);		/* suspended time does not count */
	CHECK_EQ(file_byte(0x20000), 0x00);
	cfi_flash_write(f, 0, 2, 0x30);		/* resume */
	CHECK_EQ(cfi_flash_read(f, 0x20000, 2) & 0x08, 0x08);
	advance_us(399999);
	CHECK_EQ(file_byte(0x20000), 0x00);
	CHECK(!mapped());
	advance_us(1);
	CHECK_EQ(cfi_flash_read(f, 0x20000, 2), 0xffff);
	CHECK(mapped());
	CHECK_EQ(file_byte(0x3ffff), 0xff);
	CHECK_EQ(file_byte(0x40000), 0x00);
	done(f);
}

/* Timing model, Intel: SR7 0 while busy, suspend offered in the table,
 * SR6 on suspend, array reads of other blocks, resume. */
static void test_timing_intel(void)
{
	struct cfi_flash *f = open_part(preset("virt"), 0x00, true, false);
	uint8_t q[0x50];
	unsigned p;

	cmd(f, 0x55, 0x98);
	for (unsigned k = 0; k < sizeof(q); k++)
		q[k] = (uint8_t)cfi_flash_read(f, k * 4, 1);
	p = q[0x15];
	CHECK_EQ(q[p + 5] & 0x06, 0x06);	/* erase and program suspend */
	cmd(f, 0, 0x20);
	cmd(f, 0x40000 / 4, 0xd0);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(0x00));
	advance_us(1000);
	cmd(f, 0, 0xb0);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(0x80 | 0x40));
	cmd(f, 0, 0xff);
	CHECK(mapped());
	CHECK_EQ(cfi_flash_read(f, 0, 4), 0);
	cmd(f, 0, 0x40);			/* one operation at a time */
	CHECK_EQ(cfi_flash_read(f, 0, 4) & rep(0x30), rep(0x30));
	cmd(f, 0, 0x50);
	cmd(f, 0, 0xd0);			/* resume */
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(0x00));
	advance_us(1024 * 1000 - 1000);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(0x80));
	CHECK_EQ(file_byte(0x40000), 0xff);
	CHECK_EQ(file_byte(0x3ffff), 0x00);
	/* A word program: busy for 64 us; suspended with SR2. */
	cmd(f, 0, 0x40);
	cfi_flash_write(f, 0x80000, 4, 0x12345678);
	CHECK_EQ(cfi_flash_read(f, 0, 4), 0);
	cmd(f, 0, 0xb0);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(0x80 | 0x04));
	cmd(f, 0, 0xd0);
	advance_us(64);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(0x80));
	cmd(f, 0, 0xff);
	CHECK_EQ(cfi_flash_read(f, 0x80000, 4), 0x12345678 & 0);
	done(f);

	/* Without the timing model: no suspend offered. */
	f = open_part(preset("virt"), 0x00, false, false);
	cmd(f, 0x55, 0x98);
	CHECK_EQ(cfi_flash_read(f, (0x31 + 5) * 4, 1) & 0x06, 0);
	done(f);
}

/* The --flash options: a custom geometry, and the errors. */
static void test_part_options(void)
{
	struct cfi_part p = *cfi_part_default();

	CHECK_EQ(cfi_part_option(&p, "cmdset", "amd", err, sizeof(err)), 0);
	CHECK_EQ(cfi_part_option(&p, "regions", "2x16K+1x32K+3x64K", err, sizeof(err)), 0);
	CHECK_EQ(cfi_part_option(&p, "width", "x8", err, sizeof(err)), 0);
	CHECK_EQ(cfi_part_option(&p, "interleave", "1", err, sizeof(err)), 0);
	CHECK_EQ(cfi_part_option(&p, "buffer", "0", err, sizeof(err)), 0);
	CHECK_EQ(cfi_part_check(&p, err, sizeof(err)), 0);
	CHECK_EQ(cfi_part_size(&p), 256u << 10);
	CHECK_EQ(p.cmdset, 2);
	CHECK(!cfi_part_option(&p, "part", "s29gl256p", err, sizeof(err)));
	CHECK_EQ(p.id[0], 0x227e);
	CHECK(cfi_part_option(&p, "part", "S29XX", err, sizeof(err)) < 0);
	CHECK(strstr(err, "unknown part") != NULL);
	CHECK(cfi_part_option(&p, "cmdset", "sharp", err, sizeof(err)) < 0);
	CHECK(strstr(err, "intel") && strstr(err, "amd"));
	CHECK(cfi_part_option(&p, "regions", "8x8K+", err, sizeof(err)) < 0);
	CHECK(cfi_part_option(&p, "regions", "100", err, sizeof(err)) < 0);
	CHECK(cfi_part_option(&p, "interleave", "3", err, sizeof(err)) < 0);
	CHECK(cfi_part_option(&p, "width", "x12", err, sizeof(err)) < 0);
	CHECK(cfi_part_option(&p, "buffer", "48", err, sizeof(err)) < 0);
	CHECK(cfi_part_option(&p, "colour", "red", err, sizeof(err)) < 0);
	CHECK(strstr(err, "unknown option 'colour'") != NULL);
	p = *preset("S29GL256P");
	CHECK(!cfi_part_option(&p, "regions", "3x64K", err, sizeof(err)));
	CHECK(cfi_part_check(&p, err, sizeof(err)) < 0);
	CHECK(strstr(err, "power of two") != NULL);
	p = *preset("S29GL256P");
	CHECK(!cfi_part_option(&p, "interleave", "8", err, sizeof(err)));
	CHECK(cfi_part_check(&p, err, sizeof(err)) < 0);
	CHECK(strstr(err, "128-bit bus") != NULL);
	/* An image of the wrong size for a part is refused, untouched. */
	make_image(1u << 20, 0x11);
	{
		struct cfi_flash_config c = { .base = BASE, .window = 32u << 20,
			.path = path, .map = true, .part = preset("Am29LV320DB"),
			.slot = 2 };

		fake_vm_init(&vm, 1);
		CHECK(cfi_flash_create(&vm, &c, err, sizeof(err)) == NULL);
		CHECK(strstr(err, "a bank of Am29LV320DB is 4096 KiB") != NULL);
		CHECK_EQ(file_byte(0), 0x11);
	}
	unlink(path);
}

/*
 * What Linux 6.1's cfi_cmdset_0002 does on a part without a write buffer
 * (mtd_stresstest on an Am29LV320DB, timing instant), bus cycle by bus
 * cycle.  A read that finds the array mapped never reaches the device, so
 * `guest_read` says whether it would have trapped.  do_write_oneword: the
 * NOP-check read, AA 55 A0, the datum, then chip_good() twice (two reads
 * equal to the datum); do_erase_oneblock: AA 55 80 AA 55 30, then
 * chip_ready(0xFFFF) after its sleep.  The array stays mapped through
 * every program (unlock cycles included); only the read that closes an
 * erase's accept window traps, and it returns the erased data.
 */
static unsigned trapped;

static uint64_t guest_read(struct cfi_flash *f, uint64_t off)
{
	trapped += !mapped();
	return cfi_flash_read(f, off, bw);
}

static bool chip_ready(struct cfi_flash *f, uint64_t off, uint64_t want)
{
	uint64_t a = guest_read(f, off), b = guest_read(f, off);

	return a == b && b == want;
}

static void test_linux_sequences(void)
{
	struct cfi_flash *f = open_part(preset("Am29LV320DB"), 0xff, false, false);
	uint64_t eb = 0x10000, polls;

	for (unsigned round = 0; round < 3; round++) {
		trapped = 0;
		/* do_erase_oneblock */
		sector_erase(f, eb);
		CHECK(!mapped());
		CHECK(chip_ready(f, eb, 0xffff));
		CHECK_EQ(trapped, 1);		/* the read that closed the window */
		CHECK(mapped());
		/* do_write_oneword, over a 64 KiB block */
		trapped = 0;
		for (uint64_t off = eb; off < eb + 0x10000; off += bw) {
			uint64_t datum = (off * 0x9e37u >> 3) & 0xffff;

			if (guest_read(f, off) == datum)
				continue;		/* Linux's NOP check */
			program_word(f, off, datum);
			for (polls = 0; !chip_ready(f, off, datum) && polls < 4; polls++)
				;
			CHECK_EQ(polls, 0);
		}
		CHECK_EQ(trapped, 0);
		CHECK(mapped());
		CHECK_EQ(cfi_flash_read(f, eb + 0x1234, 2), (uint64_t)((eb + 0x1234) * 0x9e37u >> 3) & 0xffff);
		CHECK_EQ(cfi_flash_cmd_count(f, "invalid"), 0);
		eb += 0x10000;
	}
	done(f);
}

int main(void)
{
	RUN(test_presets_query);
	RUN(test_autoselect);
	RUN(test_word_program);
	RUN(test_write_buffer);
	RUN(test_unlock_bypass);
	RUN(test_erase);
	RUN(test_top_boot_geometry);
	RUN(test_ppb);
	RUN(test_readonly);
	RUN(test_every_geometry);
	RUN(test_timing_program);
	RUN(test_timing_erase_suspend);
	RUN(test_timing_intel);
	RUN(test_part_options);
	RUN(test_linux_sequences);
	return TEST_EXIT();
}
