/*
 * CFI NOR flash with the Intel/Sharp command set.  One state machine stands
 * for all the devices of a bank: they receive the same commands and answer
 * the same way, each on its own lane.
 *
 * Decisions where parts differ:
 * - A command is the low byte of lane 0 of a write of the whole bank
 *   width.  A narrower write reaches only some of the devices, so it is
 *   not taken as a command (it is still data for a program or buffer
 *   cycle): probes that try narrower port widths then read array data and
 *   do not mistake the bank for a narrower geometry.
 * - Unknown commands and broken sequences set the command sequence error
 *   (SR4 + SR5) and leave the bank in read-status mode.
 * - A read-only image behaves like a part with VPP low: program sets SR4 +
 *   SR3, erase SR5 + SR3, and nothing changes.
 * - Suspend finds nothing to suspend (operations are instant): it only
 *   enters read-status mode, as does a lone resume.
 * - The AMD unlock cycles (0xAA, 0x55) that probes send are ignored.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/cfi_flash.h"
#include "util.h"
#include "services.h"

/* Command cycles still expected after a setup command. */
enum cycle {
	CYCLE_NONE,
	CYCLE_PROGRAM,		/* 0x40/0x10: next write is the data */
	CYCLE_ERASE,		/* 0x20: next write must be 0xD0 */
	CYCLE_LOCK,		/* 0x60: next write 0x01 lock, 0xD0 unlock */
	CYCLE_BUF_COUNT,	/* 0xE8: next write is the word count - 1 */
	CYCLE_BUF_DATA,		/* collecting the buffer */
	CYCLE_BUF_CONFIRM,	/* buffer full: next write must be 0xD0 */
};

#define QUERY_SIZE	0x40
#define PRI		0x31	/* offset of the Intel extended query table */
#define BUF_BYTES	(1u << CFI_WRITE_BUFFER_SHIFT)	/* per device */

struct cfi_flash {
	struct vm *vm;
	struct cfi_flash_config cfg;
	pthread_mutex_t lock;
	int fd;
	uint8_t *image;
	uint64_t size;
	unsigned interleave;		/* devices per bank */
	uint64_t block;			/* erase block of the bank */
	uint64_t nblocks;
	bool *locked;

	enum cfi_mode mode;
	enum cycle cycle;
	uint8_t status;
	bool mapped;

	/* the write buffer */
	uint64_t buf_start;		/* bank offset of the first data write */
	unsigned buf_left;		/* data writes still expected */
	bool buf_started;
	uint8_t *buf;			/* interleave * BUF_BYTES bytes */
	uint8_t *buf_valid;		/* which buffer bytes were written */
	bool buf_bad;			/* a data write fell outside the window */

	uint8_t query[QUERY_SIZE + 0x20];
	struct cfi_flash_stats stats;
};

static unsigned log2_ceil(uint64_t v)
{
	unsigned n = 0;

	while ((1ull << n) < v)
		n++;
	return n;
}

/* The CFI query table of one device (offsets in device words). */
static void build_query(struct cfi_flash *f)
{
	uint8_t *q = f->query;
	uint64_t dev_blocks = f->nblocks;
	uint64_t dev_block = f->cfg.block_size;
	static const uint8_t iface[5] = { 0, 0x0000, 0x0001, 0, 0x0003 };

	memset(f->query, 0, sizeof(f->query));
	q[0x10] = 'Q'; q[0x11] = 'R'; q[0x12] = 'Y';
	q[0x13] = 0x01; q[0x14] = 0x00;		/* Intel/Sharp extended */
	q[0x15] = PRI; q[0x16] = 0x00;
	q[0x1b] = 0x27; q[0x1c] = 0x36;		/* Vcc 2.7-3.6 V */
	q[0x1f] = 0x06;				/* word program: 64 us */
	q[0x20] = 0x09;				/* buffer program: 512 us */
	q[0x21] = 0x0a;				/* block erase: 1 s */
	q[0x23] = 0x02; q[0x24] = 0x02; q[0x25] = 0x02;	/* max 4x typical */
	q[0x27] = (uint8_t)log2_ceil(f->size / f->interleave);
	q[0x28] = iface[f->cfg.device_width]; q[0x29] = 0x00;
	q[0x2a] = CFI_WRITE_BUFFER_SHIFT; q[0x2b] = 0x00;
	q[0x2c] = 1;				/* one erase block region */
	q[0x2d] = (uint8_t)(dev_blocks - 1);
	q[0x2e] = (uint8_t)((dev_blocks - 1) >> 8);
	q[0x2f] = (uint8_t)(dev_block >> 8);
	q[0x30] = (uint8_t)(dev_block >> 16);
	/* Intel primary extended query, version 1.0. */
	q[PRI + 0] = 'P'; q[PRI + 1] = 'R'; q[PRI + 2] = 'I';
	q[PRI + 3] = '1'; q[PRI + 4] = '0';
	q[PRI + 5] = 0x26;	/* erase/program suspend, instant block locking */
	q[PRI + 9] = 0x01;	/* program allowed while erase suspended */
	q[PRI + 10] = 0x01;	/* block status register: lock bit */
	q[PRI + 12] = 0x33;	/* Vcc optimum 3.3 V */
}

