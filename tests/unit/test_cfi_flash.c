/*
 * The CFI flash through its entry points, no CPU: commands in each mode,
 * every bank/device geometry, NOR semantics, locks, the write buffer, the
 * mapping after each command, and the image file on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fakevm.h"
#include "hw/cfi_flash.h"
#include "test.h"

#define BASE	0x20000000ull
#define DEV_BLOCK (64u << 10)

static struct vm vm;
static char path[64];
static char err[256];

/* A fresh image of `blocks` bank blocks filled with `fill`. */
static void make_image(uint64_t size, uint8_t fill)
{
	uint8_t *buf = malloc(size);
	int fd;

	strcpy(path, "/tmp/norvm-cfi-XXXXXX");
	fd = mkstemp(path);
	memset(buf, fill, size);
	CHECK_EQ(write(fd, buf, size), size);
	close(fd);
	free(buf);
}

static struct cfi_flash *open_flash(unsigned bw, unsigned dw, bool readonly,
				    bool map)
{
	struct cfi_flash_config c = {
		.base = BASE, .window = 32u << 20, .path = path,
		.readonly = readonly, .map = map, .bank_width = bw,
		.device_width = dw, .block_size = DEV_BLOCK, .slot = 2,
		.name = "flash0",
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

static uint8_t file_byte(uint64_t off)
{
	uint8_t b = 0;
	int fd = open(path, O_RDONLY);

	CHECK_EQ(pread(fd, &b, 1, (off_t)off), 1);
	close(fd);
	return b;
}

static void done(struct cfi_flash *f)
{
	cfi_flash_destroy(f);
	unlink(path);
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
	/* The buffer window comes from the first data write, past block 0. */
	buffered(f, 2 * DEV_BLOCK * 2 + 0x40, 2, 1, 0, true);
	cmd(f, 4, 2, 0, 0xff);
	CHECK_EQ(cfi_flash_read(f, 2 * DEV_BLOCK * 2 + 0x44, 4), 0x02040608);
	done(f);
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
	/* A second writer is refused while the first holds the image. */
	make_image(4 * 2 * DEV_BLOCK, 0xff);
	f = open_flash(4, 2, false, true);
	g = open_flash(4, 2, false, true);
	CHECK(f != NULL);
	CHECK(g == NULL);
	CHECK(strstr(err, "in use by another process") != NULL);
	done(f);
}

static void test_create_image(void)
{
	struct stat st;

	strcpy(path, "/tmp/norvm-cfi-new.img");
	unlink(path);
	CHECK_EQ(cfi_flash_create_image(path, 1u << 20, err, sizeof(err)), 0);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_size, 1u << 20);
	CHECK_EQ(file_byte(0), 0xff);
	CHECK_EQ(file_byte((1u << 20) - 1), 0xff);
	CHECK_EQ(cfi_flash_create_image(path, 1u << 20, err, sizeof(err)),
		 -EEXIST);
	unlink(path);
	CHECK_EQ(cfi_flash_create_image(path, 1000, err, sizeof(err)), -EINVAL);
	CHECK_EQ(cfi_flash_create_image(path, 64u << 20, err, sizeof(err)),
		 -EINVAL);
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
	CHECK_EQ(s.cmds[CFI_CMD_STATUS], 1);
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
	RUN(test_mapping_follows_mode);
	RUN(test_program_and_semantics);
	RUN(test_erase_and_locks);
	RUN(test_buffered_program);
	RUN(test_other_commands);
	RUN(test_readonly_image);
	RUN(test_image_errors);
	RUN(test_create_image);
	RUN(test_map_off);
	return TEST_EXIT();
}
