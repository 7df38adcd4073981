/*
 * The Intel/Sharp command set: extended (primary algorithm 0x0001) and
 * standard (0x0003, the same commands without the write buffer and block
 * locking on the parts that use it).
 *
 * Decisions where parts differ:
 * - A command is the low byte of lane 0 of a cycle of the whole bank
 *   width.  A narrower cycle reaches only some of the devices, so it is
 *   not taken as a command (it is still data for a program or buffer
 *   cycle): probes that try narrower port widths then read array data and
 *   do not mistake the bank for a narrower geometry.
 * - Unknown commands and broken sequences set the command sequence error
 *   (SR4 + SR5) and leave the bank in read-status mode.
 * - A read-only image behaves like a part with VPP low: program sets SR4 +
 *   SR3, erase SR5 + SR3, and nothing changes.
 * - Without the timing model operations complete at once, so there is
 *   nothing to suspend: the primary table offers no program or erase
 *   suspend, SR6 and SR2 never set, and a suspend or a lone resume only
 *   enters read-status mode.  With it, the table offers both, SR7 reads 0
 *   while an operation runs, 0xB0 suspends it (SR6 for an erase, SR2 for a
 *   program; read array then reads the other blocks) and 0xD0 resumes it.
 *   While one runs or is suspended, only 0x70, 0xB0, 0xD0 and the read
 *   modes are taken; anything else is a sequence error.
 * - WP# is held low: a locked-down block (0x60 0x2F) stays locked, and
 *   ignores unlock, until the bank is reset.  Parts without block locking
 *   take 0x60 as an unknown command.
 * - The AMD unlock cycles (0xAA, 0x55) that probes send are ignored.
 * - An operation made to fail (fail=N) ends with SR7 and SR4 (program) or
 *   SR5 (erase), as a part whose cells would not verify.
 */
#include <string.h>

#include "hw/cfi_cmdset.h"

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

/* Block protection bits, as the identifier space reports them at +2. */
#define LOCK_LOCKED	CFI_PROT_WRITE
#define LOCK_DOWN	0x02

enum kind {
	K_READ_ARRAY, K_READ_ID, K_QUERY, K_STATUS, K_CLEAR_STATUS, K_PROGRAM,
	K_BUFFERED, K_ERASE, K_LOCK, K_UNLOCK, K_LOCK_DOWN, K_SUSPEND, K_RESUME,
	K_INVALID, K_KINDS
};

static const char *const kind_names[K_KINDS] = {
	"read_array", "read_id", "query", "read_status", "clear_status",
	"program", "buffered_program", "erase", "lock", "unlock", "lock_down",
	"suspend", "resume", "invalid"
};

struct intel {
	enum cfi_mode mode;
	enum cycle cycle;
	uint8_t status;
	/* the write buffer */
	uint64_t buf_start;		/* bank offset of the first data write */
	unsigned buf_left;		/* data writes still expected */
	bool buf_started;
	bool buf_bad;			/* a data write fell outside the window */
};

static struct intel *intel_of(struct cfi_flash *f)
{
	return f->set_state;
}

static uint64_t buf_bytes(const struct cfi_flash *f)
{
	return (uint64_t)f->part.buffer * f->interleave;
}

static void fail(struct cfi_flash *f, uint8_t bits)
{
	intel_of(f)->status |= bits;
}

static bool op_pending(const struct cfi_flash *f)
{
	return f->op.running;
}

/* Can the block holding `off` be changed?  Sets the error bits if not. */
static bool writable(struct cfi_flash *f, uint64_t off, uint8_t error)
{
	switch (cfi_check(f, cfi_block_index(f, off))) {
	case CFI_OP_READONLY:
		fail(f, error | CFI_SR_VPP_LOW);
		return false;
	case CFI_OP_PROTECTED:
		fail(f, error | CFI_SR_LOCKED);
		return false;
	default:
		return true;
	}
}