static bool array_visible(const struct cfi_flash *f)
{
	return f->mode == CFI_MODE_ARRAY && f->cycle == CYCLE_NONE;
}

/* Map or unmap the array to match the mode.  Called with the lock held. */
static void update_mapping(struct cfi_flash *f)
{
	bool want = f->cfg.map && array_visible(f);

	if (want == f->mapped)
		return;
	if (vm_set_memory_region(f->vm, f->cfg.slot, f->cfg.base,
				 want ? f->size : 0, f->image,
				 MEM_FLAG_READONLY))
		return;
	f->mapped = want;
	if (want)
		f->stats.maps++;
	else
		f->stats.unmaps++;
}

/* One device's answer at device-word offset `k` in a non-array mode. */
static uint8_t device_answer(struct cfi_flash *f, uint64_t k, uint64_t boff)
{
	switch (f->mode) {
	case CFI_MODE_STATUS:
		return CFI_SR_READY | f->status;
	case CFI_MODE_ID: {
		uint64_t in_block = boff % f->block / f->cfg.bank_width;

		if (in_block == 0)
			return CFI_MANUFACTURER_ID;
		if (in_block == 1)
			return CFI_DEVICE_ID;
		if (in_block == 2)
			return f->locked[boff / f->block] ? 1 : 0;
		return 0;
	}
	case CFI_MODE_QUERY:
		return k < sizeof(f->query) ? f->query[k] : 0;
	default:
		return 0;
	}
}

/* The byte of the bus at bank offset `off`. */
static uint8_t read_byte(struct cfi_flash *f, uint64_t off)
{
	unsigned bw = f->cfg.bank_width, dw = f->cfg.device_width;
	uint64_t word = off / bw;

	if (f->mode == CFI_MODE_ARRAY)
		return f->image[off];
	/* Each device answers in the low byte of its lane. */
	if ((off % bw) % dw)
		return 0;
	return device_answer(f, word, off);
}

uint64_t cfi_flash_read(struct cfi_flash *f, uint64_t off, unsigned len)
{
	uint64_t v = 0;

	pthread_mutex_lock(&f->lock);
	f->stats.reads[f->cycle == CYCLE_NONE ? f->mode : CFI_MODE_STATUS]++;
	for (unsigned i = 0; i < len && off + i < f->size; i++)
		v |= (uint64_t)read_byte(f, off + i) << (8 * i);
	pthread_mutex_unlock(&f->lock);
	return v;
}

static void sync_range(struct cfi_flash *f, uint64_t off, uint64_t len)
{
	uint64_t start = off & ~(uint64_t)(sysconf(_SC_PAGESIZE) - 1);

	if (f->cfg.sync)
		msync(f->image + start, off + len - start, MS_SYNC);
}

static void fail(struct cfi_flash *f, uint8_t bits)
{
	f->status |= bits;
}

/* Can the block holding `off` be changed?  Sets the error bits if not. */
static bool writable(struct cfi_flash *f, uint64_t off, uint8_t error)
{
	if (f->cfg.readonly) {
		fail(f, error | CFI_SR_VPP_LOW);
		return false;
	}
	if (f->locked[off / f->block]) {
		fail(f, error | CFI_SR_LOCKED);
		return false;
	}
	return true;
}

