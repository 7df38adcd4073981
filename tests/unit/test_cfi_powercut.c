/*
 * Power cuts and injected failures (powercut=N, fail=N, seed=S), for both
 * command sets, through the flash's entry points.  The image starts with
 * random bytes; each test keeps the bytes before the session and what a
 * complete session would leave, and checks the damaged image against
 * them bit by bit:
 * - an interrupted program only clears bits it was clearing (never
 *   0 -> 1), some but not all of them;
 * - an interrupted erase only sets bits, only inside its blocks, and
 *   leaves some bytes erased, some unchanged and some in between;
 * - operations before the cut are complete, none after it reaches the
 *   image, and the file holds the same bytes as the mapping;
 * - the same seed gives the same image, another seed another one.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakevm.h"
#include "hw/cfi_flash.h"
#include "test.h"

#define BASE	0x20000000ull

static struct vm vm;
static char path[64];
static char err[256];
static struct cfi_part part;
static unsigned bw, dw;
static uint64_t size;
static uint8_t *before;		/* the image as the session began */
static uint8_t *want;		/* what the session would leave, uncut */
static uint8_t *got;		/* the image file after the session */
static uint64_t clock_now;

static uint64_t fake_clock(void *opaque)
{
	return clock_now;
}

/* The same pseudo-random bytes every run, not the device's generator. */
static void fill(uint8_t *p, uint64_t n, uint32_t seed)
{
	for (uint64_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

/* The Intel default part (2 x16, 256 KiB bank blocks) or an AMD part. */
static const struct cfi_part *intel_part(void)
{
	part = *cfi_part_default();
	size = 1u << 20;
	return &part;
}

static const struct cfi_part *amd_part(void)
{
	part = *cfi_part_find("S29GL256P");
	CHECK_EQ(cfi_part_option(&part, "regions", "4x64K", err, sizeof(err)), 0);
	size = 256u << 10;
	return &part;
}

/* A bank of `p` over a fresh random image, with these fault options. */
static struct cfi_flash *open_cut(const struct cfi_part *p, uint64_t powercut,
				  uint64_t fail, uint64_t seed, bool timing)
{
	struct cfi_flash_config c = {
		.base = BASE, .window = 32u << 20, .path = path, .map = true,
		.timing = timing, .part = &part, .clock = fake_clock,
		.powercut = powercut, .fail = fail, .seed = seed,
		.slot = 2, .name = "flash1",
	};
	struct cfi_flash *f;
	int fd;

	part = *p;
	bw = p->device_width * p->interleave;
	dw = p->device_width;
	free(before);
	free(want);
	free(got);
	before = malloc(size);
	want = malloc(size);
	got = malloc(size);
	fill(before, size, 7);
	memcpy(want, before, size);
	strcpy(path, "/tmp/norvm-cut-XXXXXX");
	fd = mkstemp(path);
	CHECK_EQ(write(fd, before, size), size);
	close(fd);
	clock_now = 1000;
	fake_vm_init(&vm, 1);
	f = cfi_flash_create(&vm, &c, err, sizeof(err));
	if (!f)
		printf("  cannot open: %s\n", err);
	CHECK(f != NULL);
	return f;
}

/* The image file as it is on disk now. */
static void read_back(void)
{
	int fd = open(path, O_RDONLY);

	CHECK_EQ(pread(fd, got, size, 0), size);
	close(fd);
}

static void done(struct cfi_flash *f)
{
	cfi_flash_destroy(f);
	read_back();		/* nothing more reached the file at exit */
	unlink(path);
}

static uint64_t rep(uint64_t v)
{
	uint64_t r = 0;

	for (unsigned lane = 0; lane < bw / dw; lane++)
		r |= v << (8 * dw * lane);
	return r;
}

static void cmd(struct cfi_flash *f, uint64_t off, uint8_t c)
{
	cfi_flash_write(f, off, bw, rep(c));
}

static void amd_cmd(struct cfi_flash *f, uint64_t word, uint8_t c)
{
	cmd(f, word * bw, c);
}

static void amd_unlock(struct cfi_flash *f)
{
	amd_cmd(f, 0x555, 0xaa);
	amd_cmd(f, 0x2aa, 0x55);
}

static bool cut(void)
{
	return vm.exit_reason == VM_EXIT_POWEROFF && vm.exit_code == CFI_POWERCUT_STATUS;
}

/* ---- the operations, each also applied to `want` ---- */

/*
 * The data programmed at `off`: some of the 1 bits there now cleared (a
 * program asking for 0 -> 1 is a failure on the AMD set).
 */
static uint64_t value_at(uint64_t off)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bw; i++)
		v |= (uint64_t)(uint8_t)((0x5a ^ (off + i) * 37) & want[off + i]) << (8 * i);
	return v;
}

