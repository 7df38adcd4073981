/*
 * The CFI flash through its entry points, no CPU: commands in each mode,
 * every bank/device geometry, NOR semantics, locks, the write buffer, the
 * mapping after each command, and the image file on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flash_image.h"

#define DEV_BLOCK (64u << 10)

static struct cfi_part part;

/* The default part with `dw`-byte devices on a `bw`-byte bus. */
static const struct cfi_part *geometry(unsigned bw, unsigned dw)
{
	part = *cfi_part_default();
	part.device_width = dw;
	part.interleave = bw / dw;
	part.region[0] = (struct cfi_region){ 0, DEV_BLOCK };
	return &part;
}

static struct cfi_flash *open_flash(unsigned bw, unsigned dw, bool readonly,
				    bool map)
{
	struct cfi_flash_config c = {
		.base = BASE, .window = 32u << 20, .path = path,
		.readonly = readonly, .map = map, .part = geometry(bw, dw),
		.slot = 2, .name = "flash0",
	};

	fake_vm_init(&vm, 1);
	return cfi_flash_create(&vm, &c, err, sizeof(err));
}

/* A command replicated on every device lane, as a board wires it. */
static uint64_t rep(unsigned bw, unsigned dw, uint64_t v)
{
	uint64_t r = 0;

	for (unsigned lane = 0; lane < bw / dw; lane++)
		r |= v << (8 * dw * lane);
	return r;
}

static void cmd(struct cfi_flash *f, unsigned bw, unsigned dw, uint64_t word,
		uint8_t c)
{
	cfi_flash_write(f, word * bw, bw, rep(bw, dw, c));
}

static const struct { unsigned bw, dw; } geometries[] = {
	{ 1, 1 }, { 2, 1 }, { 2, 2 }, { 4, 1 }, { 4, 2 }, { 4, 4 },
	{ 8, 1 }, { 8, 2 }, { 8, 4 },
};

/* QRY and the sizes read as U-Boot and Linux read them, per geometry. */
static void test_query_every_geometry(void)
{
	for (unsigned g = 0; g < sizeof(geometries) / sizeof(geometries[0]); g++) {
		unsigned bw = geometries[g].bw, dw = geometries[g].dw, n = bw / dw;
		uint64_t size = 16ull * DEV_BLOCK * n;
		struct cfi_flash *f;
		uint8_t q[0x40];

		make_image(size, 0xff);
		f = open_flash(bw, dw, false, true);
		CHECK(f != NULL);
		if (!f)
			continue;
		cmd(f, bw, dw, 0x55, 0x98);
		CHECK_EQ(cfi_flash_read(f, 0x10 * bw, bw), rep(bw, dw, 'Q'));
		CHECK_EQ(cfi_flash_read(f, 0x11 * bw, bw), rep(bw, dw, 'R'));
		CHECK_EQ(cfi_flash_read(f, 0x12 * bw, bw), rep(bw, dw, 'Y'));
		for (unsigned k = 0; k < sizeof(q); k++)
			q[k] = (uint8_t)cfi_flash_read(f, k * bw, 1);
		CHECK_EQ(q[0x13] | q[0x14] << 8, 1);		/* Intel */
		CHECK_EQ((1ull << q[0x27]) * n, size);
		CHECK_EQ((uint64_t)(q[0x2f] | q[0x30] << 8) * 256 * n,
			 (uint64_t)DEV_BLOCK * n);
		CHECK_EQ((q[0x2d] | q[0x2e] << 8) + 1, 16);
		CHECK_EQ(q[0x2a], CFI_WRITE_BUFFER_SHIFT);
		CHECK_EQ(q[q[0x15]], 'P');
		CHECK_EQ(q[q[0x15] + 3], '1');
		CHECK(!fake_slot_at(BASE));	/* query mode: not mapped */
		cmd(f, bw, dw, 0, 0xff);
		CHECK(fake_slot_at(BASE) != NULL);
		done(f);
	}
}

/* A write narrower than the bank is not a command: probes for narrower
 * port widths must not see QRY. */
static void test_narrow_probe_ignored(void)
{
	struct cfi_flash *f;

	make_image(4 * 2 * DEV_BLOCK, 0xff);
	f = open_flash(4, 2, false, true);
	cfi_flash_write(f, 0x55 * 2, 2, 0x0098);
	CHECK_EQ(cfi_flash_mode(f), CFI_MODE_ARRAY);
	CHECK_EQ(cfi_flash_read(f, 0x10 * 2, 2), 0xffff);
	cfi_flash_write(f, 0x55, 1, 0x98);
	CHECK_EQ(cfi_flash_mode(f), CFI_MODE_ARRAY);
	CHECK(fake_slot_at(BASE) != NULL);
	done(f);
}

/* The mapping follows the mode after every command. */
static void test_mapping_follows_mode(void)
{
	struct cfi_flash *f;
	const struct fake_slot *s;
	unsigned changes;

	make_image(4 * 2 * DEV_BLOCK, 0xab);
	f = open_flash(4, 2, false, true);
	s = fake_slot_at(BASE);
	CHECK(s != NULL);
	CHECK(s && (s->flags & MEM_FLAG_READONLY));
	CHECK(s && s->size == 4 * 2 * DEV_BLOCK);
	CHECK(s && ((uint8_t *)s->host)[5] == 0xab);
	changes = fake_slot_changes;
	cmd(f, 4, 2, 0, 0x70);
	CHECK(!fake_slot_at(BASE));
	CHECK(!cfi_flash_mapped(f));
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0x80));
	cmd(f, 4, 2, 0, 0x90);
	CHECK(!fake_slot_at(BASE));
	cmd(f, 4, 2, 0, 0xff);
	CHECK(fake_slot_at(BASE) != NULL);
	cmd(f, 4, 2, 0, 0xff);		/* already array: no change */
	CHECK_EQ(fake_slot_changes, changes + 2);
	/* A setup command alone leaves array mode too. */
	cmd(f, 4, 2, 0, 0x40);
	CHECK(!fake_slot_at(BASE));
	cfi_flash_write(f, 0, 4, 0);
	cmd(f, 4, 2, 0, 0xf0);
	CHECK(fake_slot_at(BASE) != NULL);
	done(f);
}

