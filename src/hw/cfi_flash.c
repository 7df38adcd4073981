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

/* ---- time and operations ---- */

uint64_t cfi_now(const struct cfi_flash *f)
{
	return f->cfg.clock ? f->cfg.clock(f->cfg.clock_opaque) : vm_mtime(f->vm);
}

/* The operation's effect on the image: the one place it happens. */
static void apply_op(struct cfi_flash *f)
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

/* The operation is done: its effect, then the command set hears of it. */
static void complete_op(struct cfi_flash *f)
{
	apply_op(f);
	f->op.running = f->op.suspended = false;
	f->set->op_done(f);
}

/* Start the operation set up in f->op: done at once, or in `us`. */
static void start_op(struct cfi_flash *f, uint64_t us)
{
	f->op.running = true;
	f->op.suspended = false;
	f->op.fail = f->op.number && f->op.number == f->cfg.fail;
	if (f->op.number && f->op.number == f->cfg.powercut) {
		cfi_power_cut(f);
		return;
	}
	if (!f->timing || !us) {
		complete_op(f);
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
	start_op(f, us);
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
	start_op(f, us);
	return op->result;
}

bool cfi_op_busy(struct cfi_flash *f)
{
	if (!f->op.running || f->op.suspended)
		return false;
	if (cfi_now(f) < f->op.done_at)
		return true;
	complete_op(f);
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
	memcpy(f->undo_set_state, f->set_state, f->set->state_size);
	f->undo_op = f->op;
	f->undo_stats = f->stats;
	f->undo_toggle = f->toggle;
	f->undo_len = 0;
	f->undo_armed = true;
}

static void restore(struct cfi_flash *f)
{
	uint64_t map_errors = f->stats.map_errors;

	if (f->power_lost)
		return;		/* the power is gone: what happened stays */
	memcpy(f->set_state, f->undo_set_state, f->set->state_size);
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
	if (f->power_lost) {		/* no power: nothing reaches the array */
		pthread_mutex_unlock(&f->lock);
		return;
	}
	for (unsigned i = 0, n; i < len; i += n) {
		uint64_t a = off + i, v = val >> (8 * i);

		if (a < off || f->power_lost)
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
	if (f->power_lost) {		/* the VM is stopping: nothing more happens */
		pthread_mutex_unlock(&f->lock);
		return;
	}
	if (f->op.running)
		complete_op(f);
	memset(f->set_state, 0, f->set->state_size);
	memset(&f->op.kind, 0, sizeof(f->op.kind));
	f->op.running = f->op.suspended = false;
	f->toggle = 0;
	f->set->reset(f);
	update_mapping(f);
	pthread_mutex_unlock(&f->lock);
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
		fd = cfi_open_image(cfg, p, &size,
				cfi_part_block_size(p, 0), err, errlen);
		if (fd < 0)
			return NULL;
	} else {
		size = cfi_volatile_size(cfg, p);
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
		f->image = cfi_map_erased(size);
	if (f->image == MAP_FAILED) {
		f->image = NULL;
		snprintf(err, errlen, "%s: cannot map the image: %s",
			 cfg->path ? cfg->path : "flash", strerror(errno));
		cfi_flash_destroy(f);
		return NULL;
	}
	f->set_state = calloc(1, set->state_size);
	f->undo_set_state = calloc(1, set->state_size);
	f->op.data = malloc(prog);
	f->op.valid_buf = malloc(prog);
	f->undo = malloc(prog);
	f->undo_cap = prog;
	f->buf = malloc(prog);
	f->buf_valid = malloc(prog);
	if (!f->set_state || !f->undo_set_state || !f->op.data || !f->op.valid_buf || !f->undo ||
	    !f->buf || !f->buf_valid ||
	    cfi_build_blocks(f) || !(f->prot = calloc(f->nblocks, 1)) ||
	    !(f->op.erase = calloc(f->nblocks, 1))) {
		snprintf(err, errlen, "out of memory");
		cfi_flash_destroy(f);
		return NULL;
	}
	cfi_build_query(f);
	if (vm_register_mmio(vm, cfg->base, size, cfg->name ? cfg->name : "flash",
			  &cfi_flash_ops, f)) {
		snprintf(err, errlen, "flash at 0x%" PRIx64 " overlaps another device",
			 cfg->base);
		cfi_flash_destroy(f);
		return NULL;
	}
	cfi_flash_reset(f);
	if (fd >= 0)
		cfi_watch_faults(f, true);
	return f;
}

void cfi_flash_destroy(struct cfi_flash *f)
{
	if (!f)
		return;
	cfi_watch_faults(f, false);
	if (f->image && f->op.running && f->set_state)
		apply_op(f);	/* the supply holds up until it is done */
	cfi_release_image(f);
	pthread_mutex_destroy(&f->lock);
	free(f->blocks);
	free(f->prot);
	free(f->set_state);
	free(f->undo_set_state);
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