static void want_program(uint64_t off, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++)
		want[off + i] &= (uint8_t)(0x5a ^ (off + i) * 37);
}

static void want_erase(uint64_t off, uint64_t len)
{
	memset(want + off, 0xff, len);
}

static void intel_word(struct cfi_flash *f, uint64_t off)
{
	cmd(f, off, 0x40);
	cfi_flash_write(f, off, bw, value_at(off));
	cmd(f, 0, 0xff);
	want_program(off, bw);
}

/* A full write buffer (the part's size) at `off`. */
static uint64_t intel_buffer(struct cfi_flash *f, uint64_t off)
{
	uint64_t len = (uint64_t)part.buffer * part.interleave;

	cmd(f, off, 0xe8);
	cfi_flash_write(f, off, bw, rep(len / bw - 1));
	for (uint64_t i = 0; i < len; i += bw)
		cfi_flash_write(f, off + i, bw, value_at(off + i));
	cmd(f, off, 0xd0);
	cmd(f, 0, 0xff);
	want_program(off, len);
	return len;
}

static void intel_erase(struct cfi_flash *f, uint64_t off, uint64_t len)
{
	cmd(f, off, 0x20);
	cmd(f, off, 0xd0);
	cmd(f, 0, 0xff);
	want_erase(off, len);
}

static void amd_word(struct cfi_flash *f, uint64_t off)
{
	amd_unlock(f);
	amd_cmd(f, 0x555, 0xa0);
	cfi_flash_write(f, off, bw, value_at(off));
	want_program(off, bw);
}

static uint64_t amd_buffer(struct cfi_flash *f, uint64_t off)
{
	uint64_t len = part.buffer;

	amd_unlock(f);
	cmd(f, off, 0x25);
	cmd(f, off, (uint8_t)(len / bw - 1));
	for (uint64_t i = 0; i < len; i += bw)
		cfi_flash_write(f, off + i, bw, value_at(off + i));
	cmd(f, off, 0x29);
	want_program(off, len);
	return len;
}

/* Sector erase of `n` sectors of `sector` bytes from `off` (one operation). */
static void amd_erase(struct cfi_flash *f, uint64_t off, unsigned n, uint64_t sector)
{
	amd_unlock(f);
	amd_cmd(f, 0x555, 0x80);
	amd_unlock(f);
	for (unsigned i = 0; i < n; i++)
		cmd(f, off + i * sector, 0x30);
	cfi_flash_read(f, 0, bw);	/* closes the window: the erase runs */
	want_erase(off, n * sector);
}

/* ---- the checks ---- */

static unsigned popcount8(uint8_t v)
{
	return (unsigned)__builtin_popcount(v);
}

/*
 * Bytes [off, off + len) hold an interrupted program of `want` over
 * `before`: want <= got <= before bitwise, and of the bits to clear some
 * but not all are (when there are two or more).
 */
static void check_partial_program(uint64_t off, uint64_t len)
{
	unsigned to_clear = 0, cleared = 0;

	for (uint64_t i = off; i < off + len; i++) {
		CHECK_EQ(got[i] & ~before[i] & 0xff, 0);	/* no 0 -> 1 */
		CHECK_EQ(got[i] & want[i], want[i]);		/* no extra 0 */
		to_clear += popcount8(before[i] & (uint8_t)~want[i]);
		cleared += popcount8(before[i] & (uint8_t)~got[i]);
	}
	CHECK(to_clear >= 2);		/* the test's data has bits to clear */
	CHECK(cleared > 0);
	CHECK(cleared < to_clear);
}