/* Program only clears bits; the result is in the file at once. */
static void test_program_and_semantics(void)
{
	struct cfi_flash *f;

	make_image(4 * 2 * DEV_BLOCK, 0xff);
	f = open_flash(4, 2, false, false);
	cmd(f, 4, 2, 0, 0x40);
	cfi_flash_write(f, 0x100, 4, 0x12345678);
	CHECK_EQ(cfi_flash_read(f, 0x100, 4), rep(4, 2, 0x80));
	cmd(f, 4, 2, 0, 0x10);
	cfi_flash_write(f, 0x100, 4, 0xff00ff0f);
	cmd(f, 4, 2, 0, 0xff);
	CHECK_EQ(cfi_flash_read(f, 0x100, 4), 0x12345678 & 0xff00ff0f);
	CHECK_EQ(file_byte(0x100), 0x08);
	CHECK_EQ(file_byte(0x103), 0x12);
	/* A narrow program writes just its bytes. */
	cmd(f, 4, 2, 0, 0x40);
	cfi_flash_write(f, 0x201, 1, 0x3c);
	cmd(f, 4, 2, 0, 0xff);
	CHECK_EQ(cfi_flash_read(f, 0x200, 4), 0xffff3cff);
	/* Unaligned and 8-byte array reads through the device. */
	CHECK_EQ(cfi_flash_read(f, 0x101, 2), 0x0056);
	CHECK_EQ(cfi_flash_read(f, 0xfe, 8), 0xffff12005608ffffull);
	done(f);
}

static void test_erase_and_locks(void)
{
	uint64_t blk = 2 * DEV_BLOCK;
	struct cfi_flash *f;

	make_image(4 * blk, 0x00);
	f = open_flash(4, 2, false, true);
	cmd(f, 4, 2, 0, 0x20);
	cfi_flash_write(f, blk + 8, 4, rep(4, 2, 0xd0));
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0x80));
	CHECK_EQ(file_byte(blk), 0xff);
	CHECK_EQ(file_byte(2 * blk - 1), 0xff);
	CHECK_EQ(file_byte(blk - 1), 0x00);
	CHECK_EQ(file_byte(2 * blk), 0x00);
	/* Lock block 2: program and erase fail with the lock bit. */
	cmd(f, 4, 2, 0, 0x60);
	cfi_flash_write(f, 2 * blk, 4, rep(4, 2, 0x01));
	cmd(f, 4, 2, 0, 0x90);
	CHECK_EQ(cfi_flash_read(f, 2 * blk + 2 * 4, 4), rep(4, 2, 1));
	CHECK_EQ(cfi_flash_read(f, blk + 2 * 4, 4), 0);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, CFI_MANUFACTURER_ID));
	CHECK_EQ(cfi_flash_read(f, 4, 4), rep(4, 2, CFI_DEVICE_ID));
	cmd(f, 4, 2, 0, 0x20);
	cfi_flash_write(f, 2 * blk, 4, rep(4, 2, 0xd0));
	CHECK_EQ(cfi_flash_read(f, 0, 4),
		 rep(4, 2, 0x80 | CFI_SR_ERASE_ERROR | CFI_SR_LOCKED));
	CHECK_EQ(file_byte(2 * blk), 0x00);
	cmd(f, 4, 2, 0, 0x50);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0x80));
	cmd(f, 4, 2, 0, 0x40);
	cfi_flash_write(f, 2 * blk, 4, 0);
	CHECK_EQ(cfi_flash_read(f, 0, 4),
		 rep(4, 2, 0x80 | CFI_SR_PROG_ERROR | CFI_SR_LOCKED));
	/* Unlock, then erase works. */
	cmd(f, 4, 2, 0, 0x50);
	cmd(f, 4, 2, 0, 0x60);
	cfi_flash_write(f, 2 * blk, 4, rep(4, 2, 0xd0));
	cmd(f, 4, 2, 0, 0x20);
	cfi_flash_write(f, 2 * blk, 4, rep(4, 2, 0xd0));
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0x80));
	CHECK_EQ(file_byte(2 * blk), 0xff);
	/* Erase without its confirm: command sequence error, nothing erased. */
	cmd(f, 4, 2, 0, 0x20);
	cfi_flash_write(f, 0, 4, rep(4, 2, 0xff));
	CHECK_EQ(cfi_flash_read(f, 0, 4),
		 rep(4, 2, 0x80 | CFI_SR_ERASE_ERROR | CFI_SR_PROG_ERROR));
	CHECK_EQ(file_byte(0), 0x00);
	/* Reset: locks cleared, array mode, mapped. */
	cmd(f, 4, 2, 0, 0x60);
	cfi_flash_write(f, 0, 4, rep(4, 2, 0x01));
	cfi_flash_reset(f);
	CHECK_EQ(cfi_flash_mode(f), CFI_MODE_ARRAY);
	CHECK(fake_slot_at(BASE) != NULL);
	cmd(f, 4, 2, 0, 0x90);
	CHECK_EQ(cfi_flash_read(f, 2 * 4, 4), 0);
	done(f);
}

static void buffered(struct cfi_flash *f, uint64_t at, unsigned words,
		     unsigned count_field, uint64_t stray, bool confirm)
{
	cmd(f, 4, 2, at / 4, 0xe8);
	cfi_flash_write(f, at, 4, rep(4, 2, count_field));
	for (unsigned i = 0; i < words; i++)
		cfi_flash_write(f, i == 1 && stray ? stray : at + 4 * i, 4,
				0x01020304u * (i + 1));
	cfi_flash_write(f, at, 4, rep(4, 2, confirm ? 0xd0 : 0xff));
}