/* NOR programming: bits only go from 1 to 0. */
static void program(struct cfi_flash *f, uint64_t off, unsigned len,
		    uint64_t val)
{
	if (off >= f->size || !writable(f, off, CFI_SR_PROG_ERROR))
		return;
	for (unsigned i = 0; i < len && off + i < f->size; i++)
		f->image[off + i] &= (uint8_t)(val >> (8 * i));
	sync_range(f, off, len);
}

static void erase(struct cfi_flash *f, uint64_t off)
{
	uint64_t start = off / f->block * f->block;

	if (off >= f->size || !writable(f, off, CFI_SR_ERASE_ERROR))
		return;
	memset(f->image + start, 0xff, f->block);
	sync_range(f, start, f->block);
}

static void buffer_begin(struct cfi_flash *f, uint8_t count)
{
	unsigned words = (unsigned)count + 1;

	if (words * f->cfg.device_width > BUF_BYTES) {
		fail(f, CFI_SR_PROG_ERROR | CFI_SR_ERASE_ERROR);
		f->cycle = CYCLE_NONE;
		return;
	}
	f->buf_left = words;
	f->buf_started = false;
	f->buf_bad = false;
	memset(f->buf_valid, 0, f->interleave * BUF_BYTES);
	f->cycle = CYCLE_BUF_DATA;
}

/* A data write: the first one fixes the buffer's window. */
static void buffer_data(struct cfi_flash *f, uint64_t off, unsigned len,
			uint64_t val)
{
	uint64_t bytes = (uint64_t)f->interleave * BUF_BYTES;

	if (!f->buf_started) {
		f->buf_start = off;
		f->buf_started = true;
	}
	if (off < f->buf_start || off + len > f->buf_start + bytes ||
	    off / f->block != f->buf_start / f->block || off + len > f->size) {
		f->buf_bad = true;
	} else {
		for (unsigned i = 0; i < len; i++) {
			f->buf[off - f->buf_start + i] = (uint8_t)(val >> (8 * i));
			f->buf_valid[off - f->buf_start + i] = 1;
		}
	}
	if (--f->buf_left == 0)
		f->cycle = CYCLE_BUF_CONFIRM;
}

static void buffer_commit(struct cfi_flash *f)
{
	uint64_t bytes = (uint64_t)f->interleave * BUF_BYTES, lo = bytes, hi = 0;

	if (f->buf_bad) {
		fail(f, CFI_SR_PROG_ERROR | CFI_SR_ERASE_ERROR);
		return;
	}
	if (!writable(f, f->buf_start, CFI_SR_PROG_ERROR))
		return;
	for (uint64_t i = 0; i < bytes; i++) {
		if (!f->buf_valid[i])
			continue;
		f->image[f->buf_start + i] &= f->buf[i];
		lo = i < lo ? i : lo;
		hi = i + 1;
	}
	if (hi)
		sync_range(f, f->buf_start + lo, hi - lo);
}

/* The second cycle of a two-cycle command. */
static void second_cycle(struct cfi_flash *f, uint64_t off, unsigned len,
			 uint64_t val, uint8_t cmd)
{
	enum cycle c = f->cycle;

	f->cycle = CYCLE_NONE;
	f->mode = CFI_MODE_STATUS;
	switch (c) {
	case CYCLE_PROGRAM:
		program(f, off, len, val);
		break;
	case CYCLE_ERASE:
		if (cmd == 0xd0)
			erase(f, off);
		else
			fail(f, CFI_SR_PROG_ERROR | CFI_SR_ERASE_ERROR);
		break;
	case CYCLE_LOCK:
		if (cmd == 0x01 || cmd == 0x2f) {
			f->stats.cmds[CFI_CMD_LOCK]++;
			f->locked[off / f->block] = true;
		} else if (cmd == 0xd0) {
			f->stats.cmds[CFI_CMD_UNLOCK]++;
			f->locked[off / f->block] = false;
		} else {
			fail(f, CFI_SR_PROG_ERROR | CFI_SR_ERASE_ERROR);
		}
		break;
	case CYCLE_BUF_COUNT:
		buffer_begin(f, cmd);
		break;
	case CYCLE_BUF_DATA:
		f->cycle = CYCLE_BUF_DATA;
		buffer_data(f, off, len, val);
		break;
	case CYCLE_BUF_CONFIRM:
		if (cmd == 0xd0)
			buffer_commit(f);
		else
			fail(f, CFI_SR_PROG_ERROR | CFI_SR_ERASE_ERROR);
		break;
	case CYCLE_NONE:
		break;
	}
}