/*
 * Bytes [off, off + len) hold an interrupted erase of `before`: only bits
 * set, and bytes of every kind (erased, unchanged, in between).
 */
static void check_partial_erase(uint64_t off, uint64_t len)
{
	uint64_t erased = 0, same = 0, between = 0;

	for (uint64_t i = off; i < off + len; i++) {
		CHECK_EQ(got[i] & before[i], before[i]);	/* no 1 -> 0 */
		if (before[i] == 0xff)
			continue;
		if (got[i] == 0xff)
			erased++;
		else if (got[i] == before[i])
			same++;
		else
			between++;
	}
	CHECK(erased > 0);
	CHECK(same > 0);
	CHECK(between > 0);
}

/* Outside [off, off + len): `now` is what the session had done by the cut. */
static void check_rest(const uint8_t *now, uint64_t off, uint64_t len)
{
	CHECK(!memcmp(got, now, off));
	CHECK(!memcmp(got + off + len, now + off + len, size - off - len));
}

/* ---- the tests ---- */

/* Word programs on Intel: the third is cut; 1-2 done, 4-5 never happen. */
static void test_intel_program_cut(void)
{
	struct cfi_flash *f = open_cut(intel_part(), 3, 0, 1, false);
	uint8_t *at_cut = malloc(size);

	intel_word(f, 0x100);
	intel_word(f, 0x104);
	CHECK(!cut());
	memcpy(at_cut, want, size);
	intel_word(f, 0x108);
	CHECK(cut());
	memcpy(at_cut + 0x108, want + 0x108, bw);
	intel_word(f, 0x10c);		/* after the cut: lost */
	intel_erase(f, 0, 256u << 10);
	memcpy(want, at_cut, size);	/* the cut operation's target */
	memcpy(at_cut + 0x108, before + 0x108, bw);
	read_back();
	check_partial_program(0x108, bw);
	check_rest(at_cut, 0x108, bw);
	done(f);			/* and so it stays past exit */
	check_rest(at_cut, 0x108, bw);
	free(at_cut);
}

/* A buffered program cut: the whole buffer is the operation. */
static void test_intel_buffer_cut(void)
{
	struct cfi_flash *f = open_cut(intel_part(), 2, 0, 1, false);
	uint8_t *at_cut = malloc(size);
	uint64_t len;

	intel_erase(f, 256u << 10, 256u << 10);
	memcpy(at_cut, want, size);
	memcpy(before, want, size);	/* the cut program's "before" */
	len = intel_buffer(f, (256u << 10) + 0x400);
	CHECK(cut());
	read_back();
	check_partial_program((256u << 10) + 0x400, len);
	check_rest(at_cut, (256u << 10) + 0x400, len);
	done(f);
	free(at_cut);
}

/* An erase cut: only its block changes, only by setting bits. */
static void test_intel_erase_cut(void)
{
	struct cfi_flash *f = open_cut(intel_part(), 2, 0, 1, false);
	uint8_t *at_cut = malloc(size);

	intel_word(f, 0x40);
	memcpy(at_cut, want, size);
	memcpy(before, want, size);
	intel_erase(f, 256u << 10, 256u << 10);
	CHECK(cut());
	intel_word(f, 0x80);		/* lost */
	read_back();
	check_partial_erase(256u << 10, 256u << 10);
	check_rest(at_cut, 256u << 10, 256u << 10);
	done(f);
	free(at_cut);
}

static void test_amd_program_cut(void)
{
	struct cfi_flash *f = open_cut(amd_part(), 2, 0, 1, false);
	uint8_t *at_cut = malloc(size);
	uint64_t len;

	amd_word(f, 0x10);
	memcpy(at_cut, want, size);
	len = amd_buffer(f, 0x200);
	CHECK(cut());
	amd_word(f, 0x20);		/* lost */
	read_back();
	check_partial_program(0x200, len);
	check_rest(at_cut, 0x200, len);
	/* a word program cut, under another seed */
	done(f);
	f = open_cut(amd_part(), 1, 0, 5, false);
	memcpy(at_cut, want, size);
	amd_word(f, 0x30);
	CHECK(cut());
	read_back();
	check_partial_program(0x30, bw);
	check_rest(at_cut, 0x30, bw);
	done(f);
	free(at_cut);
}