static void test_buffered_program(void)
{
	uint64_t max_words = 2 * (1u << CFI_WRITE_BUFFER_SHIFT) / 4;
	struct cfi_flash *f;

	make_image(4 * 2 * DEV_BLOCK, 0xff);
	f = open_flash(4, 2, false, true);
	buffered(f, 0x1000, 4, 3, 0, true);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0x80));
	cmd(f, 4, 2, 0, 0xff);
	CHECK_EQ(cfi_flash_read(f, 0x1000, 4), 0x01020304);
	CHECK_EQ(cfi_flash_read(f, 0x100c, 4), 0x04080c10);
	CHECK_EQ(file_byte(0x1004), 0x08);
	/* Count larger than the buffer. */
	cmd(f, 4, 2, 0x2000 / 4, 0xe8);
	cfi_flash_write(f, 0x2000, 4, rep(4, 2, (unsigned)max_words));
	CHECK_EQ(cfi_flash_read(f, 0, 4) & 0xff, 0x80 | 0x30);
	cmd(f, 4, 2, 0, 0x50);
	/* A data write outside the buffer window: nothing is written. */
	buffered(f, 0x3000, 4, 3, 0x3000 + 4 * max_words + 4, true);
	CHECK_EQ(cfi_flash_read(f, 0, 4) & 0x30, 0x30);
	cmd(f, 4, 2, 0, 0x50);
	cmd(f, 4, 2, 0, 0xff);
	CHECK_EQ(cfi_flash_read(f, 0x3000, 4), 0xffffffff);
	/* Missing confirm: sequence error, nothing written. */
	buffered(f, 0x4000, 2, 1, 0, false);
	CHECK_EQ(cfi_flash_read(f, 0, 4) & 0x30, 0x30);
	cmd(f, 4, 2, 0, 0x50);
	cmd(f, 4, 2, 0, 0xff);
	CHECK_EQ(cfi_flash_read(f, 0x4000, 4), 0xffffffff);
	CHECK_EQ(file_byte(0x4000), 0xff);
	/* A locked block refuses a buffered program as it does a word. */
	cmd(f, 4, 2, 0x5000 / 4, 0x60);
	cmd(f, 4, 2, 0x5000 / 4, 0x01);
	buffered(f, 0x5000, 2, 1, 0, true);
	CHECK_EQ(cfi_flash_read(f, 0, 4),
		 rep(4, 2, 0x80 | CFI_SR_PROG_ERROR | CFI_SR_LOCKED));
	CHECK_EQ(file_byte(0x5000), 0xff);
	cmd(f, 4, 2, 0, 0x50);
	cmd(f, 4, 2, 0x5000 / 4, 0x60);
	cmd(f, 4, 2, 0x5000 / 4, 0xd0);
	/* The buffer window comes from the first data write, past block 0. */
	buffered(f, 2 * DEV_BLOCK * 2 + 0x40, 2, 1, 0, true);
	cmd(f, 4, 2, 0, 0xff);
	CHECK_EQ(cfi_flash_read(f, 2 * DEV_BLOCK * 2 + 0x44, 4), 0x02040608);
	done(f);
}

/* Read the whole bank word at word offset `word` of an image file. */
static uint64_t file_word(uint64_t off, unsigned bw)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bw; i++)
		v |= (uint64_t)file_byte(off + i) << (8 * i);
	return v;
}

/*
 * An 8-byte store on a narrower bus is one bus cycle per bus word, lowest
 * address first: a word-program command in the low word programs the next
 * word with the high word, and what follows is a command again.
 */
static void test_wide_write_is_split(void)
{
	for (unsigned g = 0; g < sizeof(geometries) / sizeof(geometries[0]); g++) {
		unsigned bw = geometries[g].bw, dw = geometries[g].dw;
		uint64_t setup = rep(bw, dw, 0x40), val = 0, words = 8 / bw;
		uint64_t mask = bw == 8 ? UINT64_MAX : (1ull << (8 * bw)) - 1;
		struct cfi_flash *f;

		if (bw == 8)
			continue;
		/* Alternate program setup and data words: 40 d1 40 d2 ... */
		for (unsigned w = 0; w < words; w++)
			val |= (w % 2 ? (0x5aa5c33c0ff01248ull >> (8 * w)) & mask : setup)
			       << (8 * bw * w);
		make_image(4 * (uint64_t)DEV_BLOCK * (bw / dw), 0xff);
		f = open_flash(bw, dw, false, true);
		cfi_flash_write(f, 0x40, 8, val);
		CHECK_EQ(cfi_flash_mode(f), CFI_MODE_STATUS);
		/* The next full-width write is a command, not program data. */
		cmd(f, bw, dw, 0, 0xff);
		CHECK_EQ(cfi_flash_mode(f), CFI_MODE_ARRAY);
		for (unsigned w = 0; w < words; w++)
			CHECK_EQ(file_word(0x40 + w * bw, bw),
				 w % 2 ? (val >> (8 * bw * w)) & mask : mask);
		CHECK_EQ(file_word(0, bw), mask);
		done(f);
	}
}