static void command(struct cfi_flash *f, uint64_t off, uint8_t cmd)
{
	enum cfi_cmd_kind kind;

	switch (cmd) {
	case 0xff: case 0xf0: case 0x00:
		kind = CFI_CMD_READ_ARRAY;
		f->mode = CFI_MODE_ARRAY;
		break;
	case 0x90:
		kind = CFI_CMD_READ_ID;
		f->mode = CFI_MODE_ID;
		break;
	case 0x98:
		kind = CFI_CMD_QUERY;
		f->mode = CFI_MODE_QUERY;
		break;
	case 0x70:
		kind = CFI_CMD_STATUS;
		f->mode = CFI_MODE_STATUS;
		break;
	case 0x50:
		kind = CFI_CMD_CLEAR_STATUS;
		f->status = 0;
		break;
	case 0x40: case 0x10:
		kind = CFI_CMD_PROGRAM;
		f->cycle = CYCLE_PROGRAM;
		f->mode = CFI_MODE_STATUS;
		break;
	case 0xe8:
		kind = CFI_CMD_BUFFERED;
		f->cycle = CYCLE_BUF_COUNT;
		f->mode = CFI_MODE_STATUS;
		break;
	case 0x20:
		kind = CFI_CMD_ERASE;
		f->cycle = CYCLE_ERASE;
		f->mode = CFI_MODE_STATUS;
		break;
	case 0x60:
		/* counted as lock or unlock by its second cycle */
		f->cycle = CYCLE_LOCK;
		f->mode = CFI_MODE_STATUS;
		return;
	case 0xb0:
		kind = CFI_CMD_SUSPEND;
		f->mode = CFI_MODE_STATUS;
		break;
	case 0xd0:
		kind = CFI_CMD_RESUME;
		f->mode = CFI_MODE_STATUS;
		break;
	case 0xaa: case 0x55:
		return;		/* AMD unlock cycles: not for this part */
	default:
		kind = CFI_CMD_INVALID;
		fail(f, CFI_SR_PROG_ERROR | CFI_SR_ERASE_ERROR);
		f->mode = CFI_MODE_STATUS;
		break;
	}
	f->stats.cmds[kind]++;
}

void cfi_flash_write(struct cfi_flash *f, uint64_t off, unsigned len,
		     uint64_t val)
{
	uint8_t cmd = (uint8_t)val;

	pthread_mutex_lock(&f->lock);
	f->stats.writes++;
	if (f->cycle == CYCLE_PROGRAM || f->cycle == CYCLE_BUF_DATA)
		second_cycle(f, off, len, val, cmd);
	else if (len < f->cfg.bank_width)
		f->stats.cmds[CFI_CMD_INVALID]++;	/* partial: ignored */
	else if (f->cycle != CYCLE_NONE)
		second_cycle(f, off, len, val, cmd);
	else
		command(f, off, cmd);
	update_mapping(f);
	pthread_mutex_unlock(&f->lock);
}

static uint64_t bus_read(void *opaque, uint64_t off, unsigned len)
{
	return cfi_flash_read(opaque, off, len);
}

static void bus_write(void *opaque, uint64_t off, unsigned len, uint64_t val)
{
	cfi_flash_write(opaque, off, len, val);
}

static const struct mmio_ops cfi_flash_ops = {
	.read = bus_read,
	.write = bus_write,
};

void cfi_flash_reset(struct cfi_flash *f)
{
	pthread_mutex_lock(&f->lock);
	f->mode = CFI_MODE_ARRAY;
	f->cycle = CYCLE_NONE;
	f->status = 0;
	memset(f->locked, 0, f->nblocks * sizeof(*f->locked));
	update_mapping(f);
	pthread_mutex_unlock(&f->lock);
}