/*
 * A sector erase of three sectors, cut: the sectors are erased in turn,
 * so one is partial, those before it erased, those after it unchanged.
 */
static void test_amd_erase_cut(void)
{
	struct cfi_flash *f = open_cut(amd_part(), 1, 0, 3, false);
	uint64_t sector = 64u << 10;
	unsigned stage = 0;		/* 0 erased so far, 1 partial seen */

	amd_erase(f, sector, 3, sector);
	CHECK(cut());
	amd_word(f, 0);			/* lost */
	read_back();
	CHECK(!memcmp(got, before, sector));	/* sector 0: not selected */
	for (unsigned s = 1; s < 4; s++) {
		uint64_t o = s * sector;
		bool all_ff = true;

		for (uint64_t i = o; i < o + sector; i++)
			all_ff &= got[i] == 0xff;
		if (stage == 0 && all_ff)
			continue;
		if (stage == 0) {
			check_partial_erase(o, sector);
			stage = 1;
		} else {
			CHECK(!memcmp(got + o, before + o, sector));
		}
	}
	CHECK_EQ(stage, 1);		/* one sector was left partial */
	done(f);
}

/* The same seed, the same damage; another seed, other damage. */
static void test_seed_reproducible(void)
{
	uint8_t *first = malloc(size = 1u << 20);
	struct cfi_flash *f;

	for (unsigned run = 0; run < 3; run++) {
		f = open_cut(intel_part(), 2, 0, run == 2 ? 2 : 1, false);
		intel_word(f, 0x100);
		intel_erase(f, 0, 256u << 10);
		CHECK(cut());
		done(f);
		if (run == 0)
			memcpy(first, got, size);
		else if (run == 1)
			CHECK(!memcmp(first, got, size));
		else
			CHECK(memcmp(first, got, size) != 0);
	}
	/* the same for a program (AMD) */
	for (unsigned run = 0; run < 3; run++) {
		f = open_cut(amd_part(), 1, 0, run == 2 ? 99 : 42, false);
		amd_buffer(f, 0x400);
		done(f);
		if (run == 0)
			memcpy(first, got, size);
		else if (run == 1)
			CHECK(!memcmp(first, got, size));
		else
			CHECK(memcmp(first, got, size) != 0);
	}
	free(first);
}

/* Operation numbers: refused operations are none; stats count the rest. */
static void test_operation_count(void)
{
	struct cfi_flash *f = open_cut(intel_part(), 0, 0, 1, false);
	struct cfi_flash_stats s;

	intel_word(f, 0);
	intel_erase(f, 256u << 10, 256u << 10);
	cmd(f, 0, 0x60);		/* lock block 0 */
	cmd(f, 0, 0x01);
	cmd(f, 0, 0x40);		/* refused: locked */
	cfi_flash_write(f, 0, bw, 0);
	cmd(f, 0, 0x50);
	cmd(f, 0, 0xff);
	intel_buffer(f, 256u << 10);
	cfi_flash_get_stats(f, &s);
	CHECK_EQ(s.ops, 3);
	CHECK_EQ(s.ops, s.programs + s.erases);
	done(f);
	/* so powercut=3 is the buffered program, past the refused one */
	f = open_cut(intel_part(), 3, 0, 1, false);
	intel_word(f, 0);
	intel_erase(f, 256u << 10, 256u << 10);
	cmd(f, 0, 0x60);
	cmd(f, 0, 0x01);
	cmd(f, 0, 0x40);
	cfi_flash_write(f, 0, bw, 0);
	CHECK(!cut());
	cmd(f, 0, 0x50);
	cmd(f, 0, 0xff);
	intel_buffer(f, 256u << 10);
	CHECK(cut());
	done(f);
}