/* Issue 9's examples on 2 x16 on 32 bits: word program and write buffer. */
static void test_wide_write_commands(void)
{
	struct cfi_flash *f;
	struct cfi_flash_stats s;

	make_image(4 * 2 * DEV_BLOCK, 0xff);
	f = open_flash(4, 2, false, true);
	/* 0x00400040 is the command, data 0 programs the next word. */
	cfi_flash_write(f, 0x40, 8, 0x00400040);
	cfi_flash_write(f, 0, 4, 0x00ff00ff);
	cfi_flash_write(f, 0, 4, 0x00500050);
	cfi_flash_write(f, 0, 4, 0x00ff00ff);
	CHECK_EQ(cfi_flash_read(f, 0, 8), 0xffffffffffffffffull);
	CHECK_EQ(cfi_flash_read(f, 0x40, 8), 0x00000000ffffffffull);
	CHECK(fake_slot_at(BASE) != NULL);
	/* E8 with count 3, two 8-byte data writes, then D0 commits. */
	cmd(f, 4, 2, 0x1000 / 4, 0xe8);
	cmd(f, 4, 2, 0x1000 / 4, 0x03);
	cfi_flash_write(f, 0x1000, 8, 0x1111111122222222ull);
	cfi_flash_write(f, 0x1008, 8, 0x3333333344444444ull);
	cmd(f, 4, 2, 0x1000 / 4, 0xd0);
	CHECK_EQ(cfi_flash_read(f, 0x1000, 8), rep(8, 2, 0x80));
	cmd(f, 4, 2, 0, 0xff);
	CHECK_EQ(cfi_flash_read(f, 0x1000, 8), 0x1111111122222222ull);
	CHECK_EQ(cfi_flash_read(f, 0x1008, 8), 0x3333333344444444ull);
	/* Two commands in one store: read status, then read array. */
	cfi_flash_write(f, 0, 8, 0x00ff00ff00700070ull);
	CHECK_EQ(cfi_flash_mode(f), CFI_MODE_ARRAY);
	cfi_flash_get_stats(f, &s);
	CHECK_EQ(cfi_flash_cmd_count(f, "read_status"), 1);
	CHECK_EQ(cfi_flash_cmd_count(f, "buffered_program"), 1);
	CHECK_EQ(s.writes, 11);		/* accesses, not cycles */
	done(f);
}

/* A misaligned access is a partial cycle in each bus word it touches. */
static void test_misaligned_cycles(void)
{
	struct cfi_flash *f;

	make_image(4 * 2 * DEV_BLOCK, 0xff);
	f = open_flash(4, 2, false, true);
	/* A command straddling two bus words reaches no whole word. */
	cfi_flash_write(f, 2, 4, 0x00700070);
	CHECK_EQ(cfi_flash_mode(f), CFI_MODE_ARRAY);
	CHECK(fake_slot_at(BASE) != NULL);
	/* Program data straddling: only the first word's two bytes. */
	cmd(f, 4, 2, 0, 0x40);
	cfi_flash_write(f, 0x102, 4, 0x11223344);
	CHECK_EQ(cfi_flash_mode(f), CFI_MODE_STATUS);
	cmd(f, 4, 2, 0, 0xff);
	CHECK_EQ(cfi_flash_read(f, 0x100, 8), 0xffffffff3344ffffull);
	/* Reads in a non-array mode answer per bus word and lane. */
	cmd(f, 4, 2, 0, 0x90);
	CHECK_EQ(cfi_flash_read(f, 2, 4), 0x00180089);
	CHECK_EQ(cfi_flash_read(f, 0, 8), 0x0018001800890089ull);
	cmd(f, 4, 2, 0, 0x70);
	CHECK_EQ(cfi_flash_read(f, 6, 2), 0x0080);
	CHECK_EQ(cfi_flash_read(f, 3, 2), 0x8000);
	done(f);
	/* On a 64-bit bus an aligned 8-byte store is one cycle; a shifted one
	 * is two partial cycles and no command. */
	make_image(4 * 4 * DEV_BLOCK, 0xff);
	f = open_flash(8, 2, false, true);
	cfi_flash_write(f, 4, 8, rep(8, 2, 0x70));
	CHECK_EQ(cfi_flash_mode(f), CFI_MODE_ARRAY);
	cfi_flash_write(f, 8, 8, rep(8, 2, 0x70));
	CHECK_EQ(cfi_flash_mode(f), CFI_MODE_STATUS);
	done(f);
}

/* Bytes outside the image are not decoded, whatever the offset. */
static void test_outside_the_image(void)
{
	uint64_t size = 4 * 2 * DEV_BLOCK;
	struct cfi_flash *f;

	make_image(size, 0x00);
	f = open_flash(4, 2, false, true);
	CHECK_EQ(cfi_flash_read(f, size, 4), 0);
	CHECK_EQ(cfi_flash_read(f, size - 4, 8), 0);
	CHECK_EQ(cfi_flash_read(f, UINT64_MAX - 3, 8), 0);
	/* A lock or erase past the end touches nothing. */
	cfi_flash_write(f, size, 4, rep(4, 2, 0x60));
	cfi_flash_write(f, size + (1ull << 40), 4, rep(4, 2, 0x01));
	cfi_flash_write(f, UINT64_MAX - 1, 8, rep(8, 2, 0x20));
	CHECK_EQ(cfi_flash_mode(f), CFI_MODE_ARRAY);
	/* Straddling the end: the cycle inside counts, the one outside not. */
	cfi_flash_write(f, size - 4, 8, 0x0020002000700070ull);
	CHECK_EQ(cfi_flash_mode(f), CFI_MODE_STATUS);
	cmd(f, 4, 2, 0, 0x20);
	cfi_flash_write(f, size - 4, 8, 0x00d000d000d000d0ull);
	CHECK_EQ(file_byte(size - 1), 0xff);
	CHECK_EQ(file_byte(size - 2 * DEV_BLOCK - 1), 0x00);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0x80));
	done(f);
}

/*
 * Lock-down (0x60 0x2F): locked, and with WP# low no unlock takes it off
 * until reset; the identifier space reports lock (bit 0) and lock-down
 * (bit 1) at block + 2.
 */
