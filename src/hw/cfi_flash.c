/*
 * The CFI flash core: what every command set shares.  One state machine
 * (the command set's) stands for all the devices of a bank: they receive
 * the same commands and answer the same way, each on its own lane.
 *
 * The entry points take an access as the CPU made it (1 to 8 bytes, any
 * alignment) and split it into bus cycles as the bus would: one cycle per
 * bank-width word it touches, lowest address first, each carrying only the
 * bytes of that word.  The command set sees cycles only.  Bytes outside
 * the image are not decoded: they read as 0 and writes to them are lost.
 *
 * Program and erase run here, whichever command set asked for them: an
 * operation changes the image when it completes, at once or, with the
 * timing model, once its time has passed in guest time.  Completion is
 * found lazily, by the first access after it is due; so is anything that
 * depends on it (the return to array data, and the mapping).  This is the
 * one place where an operation's effect on the image happens, so a power
 * cut or a failure injected here reaches every command set.
 *
 * The mapping: the array is a read-only slot whenever the command set
 * says reads return array data and no operation runs.  A write cycle that
 * ends that removes the slot before the cycle returns; when the slot
 * cannot be removed the cycle is undone (the set's state, the operation
 * and the bytes an instant program changed), as if it never arrived, so
 * the array is never mapped while reads would return something else.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libfdt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "hw/cfi_cmdset.h"
#include "hw/cfi_core.h"
#include "util.h"
#include "services.h"
#include "trace.h"

#define TICKS_PER_US	(VM_TIMEBASE_HZ / 1000000)
_Static_assert(TICKS_PER_US == CFI_TICKS_PER_US, "mtime runs at 10 MHz");

/* ---- command sets ---- */

#define MAX_CMDSETS	8
static const struct cfi_cmdset *cmdsets[MAX_CMDSETS];

/*
 * A command set that does not fit the core's tables is a bug in norvm, found
 * at start-up (registration runs before main).
 */
void cfi_cmdset_register(const struct cfi_cmdset *cs)
{
	/* The primary table's header, then pri(): from 0x2d + 4 per region. */
	if (cs->ncmds > CFI_CMD_SLOTS ||
	    0x2d + 4 * CFI_MAX_REGIONS + cs->pri_len > CFI_QUERY_MAX ||
	    cs->pri_min + cs->pri_len > CFI_QUERY_MAX) {
		fprintf(stderr, "norvm: command set %s does not fit the flash's tables\n",
			cs->name);
		abort();
	}
	for (unsigned i = 0; i < MAX_CMDSETS; i++)
		if (!cmdsets[i]) {
			cmdsets[i] = cs;
			return;
		}
}

const struct cfi_cmdset *cfi_cmdset_for(uint16_t id)
{
	for (unsigned i = 0; i < MAX_CMDSETS && cmdsets[i]; i++)
		for (unsigned j = 0; j < 3; j++)
			if (cmdsets[i]->ids[j] == id)
				return cmdsets[i];
	return NULL;
}

const struct cfi_cmdset *cfi_cmdset_named(const char *name)
{
	for (unsigned i = 0; i < MAX_CMDSETS && cmdsets[i]; i++)
		if (!strcasecmp(cmdsets[i]->name, name))
			return cmdsets[i];
	return NULL;
}

const struct cfi_cmdset *cfi_cmdset_at(unsigned i)
{
	return i < MAX_CMDSETS ? cmdsets[i] : NULL;
}

/*
 * A volatile bank: `size` bytes that read 0xFF and cost no memory until
 * written.  One erased chunk lives in a memfd, mapped private over and
 * over; a page is copied when the guest first programs it.  (Filling
 * anonymous memory with 0xFF, the fallback for a kernel without memfd,
 * touches every page of the bank at start.)
 */
#define ERASED_CHUNK	(1u << 20)