static void program(struct cfi_flash *f, uint64_t off, unsigned len,
		    uint64_t val)
{
	uint8_t d[8];

	if (!writable(f, off, CFI_SR_PROG_ERROR))
		return;
	for (unsigned i = 0; i < len; i++)
		d[i] = (uint8_t)(val >> (8 * i));
	cfi_op_program(f, off, d, NULL, len, 1, f->part.typ[CFI_T_WORD]);
}

static void erase(struct cfi_flash *f, uint64_t off)
{
	if (!writable(f, off, CFI_SR_ERASE_ERROR))
		return;
	cfi_op_erase_clear(f);
	cfi_op_erase_select(f, cfi_block_index(f, off));
	cfi_op_erase(f, f->part.typ[CFI_T_BLOCK]);
}

static void buffer_begin(struct cfi_flash *f, uint8_t count)
{
	struct intel *s = intel_of(f);
	unsigned words = (unsigned)count + 1;

	if (!f->part.buffer || words * f->dw > f->part.buffer) {
		fail(f, CFI_SR_PROG_ERROR | CFI_SR_ERASE_ERROR);
		s->cycle = CYCLE_NONE;
		return;
	}
	s->buf_left = words;
	s->buf_started = false;
	s->buf_bad = false;
	memset(f->buf_valid, 0, buf_bytes(f));
	s->cycle = CYCLE_BUF_DATA;
}

/*
 * A data write into the buffer.  The window is the buffer's size from the
 * first data write (as U-Boot and Linux expect, sending the setup to the
 * block's base), within one block.
 */
static void buffer_data(struct cfi_flash *f, uint64_t off, unsigned len,
			uint64_t val)
{
	struct intel *s = intel_of(f);
	uint64_t bytes = buf_bytes(f);

	if (!s->buf_started) {
		s->buf_start = off;
		s->buf_started = true;
	}
	if (off < s->buf_start || off + len > s->buf_start + bytes ||
	    cfi_block_index(f, off) != cfi_block_index(f, s->buf_start) ||
	    off + len > f->size) {
		s->buf_bad = true;
	} else {
		for (unsigned i = 0; i < len; i++) {
			f->buf[off - s->buf_start + i] = (uint8_t)(val >> (8 * i));
			f->buf_valid[off - s->buf_start + i] = 1;
		}
	}
	if (--s->buf_left == 0)
		s->cycle = CYCLE_BUF_CONFIRM;
}

static void buffer_commit(struct cfi_flash *f)
{
	struct intel *s = intel_of(f);
	uint64_t bytes = buf_bytes(f), len = 0, words = 0;

	if (s->buf_bad) {
		fail(f, CFI_SR_PROG_ERROR | CFI_SR_ERASE_ERROR);
		return;
	}
	if (!writable(f, s->buf_start, CFI_SR_PROG_ERROR))
		return;
	for (uint64_t i = 0; i < bytes; i++)
		if (f->buf_valid[i])
			len = i + 1;
	if (len > f->size - s->buf_start)
		len = f->size - s->buf_start;
	for (uint64_t i = 0; i < len; i += f->bw)
		for (unsigned j = 0; j < f->bw && i + j < len; j++)
			if (f->buf_valid[i + j]) {
				words++;
				break;
			}
	cfi_op_program(f, s->buf_start, f->buf, f->buf_valid, len, words,
		       f->part.typ[CFI_T_BUFFER]);
}