static void test_lock_down(void)
{
	uint64_t blk = 2 * DEV_BLOCK;
	struct cfi_flash *f;
	struct cfi_flash_stats s;

	make_image(4 * blk, 0x00);
	f = open_flash(4, 2, false, true);
	cmd(f, 4, 2, blk / 4, 0x60);
	cmd(f, 4, 2, blk / 4, 0x2f);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0x80));
	cmd(f, 4, 2, 0, 0x90);
	CHECK_EQ(cfi_flash_read(f, blk + 2 * 4, 4), rep(4, 2, 3));
	CHECK_EQ(cfi_flash_read(f, 2 * blk + 2 * 4, 4), 0);
	/* Unlock is ignored, without an error. */
	cmd(f, 4, 2, blk / 4, 0x60);
	cmd(f, 4, 2, blk / 4, 0xd0);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0x80));
	cmd(f, 4, 2, 0, 0x90);
	CHECK_EQ(cfi_flash_read(f, blk + 2 * 4, 4), rep(4, 2, 3));
	/* Erase and program fail with the lock bit; nothing changes. */
	cmd(f, 4, 2, blk / 4, 0x20);
	cmd(f, 4, 2, blk / 4, 0xd0);
	CHECK_EQ(cfi_flash_read(f, 0, 4),
		 rep(4, 2, 0x80 | CFI_SR_ERASE_ERROR | CFI_SR_LOCKED));
	cmd(f, 4, 2, 0, 0x50);
	cmd(f, 4, 2, 0, 0x40);
	cfi_flash_write(f, blk + 4, 4, 0);
	CHECK_EQ(cfi_flash_read(f, 0, 4),
		 rep(4, 2, 0x80 | CFI_SR_PROG_ERROR | CFI_SR_LOCKED));
	CHECK_EQ(file_byte(blk), 0x00);
	CHECK_EQ(file_byte(2 * blk - 1), 0x00);
	/* A plain lock leaves it locked down; lock-down of a locked block. */
	cmd(f, 4, 2, blk / 4, 0x60);
	cmd(f, 4, 2, blk / 4, 0x01);
	cmd(f, 4, 2, 0, 0x60);
	cmd(f, 4, 2, 0, 0x01);
	cmd(f, 4, 2, 0, 0x60);
	cmd(f, 4, 2, 0, 0x2f);
	cmd(f, 4, 2, 0, 0x90);
	CHECK_EQ(cfi_flash_read(f, 2 * 4, 4), rep(4, 2, 3));
	CHECK_EQ(cfi_flash_read(f, blk + 2 * 4, 4), rep(4, 2, 3));
	cfi_flash_get_stats(f, &s);
	CHECK_EQ(cfi_flash_cmd_count(f, "lock_down"), 2);
	CHECK_EQ(cfi_flash_cmd_count(f, "lock"), 2);
	CHECK_EQ(cfi_flash_cmd_count(f, "unlock"), 1);
	/* Reset releases it: unlocked, erase works. */
	cfi_flash_reset(f);
	cmd(f, 4, 2, 0, 0x90);
	CHECK_EQ(cfi_flash_read(f, blk + 2 * 4, 4), 0);
	cmd(f, 4, 2, blk / 4, 0x20);
	cmd(f, 4, 2, blk / 4, 0xd0);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0x80));
	CHECK_EQ(file_byte(blk), 0xff);
	done(f);
}

/* Operations are instant: the table offers no suspend, and none happens. */
static void test_no_suspend_offered(void)
{
	struct cfi_flash *f;
	uint8_t q[0x60];
	unsigned p;

	make_image(4 * 2 * DEV_BLOCK, 0xff);
	f = open_flash(4, 2, false, true);
	cmd(f, 4, 2, 0x55, 0x98);
	for (unsigned k = 0; k < sizeof(q); k++)
		q[k] = (uint8_t)cfi_flash_read(f, k * 4, 1);
	p = q[0x15];
	CHECK(p + 0x0c < sizeof(q));
	CHECK_EQ(q[p] | q[p + 1] << 8 | q[p + 2] << 16, 'P' | 'R' << 8 | 'I' << 16);
	CHECK_EQ(q[p + 5] & 0x06, 0);		/* no erase/program suspend */
	CHECK_EQ(q[p + 9] & 0x01, 0);		/* nothing during suspend */
	CHECK_EQ(q[p + 10], 0x03);		/* lock and lock-down status */
	/* Suspend while an erase "runs": status ready, no suspend bit. */
	cmd(f, 4, 2, 0, 0x20);
	cmd(f, 4, 2, 0, 0xd0);
	cmd(f, 4, 2, 0, 0xb0);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0x80));
	cmd(f, 4, 2, 0, 0x40);
	cfi_flash_write(f, 0, 4, 0x12345678);
	cmd(f, 4, 2, 0, 0xb0);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0x80));
	cmd(f, 4, 2, 0, 0xff);
	CHECK_EQ(cfi_flash_read(f, 0, 4), 0x12345678);
	done(f);
}

/*
 * A slot change the accelerator refuses: the array is never left mapped
 * outside read-array mode (the command is dropped), a refused map leaves
 * array reads trapping, and both are counted.
 */
static void test_mapping_failures(void)
{
	struct cfi_flash *f;
	struct cfi_flash_stats s;

	make_image(4 * 2 * DEV_BLOCK, 0x5a);
	f = open_flash(4, 2, false, true);
	CHECK(fake_slot_at(BASE) != NULL);
	/* Unmap refused: the read-status command does not happen. */
	fake_slot_failures = 1;
	cmd(f, 4, 2, 0, 0x70);
	CHECK_EQ(fake_slot_failures, 0);
	CHECK(fake_slot_at(BASE) != NULL);
	CHECK(cfi_flash_mapped(f));
	CHECK_EQ(cfi_flash_mode(f), CFI_MODE_ARRAY);
	/* Nor a program setup, nor an invalid command's error bits. */
	fake_slot_failures = 2;
	cmd(f, 4, 2, 0, 0x40);
	cmd(f, 4, 2, 0, 0x42);
	CHECK_EQ(cfi_flash_mode(f), CFI_MODE_ARRAY);
	cfi_flash_write(f, 0, 4, 0);		/* a command again: 0x00 */
	CHECK_EQ(file_byte(0), 0x5a);
	cmd(f, 4, 2, 0, 0x70);			/* now it works */
	CHECK(!fake_slot_at(BASE));
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0x80));
	/* Map refused: array mode, unmapped, reads trap and see the array. */
	fake_slot_failures = 1;
	cmd(f, 4, 2, 0, 0xff);
	CHECK_EQ(cfi_flash_mode(f), CFI_MODE_ARRAY);
	CHECK(!fake_slot_at(BASE));
	CHECK(!cfi_flash_mapped(f));
	CHECK_EQ(cfi_flash_read(f, 0, 4), 0x5a5a5a5a);
	/* The next write cycle maps it again. */
	cmd(f, 4, 2, 0, 0xff);
	CHECK(fake_slot_at(BASE) != NULL);
	CHECK(cfi_flash_mapped(f));
	cfi_flash_get_stats(f, &s);
	CHECK_EQ(s.map_errors, 4);
	/* Reset with the map refused: still safe, mapped on the next write. */
	cmd(f, 4, 2, 0, 0x90);
	fake_slot_failures = 1;
	cfi_flash_reset(f);
	CHECK(!fake_slot_at(BASE));
	CHECK_EQ(cfi_flash_read(f, 0, 4), 0x5a5a5a5a);
	cfi_flash_write(f, 0, 2, 0);		/* partial: no command */
	CHECK(fake_slot_at(BASE) != NULL);
	done(f);
}