static uint8_t *map_erased(uint64_t size)
{
	uint64_t chunk = size < ERASED_CHUNK ? size : ERASED_CHUNK;
	uint8_t ones[4096], *base = MAP_FAILED;
	int fd = memfd_create("norvm-erased", MFD_CLOEXEC);

	if (fd < 0) {
		/* A kernel without memfd: anonymous memory, filled. */
		base = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (base != MAP_FAILED)
			memset(base, 0xff, size);
		return base;
	}
	memset(ones, 0xff, sizeof(ones));
	for (uint64_t off = 0; off < chunk; off += sizeof(ones))
		if (pwrite(fd, ones, sizeof(ones), (off_t)off) != (ssize_t)sizeof(ones))
			goto out;
	base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		goto out;
	for (uint64_t off = 0; off < size; off += chunk)
		if (mmap(base + off, chunk, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
			munmap(base, size);
			base = MAP_FAILED;
			break;
		}
out:
	close(fd);
	return base;
}

/* ---- geometry ---- */

static unsigned log2_ceil(uint64_t v)
{
	unsigned n = 0;

	while ((1ull << n) < v)
		n++;
	return n;
}

unsigned cfi_block_index(const struct cfi_flash *f, uint64_t off)
{
	unsigned lo = 0, hi = f->nblocks;

	if (f->block_shift) {
		uint64_t b = off >> f->block_shift;

		return b < f->nblocks ? (unsigned)b : f->nblocks - 1;
	}

	while (hi - lo > 1) {
		unsigned mid = (lo + hi) / 2;

		if (f->blocks[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* 2: bottom boot (small blocks low), 3: top boot, 0: one block size. */
unsigned cfi_part_boot(const struct cfi_part *p)
{
	if (p->nregions < 2 || p->region[0].size == p->region[p->nregions - 1].size)
		return 0;
	return p->region[0].size < p->region[p->nregions - 1].size ? 2 : 3;
}

/* The bank's block table from the part's regions (`size`: the image's). */
static int build_blocks(struct cfi_flash *f)
{
	const struct cfi_part *p = &f->part;
	unsigned n = 0;
	uint64_t off = 0;

	if (p->region[0].blocks == 0)
		f->part.region[0].blocks = (uint32_t)cfi_part_region_blocks(p, 0, f->size);
	for (unsigned r = 0; r < p->nregions; r++)
		n += p->region[r].blocks;
	f->blocks = calloc(n, sizeof(*f->blocks));
	if (!f->blocks)
		return -ENOMEM;
	f->nblocks = n;
	n = 0;
	for (unsigned r = 0; r < p->nregions; r++)
		for (unsigned b = 0; b < p->region[r].blocks; b++) {
			f->blocks[n].off = off;
			f->blocks[n].size = cfi_part_block_size(p, r);
			off += f->blocks[n++].size;
		}
	f->block_shift = 0;
	if (n && !(f->blocks[0].size & (f->blocks[0].size - 1)) &&
	    off == f->blocks[0].size * n)
		f->block_shift = (unsigned)__builtin_ctzll(f->blocks[0].size);
	return 0;
}

/* The CFI query table of one device (offsets in device words). */
static void build_query(struct cfi_flash *f)
{
	const struct cfi_part *p = &f->part;
	uint8_t *q = f->query;
	unsigned n = p->nregions, at, pri;
	bool reverse = f->set->top_boot_reversed && cfi_part_boot(p) == 3;

	memset(f->query, 0, sizeof(f->query));
	q[0x10] = 'Q'; q[0x11] = 'R'; q[0x12] = 'Y';
	q[0x13] = (uint8_t)p->cmdset; q[0x14] = (uint8_t)(p->cmdset >> 8);
	q[0x1b] = p->vcc_min; q[0x1c] = p->vcc_max;
	/* Times: typical 2^n us / ms, maxima 2^n times the typical. */
	for (unsigned t = 0; t < CFI_TIMES; t++) {
		uint64_t unit = t >= CFI_T_BLOCK ? 1000 : 1, typ = p->typ[t];
		unsigned e;

		if (!typ || (t == CFI_T_BUFFER && !p->buffer))
			continue;
		e = log2_ceil((typ + unit - 1) / unit);
		q[0x1f + t] = (uint8_t)e;
		if (p->max[t] > typ)
			q[0x23 + t] = (uint8_t)log2_ceil((p->max[t] + (unit << e) - 1) /
							 (unit << e));
	}
	q[0x27] = (uint8_t)log2_ceil(cfi_device_size(f));
	q[0x28] = p->interface;
	q[0x2a] = (uint8_t)(p->buffer ? log2_ceil(p->buffer) : 0);
	q[0x2c] = (uint8_t)n;
	for (unsigned r = 0; r < n; r++) {
		const struct cfi_region *g = &p->region[reverse ? n - 1 - r : r];

		at = 0x2d + 4 * r;
		q[at] = (uint8_t)(g->blocks - 1);
		q[at + 1] = (uint8_t)((g->blocks - 1) >> 8);
		q[at + 2] = (uint8_t)(g->size >> 8);
		q[at + 3] = (uint8_t)(g->size >> 16);
	}
	pri = 0x2d + 4 * n;
	if (pri < f->set->pri_min)
		pri = f->set->pri_min;
	q[0x15] = (uint8_t)pri;
	q[0x16] = (uint8_t)(pri >> 8);
	q[pri] = 'P'; q[pri + 1] = 'R'; q[pri + 2] = 'I';
	q[pri + 3] = '1'; q[pri + 4] = (uint8_t)('0' + p->pri_minor);
	f->set->pri(f, q + pri);
}

/* ---- time and operations ---- */

uint64_t cfi_now(const struct cfi_flash *f)
{
	return f->cfg.clock ? f->cfg.clock(f->cfg.clock_opaque) : vm_mtime(f->vm);
}

/* Say once per bank that its image could not be written to disk. */
static void report_sync_error(struct cfi_flash *f, int e, const char *when)
{
	if (!f->sync_failed) {
		f->sync_failed = true;
		fprintf(stderr, "norvm: %s: writing image %s to disk failed %s: %s%s "
			"(logged once)\n", f->cfg.name ? f->cfg.name : "flash", f->cfg.path,
			when, strerror(e), *when == 'a' ? "; the guest's operation "
			"reports a failure" : "");
	}
}

/*
 * With `sync`, flush what an operation changed to disk; false when that
 * failed, and the operation must report a failure as the part would.
 */
bool cfi_sync_range(struct cfi_flash *f, uint64_t off, uint64_t len)
{
	uint64_t start = off & ~(uint64_t)(sysconf(_SC_PAGESIZE) - 1);

	if (!f->cfg.sync || !len || f->fd < 0)
		return true;
	if (!msync(f->image + start, off + len - start, MS_SYNC))
		return true;
	report_sync_error(f, errno, "after a program or erase");
	return false;
}

enum cfi_op_result cfi_check(struct cfi_flash *f, unsigned block)
{
	if (f->cfg.readonly)
		return CFI_OP_READONLY;
	if (f->prot[block] & CFI_PROT_WRITE)
		return CFI_OP_PROTECTED;
	return CFI_OP_OK;
}

/*
 * Keep the image bytes [off, off + len) that an operation in this cycle
 * is about to change, to put them back if the cycle is undone (only while
 * the array is mapped; the first change of a cycle is the one kept).
 */
void cfi_undo_save(struct cfi_flash *f, uint64_t off, uint64_t len)
{
	if (!f->undo_armed || f->undo_len || !len)
		return;
	if (len > f->undo_cap) {
		uint8_t *p = realloc(f->undo, len);

		if (!p)
			return;		/* out of memory: then it cannot be undone */
		f->undo = p;
		f->undo_cap = len;
	}
	memcpy(f->undo, f->image + off, len);
	f->undo_off = off;
	f->undo_len = len;
}

/* The operation's effect on the image: the one place it happens. */
static void apply(struct cfi_flash *f)
{
	struct cfi_op *op = &f->op;

	if (op->fail && op->result == CFI_OP_OK) {
		cfi_fail_op(f);
	} else if (op->kind == CFI_OP_PROGRAM && op->result == CFI_OP_OK) {
		uint64_t lo = op->len, hi = 0;

		for (uint64_t i = 0; i < op->len; i++) {
			uint8_t *b = &f->image[op->off + i];

			if (op->valid && !op->valid[i])
				continue;
			cfi_undo_save(f, op->off, op->len);
			if (op->data[i] & ~*b)
				op->result = CFI_OP_NOT_ERASED;
			*b &= op->data[i];
			lo = i < lo ? i : lo;
			hi = i + 1;
		}
		if (hi && !cfi_sync_range(f, op->off + lo, hi - lo))
			op->result = CFI_OP_FAILED;
	} else if (op->kind == CFI_OP_ERASE) {
		unsigned first = f->nblocks, last = 0;

		for (unsigned b = 0; b < f->nblocks; b++)
			if (op->erase[b] && cfi_check(f, b) == CFI_OP_OK) {
				first = b < first ? b : first;
				last = b;
			}
		if (first < f->nblocks)
			cfi_undo_save(f, f->blocks[first].off, f->blocks[last].off +
				  f->blocks[last].size - f->blocks[first].off);
		for (unsigned b = 0; b < f->nblocks; b++) {
			if (!op->erase[b] || cfi_check(f, b) != CFI_OP_OK)
				continue;
			memset(f->image + f->blocks[b].off, 0xff, f->blocks[b].size);
			if (!cfi_sync_range(f, f->blocks[b].off, f->blocks[b].size))
				op->result = CFI_OP_FAILED;
			f->stats.erased_blocks++;
		}
	}
}

static void complete(struct cfi_flash *f)
{
	apply(f);
	f->op.running = f->op.suspended = false;
	f->set->op_done(f);
}

/* Start the operation set up in f->op: done at once, or in `us`. */
static void start(struct cfi_flash *f, uint64_t us)
{
	f->op.running = true;
	f->op.suspended = false;
	f->op.fail = f->op.number && f->op.number == f->cfg.fail;
	if (f->op.number && f->op.number == f->cfg.powercut) {
		cfi_power_cut(f);
		return;
	}
	if (!f->timing || !us) {
		complete(f);
		return;
	}
	f->op.done_at = cfi_now(f) + us * TICKS_PER_US;
}

enum cfi_op_result cfi_op_program(struct cfi_flash *f, uint64_t off,
				  const uint8_t *data, const uint8_t *valid,
				  uint64_t len, uint64_t words, uint64_t us)
{
	struct cfi_op *op = &f->op;

	op->kind = CFI_OP_PROGRAM;
	op->off = off;
	op->len = len;
	op->words = words;
	memcpy(op->data, data, len);
	if (valid) {
		memcpy(op->valid_buf, valid, len);
		op->valid = op->valid_buf;
	} else {
		op->valid = NULL;
	}
	op->result = len ? cfi_check(f, cfi_block_index(f, off)) : CFI_OP_OK;
	op->number = 0;
	if (op->result == CFI_OP_OK && len) {
		f->stats.programs++;
		f->stats.words += words;
		op->number = ++f->stats.ops;
	}
	start(f, us);
	return op->result;
}

void cfi_op_erase_clear(struct cfi_flash *f)
{
	memset(f->op.erase, 0, f->nblocks);
	f->op.kind = CFI_OP_ERASE;
	f->op.running = f->op.suspended = false;
}

void cfi_op_erase_select(struct cfi_flash *f, unsigned block)
{
	f->op.erase[block] = 1;
}

enum cfi_op_result cfi_op_erase(struct cfi_flash *f, uint64_t us)
{
	struct cfi_op *op = &f->op;
	unsigned todo = 0;

	op->kind = CFI_OP_ERASE;
	op->result = CFI_OP_PROTECTED;
	for (unsigned b = 0; b < f->nblocks; b++) {
		if (!op->erase[b])
			continue;
		if (cfi_check(f, b) == CFI_OP_OK)
			todo++;
		else if (f->cfg.readonly)
			op->result = CFI_OP_READONLY;
	}
	op->number = 0;
	if (todo) {
		op->result = CFI_OP_OK;
		f->stats.erases++;
		op->number = ++f->stats.ops;
	}
	start(f, us);
	return op->result;
}

bool cfi_op_busy(struct cfi_flash *f)
{
	if (!f->op.running || f->op.suspended)
		return false;
	if (cfi_now(f) < f->op.done_at)
		return true;
	complete(f);
	return false;
}

bool cfi_op_suspend(struct cfi_flash *f)
{
	uint64_t t = cfi_now(f);

	if (!cfi_op_busy(f))
		return false;
	f->op.left = f->op.done_at > t ? f->op.done_at - t : 0;
	f->op.suspended = true;
	f->stats.suspends++;
	return true;
}

bool cfi_op_resume(struct cfi_flash *f)
{
	if (!f->op.running || !f->op.suspended)
		return false;
	f->op.suspended = false;
	f->op.done_at = cfi_now(f) + f->op.left;
	return true;
}

/* The bytes of device `lane` at the bus word `word`, from the image. */
uint32_t cfi_array_word(const struct cfi_flash *f, uint64_t word, unsigned lane)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < f->dw; i++)
		v |= (uint32_t)f->image[word + lane * f->dw + i] << (8 * i);
	return v;
}

/* ---- mapping ---- */

static bool array_visible(struct cfi_flash *f)
{
	return !(f->op.running && !f->op.suspended) &&
	       f->set->mode(f) == CFI_MODE_ARRAY;
}

/* Say once per bank that its array could not be mapped or unmapped. */
static void report_map_error(struct cfi_flash *f, bool map, int err)
{
	f->stats.map_errors++;
	if (!f->map_failed) {
		f->map_failed = true;
		fprintf(stderr, "norvm: %s: cannot %s the array: %s; %s (logged once, "
			"counted in --stats)\n", f->cfg.name ? f->cfg.name : "flash",
			map ? "map" : "unmap", strerror(-err),
			map ? "its reads trap instead" : "the command is dropped");
	}
}

/* What reads return in each mode, as --stats and --trace name it. */
const char *const cfi_mode_names[CFI_MODES] = {
	"array", "status", "id", "query"
};

/*
 * Map or unmap the array to match what reads return.  Called with the lock
 * held.  A failed map is safe (array reads then trap and are answered
 * here; the next access tries again).  A failed unmap is not: the harts
 * would read the array where the device answers something else.  Returns
 * false then, and the caller undoes the cycle.
 */
static bool update_mapping(struct cfi_flash *f)
{
	bool want = f->cfg.map && array_visible(f);
	int ret;

	if (want == f->mapped)
		return true;
	ret = vm_set_memory_region(f->vm, f->cfg.slot, f->cfg.base,
				   want ? f->size : 0, f->image, MEM_FLAG_READONLY);
	if (ret) {
		report_map_error(f, want, ret);
		return want;
	}
	f->mapped = want;
	if (tracing(TRACE_MAP))
		trace("map %s %s", f->cfg.name ? f->cfg.name : "flash",
		      want ? "mapped" : "unmapped");
	/*
	 * An unmap and the map that ends it are charged to programming when
	 * a program ran in between (Intel: 0x40 ... 0xFF; AMD with the timing
	 * model: the data cycle ... the first read after it completed).
	 */
	if (want) {
		f->stats.maps++;
		if (f->stats.programs != f->unmapped_programs)
			f->stats.program_map_changes += 2;
	} else {
		f->stats.unmaps++;
		f->unmapped_programs = f->cycle_programs;
	}
	return true;
}

/* ---- the entry points ---- */

/* One read cycle: `len` bytes at `off`, inside one bus word of the image. */
static uint64_t read_cycle(struct cfi_flash *f, uint64_t off, unsigned len,
			   enum cfi_mode mode)
{
	uint64_t word = off - off % f->bw, v = 0;
	unsigned have = ~0u;
	uint32_t w = 0;

	if (mode == CFI_MODE_ARRAY) {
		for (unsigned i = 0; i < len; i++)
			v |= (uint64_t)f->image[off + i] << (8 * i);
		return v;
	}
	for (unsigned i = 0; i < len; i++) {
		unsigned at = (unsigned)(off + i - word), lane = at / f->dw;

		if (lane != have) {
			w = f->set->read(f, word, lane);
			have = lane;
		}
		v |= (uint64_t)(uint8_t)(w >> (8 * (at % f->dw))) << (8 * i);
	}
	f->toggle++;
	return v;
}

/* How many of the `left` bytes from `a` fall in the bus word holding `a`. */
static unsigned cycle_len(const struct cfi_flash *f, uint64_t a, unsigned left)
{
	unsigned n = f->bw - (unsigned)(a % f->bw);

	return n < left ? n : left;
}

static enum cfi_mode mode_now(struct cfi_flash *f)
{
	return f->op.running && !f->op.suspended ? CFI_MODE_STATUS : f->set->mode(f);
}

uint64_t cfi_flash_read(struct cfi_flash *f, uint64_t off, unsigned len)
{
	enum cfi_mode mode;
	uint64_t v = 0;

	len = len > 8 ? 8 : len;
	pthread_mutex_lock(&f->lock);
	if (cfi_op_busy(f))
		f->stats.busy_reads++;
	if (f->set->tick)
		f->set->tick(f, true);
	update_mapping(f);		/* an operation may have completed */
	mode = mode_now(f);
	f->stats.reads[mode]++;
	for (unsigned i = 0, n; i < len; i += n) {
		uint64_t a = off + i;

		if (a < off)
			break;		/* past the top of the address space */
		n = cycle_len(f, a, len - i);
		if (a < f->size)
			v |= read_cycle(f, a, n, mode) << (8 * i);
	}
	pthread_mutex_unlock(&f->lock);
	return v;
}

/* What a cycle may change while the array is mapped, to undo it. */
static void snapshot(struct cfi_flash *f)
{
	memcpy(f->undo_cs, f->cs, f->set->state_size);
	f->undo_op = f->op;
	f->undo_stats = f->stats;
	f->undo_toggle = f->toggle;
	f->undo_len = 0;
	f->undo_armed = true;
}

static void restore(struct cfi_flash *f)
{
	uint64_t map_errors = f->stats.map_errors;

	if (f->cut)
		return;		/* the power is gone: what happened stays */
	memcpy(f->cs, f->undo_cs, f->set->state_size);
	f->op = f->undo_op;
	f->stats = f->undo_stats;
	f->stats.map_errors = map_errors;
	f->toggle = f->undo_toggle;
	if (f->undo_len) {
		memcpy(f->image + f->undo_off, f->undo, f->undo_len);
		cfi_sync_range(f, f->undo_off, f->undo_len);
	}
}

void cfi_flash_write(struct cfi_flash *f, uint64_t off, unsigned len,
		     uint64_t val)
{
	len = len > 8 ? 8 : len;
	pthread_mutex_lock(&f->lock);
	f->stats.writes++;
	if (f->cut) {		/* no power: nothing reaches the array */
		pthread_mutex_unlock(&f->lock);
		return;
	}
	for (unsigned i = 0, n; i < len; i += n) {
		uint64_t a = off + i, v = val >> (8 * i);

		if (a < off || f->cut)
			break;		/* past the top of the address space, or
					 * the power failed in an earlier cycle */
		n = cycle_len(f, a, len - i);
		if (n < 8)
			v &= (1ull << (8 * n)) - 1;
		if (f->mapped)
			snapshot(f);
		cfi_op_busy(f);		/* complete what is due first */
		if (f->set->tick)
			f->set->tick(f, false);
		f->cycle_programs = f->stats.programs;
		if (a < f->size)
			f->set->write(f, a, n, v);
		if (!update_mapping(f))
			restore(f);
		f->undo_armed = false;
		if (tracing(TRACE_FLASH))
			trace("flash %s cycle +0x%" PRIx64 " %u 0x%" PRIx64 " -> %s",
			      f->cfg.name ? f->cfg.name : "flash", a, n, v, cfi_mode_names[mode_now(f)]);
	}
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
	if (f->cut) {		/* the VM is stopping: nothing more happens */
		pthread_mutex_unlock(&f->lock);
		return;
	}
	if (f->op.running)
		complete(f);
	memset(f->cs, 0, f->set->state_size);
	memset(&f->op.kind, 0, sizeof(f->op.kind));
	f->op.running = f->op.suspended = false;
	f->toggle = 0;
	f->set->reset(f);
	update_mapping(f);
	pthread_mutex_unlock(&f->lock);
}

/*
 * Host faults on an image.  The image is guest memory: if its file shrinks
 * under us (another program truncates it) or a page of it cannot be backed
 * (the disk is full), touching that page raises SIGBUS in a hart's thread,
 * from the guest's own loads of the mapped array or from a program or
 * erase here.  The handler says which image and what happened in one
 * line, asks the VM to stop, and maps an anonymous page over the bad one
 * so that the access completes and the hart reaches its stop check; norvm
 * then leaves through its normal path (terminal restored) with status 1.
 * Only async-signal-safe calls are made (write, fstat, mmap).
 */
#define WATCH_MAX	8
static struct cfi_flash *_Atomic watched[WATCH_MAX];
static struct sigaction chained;	/* the SIGBUS action before ours */
static long page_size;

static void watch(struct cfi_flash *f, bool on)
{
	for (unsigned i = 0; i < WATCH_MAX; i++) {
		struct cfi_flash *want = on ? NULL : f;

		if (atomic_compare_exchange_strong(&watched[i], &want, on ? f : NULL))
			return;
	}
}

static void put_str(char *buf, size_t *n, size_t cap, const char *s)
{
	while (*s && *n < cap)
		buf[(*n)++] = *s++;
}

static void put_u64(char *buf, size_t *n, size_t cap, uint64_t v)
{
	char d[20];
	unsigned i = 0;

	do
		d[i++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (i && *n < cap)
		buf[(*n)++] = d[--i];
}

/* Handle a SIGBUS at `addr` in f's image; false if it cannot be. */
static bool image_fault(struct cfi_flash *f, void *addr)
{
	uintptr_t page = (uintptr_t)addr & ~(uintptr_t)(page_size - 1);
	struct stat st;

	if (!atomic_exchange(&f->faulted, true)) {
		char msg[1024];
		size_t n = 0;

		put_str(msg, &n, sizeof(msg) - 1, "norvm: ");
		put_str(msg, &n, sizeof(msg) - 1, f->cfg.name ? f->cfg.name : "flash");
		put_str(msg, &n, sizeof(msg) - 1, " image ");
		put_str(msg, &n, sizeof(msg) - 1, f->cfg.path);
		if (!fstat(f->fd, &st) && (uint64_t)st.st_size < f->size) {
			put_str(msg, &n, sizeof(msg) - 1, ": the file was truncated to ");
			put_u64(msg, &n, sizeof(msg) - 1, (uint64_t)st.st_size);
			put_str(msg, &n, sizeof(msg) - 1,
				" bytes by another program while the VM ran (the bank is ");
			put_u64(msg, &n, sizeof(msg) - 1, f->size);
			put_str(msg, &n, sizeof(msg) - 1, " bytes)");
		} else {
			put_str(msg, &n, sizeof(msg) - 1, ": a page of the file could not "
				"be read or written (is its disk full?)");
		}
		put_str(msg, &n, sizeof(msg) - 1, "; stopping the VM");
		msg[n++] = '\n';
		if (write(STDERR_FILENO, msg, n) < 0) {
			/* nothing more can be done */
		}
		vm_request_exit_signal_safe(f->vm, VM_EXIT_ERROR, 1);
	}
	return mmap((void *)page, (size_t)page_size, PROT_READ | PROT_WRITE,
		    MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED;
}

static void on_sigbus(int sig, siginfo_t *si, void *ctx)
{
	uint8_t *addr = si->si_addr;
	int saved_errno = errno;

	for (unsigned i = 0; i < WATCH_MAX; i++) {
		struct cfi_flash *f = atomic_load(&watched[i]);

		if (f && addr >= f->image && addr < f->image + f->size &&
		    image_fault(f, addr)) {
			errno = saved_errno;
			return;
		}
	}
	/* Not an image: what was there before (the console's, or death). */
	if (chained.sa_flags & SA_SIGINFO) {
		chained.sa_sigaction(sig, si, ctx);
	} else if (chained.sa_handler != SIG_DFL && chained.sa_handler != SIG_IGN) {
		chained.sa_handler(sig);
	} else {
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

void cfi_flash_catch_faults(void)
{
	static bool installed;
	struct sigaction sa;

	if (installed)
		return;
	installed = true;
	page_size = sysconf(_SC_PAGESIZE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &chained);
}

/* Open and lock the image; returns the fd or -errno with `err` set. */
static int open_image(const struct cfi_flash_config *c, const struct cfi_part *p,
		      uint64_t *size, uint64_t block, char *err, size_t errlen)
{
	uint64_t want = cfi_part_size(p);
	char role[32];
	struct stat st;
	int fd, e;

	snprintf(role, sizeof(role), "%s image", c->name ? c->name : "flash");
	fd = image_open(c->path, c->readonly, role, err, errlen);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st)) {
		e = errno;
		snprintf(err, errlen, "%s: %s", c->path, strerror(e));
		image_close(fd);
		return -e;
	}
	*size = (uint64_t)st.st_size;
	/* CFI gives a device's size as 2^n bytes: no other size can be told. */
	if (!*size || (want && *size != want) || *size % block || *size > c->window ||
	    (*size & (*size - 1))) {
		if (!*size)
			snprintf(err, errlen, "%s: the image is empty (create one with "
				 "norvm flash create)", c->path);
		else if (want && *size != want)
			snprintf(err, errlen, "%s: size %" PRIu64 " KiB, but a bank of %s is "
				 "%" PRIu64 " KiB (norvm flash create FILE --part %s makes one)",
				 c->path, *size >> 10, p->name, want >> 10, p->name);
		else if (*size % block)
			snprintf(err, errlen, "%s: size %" PRIu64 " is not a multiple of the "
				 "%" PRIu64 " KiB erase block", c->path, *size, block >> 10);
		else if (*size > c->window)
			snprintf(err, errlen, "%s: size %" PRIu64 " MiB is larger than the "
				 "%" PRIu64 " MiB flash window", c->path, *size >> 20,
				 c->window >> 20);
		else
			snprintf(err, errlen, "%s: size %" PRIu64 " KiB is not a power of two, "
				 "which a CFI flash's size must be (pad it with 0xFF bytes to %"
				 PRIu64 " KiB)", c->path, *size >> 10,
				 (uint64_t)1 << log2_ceil(*size) >> 10);
		image_close(fd);
		return -EINVAL;
	}
	/*
	 * A sparse image would get its blocks only when the guest writes, and
	 * a full disk then would be a SIGBUS in the middle of an erase: take
	 * them now, while a clear refusal is still possible.
	 */
	if (!c->readonly && (e = posix_fallocate(fd, 0, (off_t)*size))) {
		snprintf(err, errlen, "%s: cannot allocate the image's %" PRIu64 " KiB on "
			 "its file system: %s", c->path, *size >> 10, strerror(e));
		image_close(fd);
		return -e;
	}
	return fd;
}

/* The bank's size when it has no image: the part's, or the window's. */
static uint64_t volatile_size(const struct cfi_flash_config *c,
			      const struct cfi_part *p)
{
	uint64_t want = cfi_part_size(p), block;

	if (want)
		return want;
	block = cfi_part_block_size(p, 0);
	return c->window - c->window % block;
}

struct cfi_flash *cfi_flash_create(struct vm *vm,
				   const struct cfi_flash_config *cfg,
				   char *err, size_t errlen)
{
	const struct cfi_part *p = cfg->part ? cfg->part : cfi_part_default();
	const struct cfi_cmdset *set;
	struct cfi_flash *f;
	uint64_t size = 0, prog;
	int fd = -1;

	if (cfi_part_check(p, err, errlen))
		return NULL;
	set = cfi_cmdset_for(p->cmdset);
	if (cfi_part_size(p) > cfg->window) {
		snprintf(err, errlen, "a bank of %s is %" PRIu64 " MiB, larger than the "
			 "%" PRIu64 " MiB flash window", p->name, cfi_part_size(p) >> 20,
			 cfg->window >> 20);
		return NULL;
	}
	if (cfg->path) {
		fd = open_image(cfg, p, &size,
				cfi_part_block_size(p, 0), err, errlen);
		if (fd < 0)
			return NULL;
	} else {
		size = volatile_size(cfg, p);
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		image_close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->vm = vm;
	f->cfg = *cfg;
	f->part = *p;
	f->set = set;
	f->fd = fd;
	f->size = size;
	f->dw = p->device_width;
	f->interleave = p->interleave;
	f->bw = f->dw * f->interleave;
	f->timing = cfg->timing;
	pthread_mutex_init(&f->lock, NULL);
	prog = (uint64_t)p->buffer * f->interleave;
	prog = prog < 8 ? 8 : prog;
	if (fd >= 0)
		f->image = mmap(NULL, size, PROT_READ | (cfg->readonly ? 0 : PROT_WRITE),
				MAP_SHARED, fd, 0);
	else
		f->image = map_erased(size);
	if (f->image == MAP_FAILED) {
		f->image = NULL;
		snprintf(err, errlen, "%s: cannot map the image: %s",
			 cfg->path ? cfg->path : "flash", strerror(errno));
		cfi_flash_destroy(f);
		return NULL;
	}
	f->cs = calloc(1, set->state_size);
	f->undo_cs = calloc(1, set->state_size);
	f->op.data = malloc(prog);
	f->op.valid_buf = malloc(prog);
	f->undo = malloc(prog);
	f->undo_cap = prog;
	f->buf = malloc(prog);
	f->buf_valid = malloc(prog);
	if (!f->cs || !f->undo_cs || !f->op.data || !f->op.valid_buf || !f->undo ||
	    !f->buf || !f->buf_valid ||
	    build_blocks(f) || !(f->prot = calloc(f->nblocks, 1)) ||
	    !(f->op.erase = calloc(f->nblocks, 1))) {
		snprintf(err, errlen, "out of memory");
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
	if (fd >= 0)
		watch(f, true);
	return f;
}

void cfi_flash_destroy(struct cfi_flash *f)
{
	if (!f)
		return;
	watch(f, false);
	if (f->image) {
		if (f->op.running && f->cs)
			apply(f);	/* the supply holds up until it is done */
		/* Flushed at exit, whatever `sync` says (README: image safety). */
		if (f->fd >= 0 && !f->cfg.readonly && !f->faulted &&
		    msync(f->image, f->size, MS_SYNC))
			report_sync_error(f, errno, "at exit");
		munmap(f->image, f->size);
	}
	image_close(f->fd);
	pthread_mutex_destroy(&f->lock);
	free(f->blocks);
	free(f->prot);
	free(f->cs);
	free(f->undo_cs);
	free(f->undo);
	free(f->buf);
	free(f->buf_valid);
	free(f->op.data);
	free(f->op.valid_buf);
	free(f->op.erase);
	free(f);
}

uint64_t cfi_flash_size(const struct cfi_flash *f)
{
	return f->size;
}

unsigned cfi_flash_bank_width(const struct cfi_flash *f)
{
	return f->bw;
}

unsigned cfi_flash_device_width(const struct cfi_flash *f)
{
	return f->dw;
}

enum cfi_mode cfi_flash_mode(struct cfi_flash *f)
{
	enum cfi_mode m;

	pthread_mutex_lock(&f->lock);
	cfi_op_busy(f);
	m = mode_now(f);
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

int cfi_flash_create_image(const char *path, uint64_t size, const void *from,
			   size_t from_len, char *err, size_t errlen)
{
	uint8_t *buf;
	int ret;

	if (!size || size % (256u << 10) || size > CFI_MAX_BANK ||
	    (size & (size - 1))) {
		snprintf(err, errlen, "flash create: size %" PRIu64 " bytes: must be a "
			 "power of two, a multiple of 256K and at most 64M (256K, 512K, "
			 "1M, ... 64M)", size);
		return -EINVAL;
	}
	buf = malloc(size);
	if (!buf) {
		snprintf(err, errlen, "flash create: out of memory");
		return -ENOMEM;
	}
	if (from_len > size) {
		snprintf(err, errlen, "flash create: the %zu-byte template does not fit in "
			 "%" PRIu64 " bytes: give a larger --size", from_len, size);
		free(buf);
		return -EFBIG;
	}
	memset(buf, 0xff, size);
	if (from_len)
		memcpy(buf, from, from_len);
	ret = output_write(path, "flash create", buf, size, true, err, errlen);
	free(buf);
	return ret;
}

static int flash_fdt(void *fdt, const struct device *d, const struct board_fdt *b)
{
	const struct cfi_flash *f = d->state;
	char name[48];
	int e;

	snprintf(name, sizeof(name), "flash@%" PRIx64, d->base);
	if ((e = fdt_begin_node(fdt, name)) ||
	    (e = fdt_property_string(fdt, "compatible", "cfi-flash")) ||
	    (e = fdt_device_reg(fdt, d)) ||
	    (e = fdt_property_u32(fdt, "bank-width", f->bw)) ||
	    (e = fdt_property_u32(fdt, "device-width", f->dw)))
		return e;
	return fdt_end_node(fdt);
}

static void reset(void *state)
{
	cfi_flash_reset(state);
}

static void destroy(void *state)
{
	cfi_flash_destroy(state);
}

struct device cfi_flash_device(struct cfi_flash *f)
{
	return (struct device){
		.name = f->cfg.name ? f->cfg.name : "flash", .base = f->cfg.base,
		.size = f->size, .irq = -1, .state = f, .reset = reset,
		.destroy = destroy, .fdt = flash_fdt,
	};
}