static bool valid_geometry(const struct cfi_flash_config *c)
{
	unsigned bw = c->bank_width, dw = c->device_width;

	return (bw == 1 || bw == 2 || bw == 4 || bw == 8) &&
	       (dw == 1 || dw == 2 || dw == 4) && dw <= bw &&
	       c->block_size && !(c->block_size & 0xff);
}

/* Open and lock the image; returns the fd or -errno with `err` set. */
static int open_image(const struct cfi_flash_config *c, uint64_t *size,
		      uint64_t block, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(c->path, (c->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	int e;

	if (fd < 0) {
		e = errno;
		if (e == EISDIR)
			snprintf(err, errlen, "%s: is a directory, not a flash image", c->path);
		else if (e == EACCES || e == EPERM || e == EROFS)
			snprintf(err, errlen, "%s: no permission to open it for %s%s", c->path,
				 c->readonly ? "reading" : "writing",
				 c->readonly ? "" : " (add ,readonly to use it read-only)");
		else
			snprintf(err, errlen, "%s: %s", c->path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", c->path);
		close(fd);
		return -EINVAL;
	}
	if (flock(fd, (c->readonly ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		snprintf(err, errlen, "%s: in use by another process (the image is locked)",
			 c->path);
		close(fd);
		return -EBUSY;
	}
	*size = (uint64_t)st.st_size;
	if (!*size || *size % block || *size > c->window) {
		if (!*size)
			snprintf(err, errlen, "%s: the image is empty (create one with "
				 "norvm flash create)", c->path);
		else if (*size % block)
			snprintf(err, errlen, "%s: size %" PRIu64 " is not a multiple of the "
				 "%" PRIu64 " KiB erase block", c->path, *size, block >> 10);
		else
			snprintf(err, errlen, "%s: size %" PRIu64 " MiB is larger than the "
				 "%" PRIu64 " MiB flash window", c->path, *size >> 20,
				 c->window >> 20);
		close(fd);
		return -EINVAL;
	}
	return fd;
}

struct cfi_flash *cfi_flash_create(struct vm *vm,
				   const struct cfi_flash_config *cfg,
				   char *err, size_t errlen)
{
	struct cfi_flash *f;
	uint64_t block, size = 0;
	int fd;

	if (!valid_geometry(cfg)) {
		snprintf(err, errlen, "bad flash geometry: bank width %u, device width %u",
			 cfg->bank_width, cfg->device_width);
		return NULL;
	}
	block = cfg->block_size * (cfg->bank_width / cfg->device_width);
	if (cfg->path) {
		fd = open_image(cfg, &size, block, err, errlen);
		if (fd < 0)
			return NULL;
	} else {
		fd = -1;
		size = cfg->window - cfg->window % block;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->vm = vm;
	f->cfg = *cfg;
	f->fd = fd;
	f->size = size;
	f->interleave = cfg->bank_width / cfg->device_width;
	f->block = block;
	f->nblocks = size / block;
	pthread_mutex_init(&f->lock, NULL);
	f->locked = calloc(f->nblocks, sizeof(*f->locked));
	f->buf = malloc((size_t)f->interleave * BUF_BYTES);
	f->buf_valid = malloc((size_t)f->interleave * BUF_BYTES);
	f->image = mmap(NULL, size, PROT_READ | (cfg->readonly ? 0 : PROT_WRITE),
			MAP_SHARED | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0);
	if (fd < 0 && f->image != MAP_FAILED)
		memset(f->image, 0xff, size);	/* a volatile, erased bank */
	if (f->image == MAP_FAILED || !f->locked || !f->buf || !f->buf_valid) {
		if (f->image == MAP_FAILED)
			f->image = NULL;
		snprintf(err, errlen, "%s: cannot map the image: %s", cfg->path,
			 strerror(f->image ? ENOMEM : errno));
		cfi_flash_destroy(f);
		return NULL;
	}
	build_query(f);
	if (vm_register_mmio(vm, cfg->base, size, cfg->name ? cfg->name : "flash",
			  &cfi_flash_ops, f)) {
		snprintf(err, errlen, "flash at 0x%" PRIx64 " overlaps another device",
			 cfg->base);
		cfi_flash_destroy(f);
		return NULL;
	}
	cfi_flash_reset(f);
	return f;
}

void cfi_flash_destroy(struct cfi_flash *f)
{
	if (!f)
		return;
	if (f->image) {
		if (!f->cfg.readonly)
			msync(f->image, f->size, MS_ASYNC);
		munmap(f->image, f->size);
	}
	if (f->fd >= 0)
		close(f->fd);
	pthread_mutex_destroy(&f->lock);
	free(f->locked);
	free(f->buf);
	free(f->buf_valid);
	free(f);
}

uint64_t cfi_flash_size(const struct cfi_flash *f)
{
	return f->size;
}

enum cfi_mode cfi_flash_mode(struct cfi_flash *f)
{
	enum cfi_mode m;

	pthread_mutex_lock(&f->lock);
	m = f->cycle == CYCLE_NONE ? f->mode : CFI_MODE_STATUS;
	pthread_mutex_unlock(&f->lock);
	return m;
}

bool cfi_flash_mapped(struct cfi_flash *f)
{
	bool m;

	pthread_mutex_lock(&f->lock);
	m = f->mapped;
	pthread_mutex_unlock(&f->lock);
	return m;
}

void cfi_flash_get_stats(struct cfi_flash *f, struct cfi_flash_stats *out)
{
	pthread_mutex_lock(&f->lock);
	*out = f->stats;
	pthread_mutex_unlock(&f->lock);
}

static const char *const mode_names[CFI_MODES] = {
	"array", "status", "id", "query"
};
static const char *const cmd_names[CFI_CMD_KINDS] = {
	"read_array", "read_id", "query", "read_status", "clear_status",
	"program", "buffered_program", "erase", "lock", "unlock", "suspend",
	"resume", "invalid"
};

void cfi_flash_print_stats(struct cfi_flash *f, FILE *out)
{
	struct cfi_flash_stats s;

	cfi_flash_get_stats(f, &s);
	fprintf(out, "  %s: trapped reads", f->cfg.name ? f->cfg.name : "flash");
	for (unsigned i = 0; i < CFI_MODES; i++)
		fprintf(out, " %s %" PRIu64, mode_names[i], s.reads[i]);
	fprintf(out, "; writes %" PRIu64 "; maps %" PRIu64 ", unmaps %" PRIu64 "\n",
		s.writes, s.maps, s.unmaps);
	fprintf(out, "    commands:");
	for (unsigned i = 0; i < CFI_CMD_KINDS; i++)
		if (s.cmds[i])
			fprintf(out, " %s %" PRIu64, cmd_names[i], s.cmds[i]);
	fprintf(out, "\n");
}

void cfi_flash_stats_json(struct cfi_flash *f, FILE *out)
{
	struct cfi_flash_stats s;

	cfi_flash_get_stats(f, &s);
	fprintf(out, "{\"reads\": {");
	for (unsigned i = 0; i < CFI_MODES; i++)
		fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", mode_names[i], s.reads[i]);
	fprintf(out, "}, \"writes\": %" PRIu64 ", \"maps\": %" PRIu64
		", \"unmaps\": %" PRIu64 ", \"commands\": {", s.writes, s.maps, s.unmaps);
	for (unsigned i = 0; i < CFI_CMD_KINDS; i++)
		fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", cmd_names[i], s.cmds[i]);
	fprintf(out, "}}");
}

int cfi_flash_create_image(const char *path, uint64_t size, char *err,
			   size_t errlen)
{
	struct stat st;
	uint8_t *buf;
	int ret;

	if (!size || size % (256u << 10) || size > VIRT_FLASH_WINDOW) {
		snprintf(err, errlen, "flash create: size %" PRIu64 " bytes: must be a "
			 "multiple of 256K and at most 32M", size);
		return -EINVAL;
	}
	if (lstat(path, &st) == 0) {
		snprintf(err, errlen, "%s: already exists; remove it first to make a new image",
			 path);
		return -EEXIST;
	}
	buf = malloc(size);
	if (!buf) {
		snprintf(err, errlen, "flash create: out of memory");
		return -ENOMEM;
	}
	memset(buf, 0xff, size);
	ret = write_file_atomic(path, buf, size, err, errlen);
	free(buf);
	return ret;
}