/* With the timing model the cut comes as the operation starts. */
static void test_timing_cut(void)
{
	struct cfi_flash *f = open_cut(amd_part(), 2, 0, 1, true);
	uint8_t *at_cut = malloc(size);

	amd_word(f, 0x10);
	clock_now += 10 * 1000;		/* 1 ms: done */
	CHECK_EQ(cfi_flash_read(f, 0x10, bw), want[0x10] | want[0x11] << 8);
	memcpy(at_cut, want, size);
	amd_word(f, 0x24);
	CHECK(cut());
	clock_now += 10 * 1000;
	cfi_flash_read(f, 0x24, bw);
	done(f);			/* the supply does not hold it up */
	check_partial_program(0x24, bw);
	check_rest(at_cut, 0x24, bw);
	free(at_cut);
}

/* fail=N on Intel: SR4 (program) or SR5 (erase) with SR7, no power cut. */
static void test_intel_fail(void)
{
	struct cfi_flash *f = open_cut(intel_part(), 0, 2, 1, false);
	uint8_t *at_fail = malloc(size);

	intel_word(f, 0x100);
	memcpy(at_fail, want, size);
	memcpy(before, want, size);
	cmd(f, 0x104, 0x40);
	cfi_flash_write(f, 0x104, bw, value_at(0x104));
	want_program(0x104, bw);
	CHECK_EQ(cfi_flash_read(f, 0, bw), rep(CFI_SR_READY | CFI_SR_PROG_ERROR));
	CHECK(!cut());
	cmd(f, 0, 0x50);
	CHECK_EQ(cfi_flash_read(f, 0, bw), rep(CFI_SR_READY));
	cmd(f, 0, 0xff);
	read_back();
	check_partial_program(0x104, bw);	/* the data: as cut */
	check_rest(at_fail, 0x104, bw);
	intel_word(f, 0x108);			/* later ones work */
	read_back();
	CHECK(!memcmp(got + 0x108, want + 0x108, bw));
	done(f);
	/* an erase */
	f = open_cut(intel_part(), 0, 1, 1, false);
	cmd(f, 0, 0x20);
	cmd(f, 0, 0xd0);
	CHECK_EQ(cfi_flash_read(f, 0, bw), rep(CFI_SR_READY | CFI_SR_ERASE_ERROR));
	read_back();
	check_partial_erase(0, 256u << 10);
	done(f);
	free(at_fail);
}

/* fail=N on AMD: DQ5 with DQ6 toggling until a reset, then read mode. */
static void test_amd_fail(void)
{
	struct cfi_flash *f = open_cut(amd_part(), 0, 1, 1, false);
	uint64_t a, b, prog_d7;

	amd_word(f, 0x40);
	prog_d7 = value_at(0x40) & rep(0x80);
	a = cfi_flash_read(f, 0x40, bw);
	b = cfi_flash_read(f, 0x40, bw);
	CHECK_EQ(a & rep(CFI_DQ5_TIMEOUT), rep(CFI_DQ5_TIMEOUT));
	CHECK_EQ((a ^ b) & rep(CFI_DQ6_TOGGLE), rep(CFI_DQ6_TOGGLE));
	CHECK_EQ(a & rep(CFI_DQ7_POLL), prog_d7 ^ rep(0x80));	/* DQ7 complement */
	CHECK(!fake_slot_at(BASE));
	amd_cmd(f, 0, 0xf0);
	CHECK(fake_slot_at(BASE) != NULL);
	read_back();
	check_partial_program(0x40, bw);
	CHECK(!cut());
	done(f);
	/* an erase: DQ7 0 */
	f = open_cut(amd_part(), 0, 1, 1, false);
	amd_erase(f, 0, 1, 64u << 10);
	a = cfi_flash_read(f, 0, bw);
	CHECK_EQ(a & rep(CFI_DQ5_TIMEOUT | CFI_DQ7_POLL), rep(CFI_DQ5_TIMEOUT));
	amd_cmd(f, 0, 0xf0);
	read_back();
	check_partial_erase(0, 64u << 10);
	done(f);
}

int main(void)
{
	RUN(test_intel_program_cut);
	RUN(test_intel_buffer_cut);
	RUN(test_intel_erase_cut);
	RUN(test_amd_program_cut);
	RUN(test_amd_erase_cut);
	RUN(test_seed_reproducible);
	RUN(test_operation_count);
	RUN(test_timing_cut);
	RUN(test_intel_fail);
	RUN(test_amd_fail);
	free(before);
	free(want);
	free(got);
	return TEST_EXIT();
}