/*
 * The image's file truncated by another program while the guest runs: a
 * guest load from the mapped array and an erase here both touch pages
 * past the file's end.  norvm must not die of SIGBUS: one line names the
 * image, the VM is asked to stop with status 1, the accesses complete.
 */
static void test_image_truncated(void)
{
	uint64_t size = 4 * 2 * DEV_BLOCK;
	char log[] = "/tmp/norvm-cfi-log-XXXXXX", text[512] = "";
	int logfd = mkstemp(log), saved = dup(STDERR_FILENO);
	const struct fake_slot *s;
	struct cfi_flash *f;
	ssize_t n;

	make_image(size, 0x33);
	f = open_flash(4, 2, false, true);
	s = fake_slot_at(BASE);
	CHECK(f && s);
	if (!f || !s)
		return;
	cfi_flash_catch_faults();
	CHECK_EQ(((volatile uint8_t *)s->host)[0x1000], 0x33);
	CHECK_EQ(truncate(path, 0), 0);
	dup2(logfd, STDERR_FILENO);
	/* A hart's load from the slot, then an erase through the device. */
	CHECK_EQ(((volatile uint8_t *)s->host)[0x1000], 0);
	cmd(f, 4, 2, 2 * DEV_BLOCK / 4, 0x20);
	cmd(f, 4, 2, 2 * DEV_BLOCK / 4, 0xd0);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0x80));
	dup2(saved, STDERR_FILENO);
	close(saved);
	CHECK_EQ(atomic_load(&vm.exit_reason), VM_EXIT_ERROR);
	CHECK_EQ(vm.exit_code, 1);
	n = pread(logfd, text, sizeof(text) - 1, 0);
	close(logfd);
	unlink(log);
	CHECK(n > 0 && memchr(text, '\n', (size_t)n) == text + n - 1);	/* one line */
	CHECK(strstr(text, path) != NULL);
	CHECK(strstr(text, "truncated to 0 bytes by another program") != NULL);
	done(f);
}

/*
 * A refused slot change is said once per bank: the second bank's first
 * failure is reported although the first bank's was.
 */
static void test_map_error_said_per_bank(void)
{
	char log[] = "/tmp/norvm-cfi-log-XXXXXX", text[1024] = "", path0[64];
	int logfd = mkstemp(log), saved = dup(STDERR_FILENO);
	struct cfi_flash *f0, *f1;
	struct cfi_flash_config c;
	unsigned lines = 0;
	ssize_t n;

	make_image(4 * 2 * DEV_BLOCK, 0x5a);
	strcpy(path0, path);
	f0 = open_flash(4, 2, false, true);
	make_image(4 * 2 * DEV_BLOCK, 0x5a);
	c = (struct cfi_flash_config){
		.base = BASE + (32u << 20), .window = 32u << 20, .path = path,
		.map = true, .part = geometry(4, 2), .slot = 3, .name = "flash1",
	};
	f1 = cfi_flash_create(&vm, &c, err, sizeof(err));
	CHECK(f0 && f1);
	if (!f0 || !f1)
		return;
	dup2(logfd, STDERR_FILENO);
	for (unsigned i = 0; i < 2; i++) {	/* twice each: said once each */
		fake_slot_failures = 1;
		cmd(f0, 4, 2, 0, 0x70);
		fake_slot_failures = 1;
		cmd(f1, 4, 2, 0, 0x70);
	}
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(logfd, text, sizeof(text) - 1, 0);
	close(logfd);
	unlink(log);
	CHECK(n > 0);
	CHECK(strstr(text, "flash0: cannot unmap the array") != NULL);
	CHECK(strstr(text, "flash1: cannot unmap the array") != NULL);
	for (char *p = text; (p = strchr(p, '\n')); p++)
		lines++;
	CHECK_EQ(lines, 2);
	cfi_flash_destroy(f1);
	unlink(path);
	strcpy(path, path0);
	done(f0);
}

/*
 * A SIGBUS that is not on an image goes where it went before: it kills
 * the process (by the signal; under a sanitizer, by its report and exit
 * status).  The child never gets past the faulting load.
 */
static void test_other_sigbus_kills(void)
{
	int status = 0;
	pid_t pid;

	cfi_flash_catch_faults();
	pid = fork();
	if (pid == 0) {
		char name[] = "/tmp/norvm-cfi-bus-XXXXXX";
		int fd = mkstemp(name);
		volatile uint8_t *p;

		unlink(name);
		dup2(open("/dev/null", O_WRONLY), STDERR_FILENO);	/* ASan's report */
		if (fd < 0 || ftruncate(fd, 4096))
			_exit(2);
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED || ftruncate(fd, 0))
			_exit(2);
		(void)p[0];
		_exit(3);
	}
	CHECK(pid > 0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS) ||
	      (WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
	       WEXITSTATUS(status) != 2 && WEXITSTATUS(status) != 3));
}