/* The second cycle of a two-cycle command. */
static void second_cycle(struct cfi_flash *f, uint64_t off, unsigned len,
			 uint64_t val, uint8_t cmd)
{
	struct intel *s = intel_of(f);
	unsigned b = cfi_block_index(f, off);
	enum cycle c = s->cycle;

	s->cycle = CYCLE_NONE;
	s->mode = CFI_MODE_STATUS;
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
		if (cmd == 0x01) {
			cfi_count(f, K_LOCK);
			f->prot[b] |= LOCK_LOCKED;
		} else if (cmd == 0x2f) {
			cfi_count(f, K_LOCK_DOWN);
			f->prot[b] = LOCK_LOCKED | LOCK_DOWN;
		} else if (cmd == 0xd0) {
			cfi_count(f, K_UNLOCK);
			/* With WP# low a locked-down block ignores unlock. */
			if (!(f->prot[b] & LOCK_DOWN))
				f->prot[b] = 0;
		} else {
			fail(f, CFI_SR_PROG_ERROR | CFI_SR_ERASE_ERROR);
		}
		break;
	case CYCLE_BUF_COUNT:
		buffer_begin(f, cmd);
		break;
	case CYCLE_BUF_DATA:
		s->cycle = CYCLE_BUF_DATA;
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

/* 0xB0: suspend what runs (timing model), else just read status. */
static void suspend(struct cfi_flash *f)
{
	if (cfi_op_suspend(f))
		intel_of(f)->status |= f->op.kind == CFI_OP_ERASE ? CFI_SR_ERASE_SUSPENDED :
							     CFI_SR_PROG_SUSPENDED;
}

static void resume(struct cfi_flash *f)
{
	if (cfi_op_resume(f))
		intel_of(f)->status &= (uint8_t)~(CFI_SR_ERASE_SUSPENDED | CFI_SR_PROG_SUSPENDED);
}

static void command(struct cfi_flash *f, uint8_t cmd)
{
	struct intel *s = intel_of(f);
	bool setup = false;
	enum kind kind;

	switch (cmd) {
	case 0xff: case 0xf0: case 0x00:
		kind = K_READ_ARRAY;
		s->mode = CFI_MODE_ARRAY;
		break;
	case 0x90:
		kind = K_READ_ID;
		s->mode = CFI_MODE_ID;
		break;
	case 0x98:
		kind = K_QUERY;
		s->mode = CFI_MODE_QUERY;
		break;
	case 0x70:
		kind = K_STATUS;
		s->mode = CFI_MODE_STATUS;
		break;
	case 0x50:
		kind = K_CLEAR_STATUS;
		s->status &= CFI_SR_ERASE_SUSPENDED | CFI_SR_PROG_SUSPENDED;
		break;
	case 0x40: case 0x10:
		kind = K_PROGRAM;
		s->cycle = CYCLE_PROGRAM;
		setup = true;
		break;
	case 0xe8:
		kind = K_BUFFERED;
		s->cycle = CYCLE_BUF_COUNT;
		setup = true;
		break;
	case 0x20:
		kind = K_ERASE;
		s->cycle = CYCLE_ERASE;
		setup = true;
		break;
	case 0x60:
		if (!f->part.lockable)
			goto invalid;
		/* counted as lock or unlock by its second cycle */
		s->cycle = CYCLE_LOCK;
		s->mode = CFI_MODE_STATUS;
		if (op_pending(f))
			goto busy;
		return;
	case 0xb0:
		kind = K_SUSPEND;
		s->mode = CFI_MODE_STATUS;
		suspend(f);
		break;
	case 0xd0:
		kind = K_RESUME;
		s->mode = CFI_MODE_STATUS;
		resume(f);
		break;
	case 0xaa: case 0x55:
		return;		/* AMD unlock cycles: not for this part */
	default:
	invalid:
		kind = K_INVALID;
		fail(f, CFI_SR_PROG_ERROR | CFI_SR_ERASE_ERROR);
		s->mode = CFI_MODE_STATUS;
		break;
	}
	if (setup) {
		s->mode = CFI_MODE_STATUS;
		if (op_pending(f)) {
		busy:	/* one operation at a time (no program in erase suspend) */
			s->cycle = CYCLE_NONE;
			kind = K_INVALID;
			fail(f, CFI_SR_PROG_ERROR | CFI_SR_ERASE_ERROR);
		}
	}
	cfi_count(f, kind);
}

static void intel_write(struct cfi_flash *f, uint64_t off, unsigned len,
			uint64_t val)
{
	struct intel *s = intel_of(f);
	uint8_t cmd = (uint8_t)val;

	if (s->cycle == CYCLE_PROGRAM || s->cycle == CYCLE_BUF_DATA)
		second_cycle(f, off, len, val, cmd);
	else if (len < f->bw)
		cfi_count(f, K_INVALID);	/* partial: ignored */
	else if (s->cycle != CYCLE_NONE)
		second_cycle(f, off, len, val, cmd);
	else
		command(f, cmd);
}

static enum cfi_mode intel_mode(struct cfi_flash *f)
{
	return intel_of(f)->cycle == CYCLE_NONE ? intel_of(f)->mode : CFI_MODE_STATUS;
}

static uint32_t intel_read(struct cfi_flash *f, uint64_t word, unsigned lane)
{
	struct intel *s = intel_of(f);
	bool busy = f->op.running && !f->op.suspended;
	unsigned b;
	uint64_t in_block;

	if (busy || intel_mode(f) == CFI_MODE_STATUS)
		return (busy ? 0 : CFI_SR_READY) | s->status;
	switch (s->mode) {
	case CFI_MODE_ID:
		b = cfi_block_index(f, word);
		in_block = (word - f->blocks[b].off) / f->bw;
		if (in_block == 0)
			return f->part.mfr;
		if (in_block == 1)
			return f->part.id[0];
		if (in_block == 2)
			return f->prot[b] & (LOCK_LOCKED | LOCK_DOWN);
		return 0;
	case CFI_MODE_QUERY:
		return word / f->bw < CFI_QUERY_MAX ? f->query[word / f->bw] : 0;
	default:
		return cfi_array_word(f, word, lane);
	}
}

static void intel_reset(struct cfi_flash *f)
{
	struct intel *s = intel_of(f);

	s->mode = CFI_MODE_ARRAY;
	s->cycle = CYCLE_NONE;
	s->status = 0;
	memset(f->prot, 0, f->nblocks);
}

static void intel_op_done(struct cfi_flash *f)
{
	/* Program and erase report refusals before they start. */
	if (f->op.result == CFI_OP_FAILED)	/* fail=N */
		fail(f, f->op.kind == CFI_OP_ERASE ? CFI_SR_ERASE_ERROR :
						     CFI_SR_PROG_ERROR);
}

/* Intel primary extended query, after "PRI" and the version. */
static void intel_pri(struct cfi_flash *f, uint8_t *p)
{
	uint32_t features = 0;

	if (f->timing)
		features |= 0x06;	/* erase and program suspend */
	if (f->part.lockable)
		features |= 0x20;	/* instant individual block locking */
	p[5] = (uint8_t)features;
	p[6] = (uint8_t)(features >> 8);
	p[9] = 0x00;			/* nothing runs while erase is suspended */
	p[10] = f->part.lockable ? 0x03 : 0x00;	/* block status: lock, down */
	p[12] = f->part.vcc_max >= 0x30 ? 0x33 : 0x18;	/* Vcc optimum */
}

static const struct cfi_cmdset intel = {
	.name = "intel",
	.title = "Intel/Sharp",
	.ids = { 0x0001, 0x0003 },
	.part = { .mfr = 0x89, .id = { 0x0018 }, .pri_minor = 0, .lockable = true },	/* 28F128J3 */
	.pri_min = 0x31,
	.state_size = sizeof(struct intel),
	.cmd_names = kind_names,
	.ncmds = K_KINDS,
	.reset = intel_reset,
	.write = intel_write,
	.mode = intel_mode,
	.read = intel_read,
	.op_done = intel_op_done,
	.pri = intel_pri,
	.pri_len = 0x0e,
};

CFI_CMDSET_REGISTER(intel)