/* Suspend and resume have nothing to suspend; unknown commands error. */
static void test_other_commands(void)
{
	struct cfi_flash *f;

	make_image(4 * 2 * DEV_BLOCK, 0xff);
	f = open_flash(4, 2, false, true);
	cmd(f, 4, 2, 0, 0xb0);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0x80));
	cmd(f, 4, 2, 0, 0xd0);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0x80));
	cmd(f, 4, 2, 0, 0xaa);		/* AMD unlock cycle: ignored */
	CHECK_EQ(cfi_flash_mode(f), CFI_MODE_STATUS);
	cmd(f, 4, 2, 0, 0x42);
	CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0xb0));
	cmd(f, 4, 2, 0, 0x00);
	CHECK_EQ(cfi_flash_mode(f), CFI_MODE_ARRAY);
	done(f);
}

/* A read-only image never changes; program and erase fail with VPP low. */
static void test_readonly_image(void)
{
	struct cfi_flash *f;

	make_image(4 * 2 * DEV_BLOCK, 0x5a);
	chmod(path, 0444);
	f = open_flash(4, 2, true, true);
	CHECK(f != NULL);
	cmd(f, 4, 2, 0, 0x40);
	cfi_flash_write(f, 0, 4, 0);
	CHECK_EQ(cfi_flash_read(f, 0, 4),
		 rep(4, 2, 0x80 | CFI_SR_PROG_ERROR | CFI_SR_VPP_LOW));
	cmd(f, 4, 2, 0, 0x50);
	cmd(f, 4, 2, 0, 0x20);
	cfi_flash_write(f, 0, 4, rep(4, 2, 0xd0));
	CHECK_EQ(cfi_flash_read(f, 0, 4),
		 rep(4, 2, 0x80 | CFI_SR_ERASE_ERROR | CFI_SR_VPP_LOW));
	CHECK_EQ(file_byte(0), 0x5a);
	done(f);
}

/* msync as the library sees it: the real one, or failing with this errno. */
static int msync_errno;

int msync(void *addr, size_t len, int flags)
{
	if (msync_errno) {
		errno = msync_errno;
		return -1;
	}
	return (int)syscall(SYS_msync, addr, len, flags);
}

/*
 * With sync, an operation whose flush to disk fails reports a failure in
 * its status, as a part whose program or erase failed would; without it,
 * the page cache is the promise and the status is clean.
 */
static void test_sync_failure_reported(void)
{
	for (int sync = 1; sync >= 0; sync--) {
		struct cfi_flash_config c = {
			.base = BASE, .window = 32u << 20, .path = path, .sync = sync,
			.map = true, .part = geometry(4, 2), .slot = 2, .name = "flash0",
		};
		uint8_t fail = sync ? CFI_SR_PROG_ERROR : 0;
		struct cfi_flash *f;

		make_image(4 * 2 * DEV_BLOCK, 0xff);
		fake_vm_init(&vm, 1);
		f = cfi_flash_create(&vm, &c, err, sizeof(err));
		CHECK(f != NULL);
		msync_errno = EIO;
		cmd(f, 4, 2, 0, 0x40);
		cfi_flash_write(f, 0, 4, 0x12345678);
		CHECK_EQ(cfi_flash_read(f, 0, 4), rep(4, 2, 0x80 | fail));
		cmd(f, 4, 2, 0, 0x50);
		cmd(f, 4, 2, 0, 0x20);
		cfi_flash_write(f, 0, 4, rep(4, 2, 0xd0));
		CHECK_EQ(cfi_flash_read(f, 0, 4),
			 rep(4, 2, 0x80 | (sync ? CFI_SR_ERASE_ERROR : 0)));
		msync_errno = 0;
		done(f);
	}
}

static void expect_open_error(const char *what, const char *needle)
{
	struct cfi_flash *f = open_flash(4, 2, false, true);

	CHECK(f == NULL);
	if (f)
		cfi_flash_destroy(f);
	if (!strstr(err, needle))
		printf("  %s: message '%s' lacks '%s'\n", what, err, needle);
	CHECK(strstr(err, needle) != NULL);
}

static void test_image_errors(void)
{
	struct cfi_flash *f, *g;

	strcpy(path, "/tmp/norvm-cfi-missing");
	expect_open_error("missing", "No such file");
	strcpy(path, "/tmp");
	expect_open_error("directory", "directory");
	make_image(0, 0);
	expect_open_error("empty", "empty");
	unlink(path);
	make_image(3 * DEV_BLOCK, 0xff);
	expect_open_error("partial block", "multiple of the");
	unlink(path);
	make_image(64u << 20, 0xff);
	expect_open_error("too big", "larger than");
	unlink(path);
	/* CFI can only describe 2^n bytes: 3 blocks of 128 KiB cannot be. */
	make_image(3 * 2 * DEV_BLOCK, 0xff);
	expect_open_error("not a power of two", "384 KiB is not a power of two");
	CHECK(strstr(err, "to 512 KiB") != NULL);
	unlink(path);
	/* A second writer is refused while the first holds the image: named
	 * as this run's own use, or another process's. */
	make_image(4 * 2 * DEV_BLOCK, 0xff);
	f = open_flash(4, 2, false, true);
	g = open_flash(4, 2, false, true);
	CHECK(f != NULL);
	CHECK(g == NULL);
	CHECK(strstr(err, "given twice") != NULL);
	done(f);
	{
		int ready[2], fd;
		char c;
		pid_t child;

		make_image(4 * 2 * DEV_BLOCK, 0xff);
		CHECK_EQ(pipe(ready), 0);
		child = fork();
		if (child == 0) {
			fd = open(path, O_RDWR);
			if (fd < 0 || flock(fd, LOCK_EX) || write(ready[1], "x", 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
		close(ready[1]);
		CHECK_EQ(read(ready[0], &c, 1), 1);	/* 0: the child failed */
		g = open_flash(4, 2, false, true);
		CHECK(g == NULL);
		CHECK(strstr(err, "in use by another process") != NULL);
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		close(ready[0]);
		unlink(path);
	}
}

static void test_create_image(void)
{
	struct stat st;

	strcpy(path, "/tmp/norvm-cfi-new.img");
	unlink(path);
	CHECK_EQ(cfi_flash_create_image(path, 1u << 20, NULL, 0, err, sizeof(err)), 0);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_size, 1u << 20);
	CHECK_EQ(file_byte(0), 0xff);
	CHECK_EQ(file_byte((1u << 20) - 1), 0xff);
	CHECK_EQ(cfi_flash_create_image(path, 1u << 20, NULL, 0, err, sizeof(err)),
		 -EEXIST);
	unlink(path);
	CHECK_EQ(cfi_flash_create_image(path, 1000, NULL, 0, err, sizeof(err)), -EINVAL);
	CHECK_EQ(cfi_flash_create_image(path, 128u << 20, NULL, 0, err, sizeof(err)),
		 -EINVAL);
	CHECK_EQ(cfi_flash_create_image(path, 768u << 10, NULL, 0, err, sizeof(err)),
		 -EINVAL);
	CHECK(strstr(err, "power of two") != NULL);
	CHECK(access(path, F_OK) != 0);
}

/* With mapping off nothing is ever mapped and array reads trap. */
static void test_map_off(void)
{
	struct cfi_flash *f;
	struct cfi_flash_stats s;

	make_image(4 * 2 * DEV_BLOCK, 0x11);
	f = open_flash(4, 2, false, false);
	CHECK(!fake_slot_at(BASE));
	CHECK_EQ(cfi_flash_read(f, 0, 4), 0x11111111);
	cmd(f, 4, 2, 0, 0x70);
	cmd(f, 4, 2, 0, 0xff);
	CHECK(!fake_slot_at(BASE));
	cfi_flash_get_stats(f, &s);
	CHECK_EQ(s.reads[CFI_MODE_ARRAY], 1);
	CHECK_EQ(s.maps, 0);
	CHECK_EQ(cfi_flash_cmd_count(f, "read_status"), 1);
	done(f);
}

/* Program, erase, lock and the write buffer in every geometry. */
static void test_commands_every_geometry(void)
{
	for (unsigned g = 0; g < sizeof(geometries) / sizeof(geometries[0]); g++) {
		unsigned bw = geometries[g].bw, dw = geometries[g].dw, n = bw / dw;
		uint64_t blk = (uint64_t)DEV_BLOCK * n, mask = bw == 8 ? UINT64_MAX :
			       (1ull << (8 * bw)) - 1;
		uint64_t ready = rep(bw, dw, 0x80);
		struct cfi_flash *f;

		make_image(4 * blk, 0xff);
		f = open_flash(bw, dw, false, true);
		/* word program: AND semantics, status replicated per device */
		cmd(f, bw, dw, 0, 0x40);
		cfi_flash_write(f, 5 * bw, bw, 0x0123456789abcdefull & mask);
		CHECK_EQ(cfi_flash_read(f, 0, bw), ready);
		cmd(f, bw, dw, 0, 0x40);
		cfi_flash_write(f, 5 * bw, bw, 0xf0f0f0f0f0f0f0f0ull & mask);
		cmd(f, bw, dw, 0, 0xff);
		CHECK_EQ(cfi_flash_read(f, 5 * bw, bw), 0x0020406080a0c0e0ull & mask);
		CHECK(fake_slot_at(BASE) != NULL);
		/* erase block 0 */
		cmd(f, bw, dw, 0, 0x20);
		cfi_flash_write(f, 0, bw, rep(bw, dw, 0xd0));
		CHECK_EQ(cfi_flash_read(f, 5 * bw, bw), ready);
		cmd(f, bw, dw, 0, 0xff);
		CHECK_EQ(cfi_flash_read(f, 5 * bw, bw), mask);
		/* lock block 1: program fails, block unchanged */
		cmd(f, bw, dw, blk / bw, 0x60);
		cfi_flash_write(f, blk, bw, rep(bw, dw, 0x01));
		cmd(f, bw, dw, 0, 0x90);
		CHECK_EQ(cfi_flash_read(f, blk + 2 * bw, bw), rep(bw, dw, 1));
		cmd(f, bw, dw, 0, 0x40);
		cfi_flash_write(f, blk, bw, 0);
		CHECK_EQ(cfi_flash_read(f, 0, bw),
			 rep(bw, dw, 0x80 | CFI_SR_PROG_ERROR | CFI_SR_LOCKED));
		CHECK_EQ(file_byte(blk), 0xff);
		cmd(f, bw, dw, 0, 0x50);
		/* buffered program of 4 bank words into block 2 */
		cmd(f, bw, dw, 2 * blk / bw, 0xe8);
		cfi_flash_write(f, 2 * blk, bw, rep(bw, dw, 3));
		for (unsigned i = 0; i < 4; i++)
			cfi_flash_write(f, 2 * blk + i * bw, bw, (0x11ull * (i + 1)) & mask);
		cfi_flash_write(f, 2 * blk, bw, rep(bw, dw, 0xd0));
		CHECK_EQ(cfi_flash_read(f, 0, bw), ready);
		CHECK_EQ(file_byte(2 * blk + 3 * bw), 0x44);
		cmd(f, bw, dw, 0, 0xff);
		CHECK_EQ(cfi_flash_read(f, 2 * blk + bw, bw), 0x22);
		done(f);
	}
}

int main(void)
{
	RUN(test_query_every_geometry);
	RUN(test_commands_every_geometry);
	RUN(test_narrow_probe_ignored);
	RUN(test_wide_write_is_split);
	RUN(test_wide_write_commands);
	RUN(test_misaligned_cycles);
	RUN(test_outside_the_image);
	RUN(test_mapping_follows_mode);
	RUN(test_program_and_semantics);
	RUN(test_erase_and_locks);
	RUN(test_buffered_program);
	RUN(test_lock_down);
	RUN(test_no_suspend_offered);
	RUN(test_mapping_failures);
	RUN(test_map_error_said_per_bank);
	RUN(test_other_commands);
	RUN(test_readonly_image);
	RUN(test_sync_failure_reported);
	RUN(test_image_errors);
	RUN(test_image_truncated);
	RUN(test_other_sigbus_kills);
	RUN(test_create_image);
	RUN(test_map_off);
	return TEST_EXIT();
}
