/*
 * The AMD/Fujitsu standard command set (primary algorithm 0x0002), as the
 * Spansion S29GL and Am29LV data sheets describe it: unlock cycles
 * (0xAA at 0x555, 0x55 at 0x2AA, in device words), autoselect, CFI query,
 * word program, write-to-buffer program, unlock bypass, chip and sector
 * erase with its accept window, erase suspend and resume, and status read
 * through the array (DQ7 data polling, DQ6 toggle, DQ5 exceeded timing,
 * DQ3 erase timer, DQ2 toggle in the erasing sector, DQ1 buffer abort).
 *
 * Reads return array data in read mode, through the unlock cycles, after
 * 0xA0 or 0x80, while a write buffer loads and in unlock bypass: the array
 * stays mapped through all of them.  They stop (and the array is unmapped)
 * in autoselect, CFI, PPB mode, while an operation runs or the erase window
 * is open, in erase suspend (the suspended sectors answer with status), and
 * after a failure until it is reset.
 *
 * Decisions where parts differ or the data sheets are silent:
 * - Only the low 11 bits of a device word address are decoded for unlock
 *   and command cycles (as the parts do: A11 and up are don't care).
 * - A command is the low byte of lane 0 of a cycle of the whole bank
 *   width; narrower cycles are only data (program, buffer) and are
 *   otherwise ignored.  A wrong cycle in a sequence returns to read mode.
 * - Programming a 0 to 1 leaves the bits ANDed and ends with DQ5 = 1: the
 *   part then shows status until 0xF0 (the data sheets allow this; U-Boot
 *   and Linux never ask for it).
 * - An operation made to fail (fail=N) ends as a part's exceeded timing
 *   limits: DQ5 = 1 with DQ6 toggling (DQ7 the complement of the data for
 *   a program, 0 for an erase) until 0xF0.
 * - A protected sector (PPB) or a read-only image: a program shows busy
 *   for 1 us, an erase of only such sectors for 100 us, then read mode,
 *   nothing changed (the S29GL data sheet's behaviour).
 * - Without the timing model the sector erase window stays open until the
 *   next read (so several 0x30 in a row erase several sectors); with it,
 *   for 50 us after each 0x30.  Any other command in the window cancels
 *   the erase.
 * - Erase suspend is offered (primary table: read only) only with the
 *   timing model; program suspend and program during erase suspend are
 *   not modelled, nor the Secured Silicon region.  PPB bits (0xC0 mode)
 *   survive a reset but not norvm's exit.
 */
#include <string.h>

#include "hw/cfi_cmdset.h"

enum state {
	S_READ,		/* read mode (erase-suspend-read when suspended) */
	S_AUTOSELECT,
	S_CFI,
	S_PROGRAM,	/* after 0xA0: the next write is the data */
	S_ERASE,	/* after 0x80: unlock, then 0x10 or 0x30 */
	S_BUF_COUNT,	/* after 0x25 at SA: the word count - 1 */
	S_BUF_DATA,
	S_BUF_CONFIRM,	/* buffer loaded: 0x29 at SA */
	S_ABORT,	/* write-to-buffer abort: DQ1 until AA 55 F0 */
	S_WINDOW,	/* sector erase accepted, more may follow */
	S_BUSY,		/* an operation runs */
	S_FAILED,	/* DQ5: until 0xF0 */
	S_PPB,		/* PPB command set (AA 55 C0) */
	S_PPB_PROGRAM,	/* after 0xA0: 0x00 at SA sets the sector's PPB */
	S_PPB_ERASE,	/* after 0x80: 0x30 clears every PPB */
};

enum kind {
	K_RESET, K_AUTOSELECT, K_QUERY, K_PROGRAM, K_WRITE_BUFFER, K_BUFFER_CONFIRM,
	K_BUFFER_ABORT, K_ABORT_RESET, K_BYPASS, K_BYPASS_EXIT, K_CHIP_ERASE,
	K_SECTOR_ERASE, K_SUSPEND, K_RESUME, K_PPB, K_PPB_PROGRAM, K_PPB_ERASE,
	K_INVALID, K_KINDS
};

static const char *const kind_names[K_KINDS] = {
	"reset", "autoselect", "query", "program", "write_buffer", "buffer_confirm",
	"buffer_abort", "abort_reset", "unlock_bypass", "unlock_bypass_exit",
	"chip_erase", "sector_erase", "suspend", "resume", "ppb", "ppb_program",
	"ppb_erase", "invalid"
};

#define PROT_PPB	0x04	/* persistent protection bit (with CFI_PROT_WRITE) */
#define WINDOW_US	50	/* sector erase accept window */
#define REFUSED_PROGRAM_US	1
#define REFUSED_ERASE_US	100

struct amd {
	enum state state;
	unsigned unlock;	/* unlock cycles seen: 0, 1 (AA) or 2 (AA 55) */
	bool bypass;		/* unlock bypass mode */
	bool bypass_exit;	/* 0x90 seen in bypass: 0x00 leaves it */
	bool suspended;		/* an erase is suspended */
	enum state cfi_from;	/* where 0xF0 returns from CFI */
	uint8_t d7[8];		/* per lane: bit 7 of the data being programmed */
	bool erase_fail;	/* the failure is an erase's (DQ7 0) */
	uint64_t sa;		/* write buffer: the sector address given */
	uint64_t page;		/* write buffer: its page (first data write) */
	unsigned buf_left;
	bool buf_started;
	uint64_t window_end;	/* erase window closes (timing model) */
};

static struct amd *amd_of(struct cfi_flash *f)
{
	return f->set_state;
}

/* The device word address's low bits, as the parts decode commands. */
static unsigned cmd_addr(const struct cfi_flash *f, uint64_t off)
{
	return (unsigned)(off / f->bw) & 0x7ff;
}

static uint64_t page_bytes(const struct cfi_flash *f)
{
	return (uint64_t)f->part.buffer * f->interleave;
}

/* Remember DQ7 of the data each device is programming. */
static void note_d7(struct cfi_flash *f, uint64_t off, unsigned len, uint64_t val)
{
	for (unsigned i = 0; i < len; i++) {
		unsigned at = (unsigned)((off + i) % f->bw);

		if (at % f->dw == 0)	/* a lane's low byte carries DQ7 */
			amd_of(f)->d7[at / f->dw] = (uint8_t)(val >> (8 * i)) & 0x80;
	}
}

static void to_read(struct cfi_flash *f)
{
	amd_of(f)->state = S_READ;
	amd_of(f)->unlock = 0;
}

static void invalid(struct cfi_flash *f)
{
	cfi_count(f, K_INVALID);
	to_read(f);
}

/* ---- operations ---- */

static void program(struct cfi_flash *f, uint64_t off, unsigned len, uint64_t val)
{
	bool refused = cfi_check(f, cfi_block_index(f, off)) != CFI_OP_OK;
	uint8_t d[8];

	for (unsigned i = 0; i < len; i++)
		d[i] = (uint8_t)(val >> (8 * i));
	note_d7(f, off, len, val);
	amd_of(f)->state = S_BUSY;
	cfi_op_program(f, off, d, NULL, len, 1,
		       refused ? REFUSED_PROGRAM_US : f->part.typ[CFI_T_WORD]);
}

/* Start the erase of the selected sectors (chip erase: all of them). */
static void erase_start(struct cfi_flash *f, bool chip)
{
	unsigned todo = 0, n = 0;
	uint64_t us;

	for (unsigned b = 0; b < f->nblocks; b++)
		if (f->op.erase[b]) {
			n++;
			todo += cfi_check(f, b) == CFI_OP_OK;
		}
	if (!todo)
		us = REFUSED_ERASE_US;
	else if (chip && f->part.typ[CFI_T_CHIP])
		us = f->part.typ[CFI_T_CHIP];
	else
		us = f->part.typ[CFI_T_BLOCK] * todo;
	memset(amd_of(f)->d7, 0, sizeof(amd_of(f)->d7));
	amd_of(f)->state = S_BUSY;
	cfi_op_erase(f, us);
}

static void window_open(struct cfi_flash *f, uint64_t off)
{
	cfi_op_erase_select(f, cfi_block_index(f, off));
	amd_of(f)->state = S_WINDOW;
	amd_of(f)->window_end = cfi_now(f) + WINDOW_US * CFI_TICKS_PER_US;
}

static void amd_tick(struct cfi_flash *f, bool read)
{
	if (amd_of(f)->state != S_WINDOW)
		return;
	if (f->timing ? cfi_now(f) >= amd_of(f)->window_end : read)
		erase_start(f, false);
}

static void suspend(struct cfi_flash *f)
{
	cfi_count(f, K_SUSPEND);
	if (amd_of(f)->state == S_WINDOW)
		erase_start(f, false);	/* ends the window at once */
	if (f->op.kind == CFI_OP_ERASE && cfi_op_suspend(f)) {
		amd_of(f)->suspended = true;
		to_read(f);
	}
}

static void resume(struct cfi_flash *f)
{
	cfi_count(f, K_RESUME);
	if (amd_of(f)->suspended && cfi_op_resume(f)) {
		amd_of(f)->suspended = false;
		amd_of(f)->state = S_BUSY;
	}
}

/* ---- the write buffer ---- */

static void buffer_abort(struct cfi_flash *f)
{
	cfi_count(f, K_BUFFER_ABORT);
	amd_of(f)->state = S_ABORT;
	amd_of(f)->unlock = 0;
}

static void buffer_count(struct cfi_flash *f, uint64_t off, uint8_t c)
{
	struct amd *s = amd_of(f);
	uint64_t words = (uint64_t)c + 1;

	if (!f->part.buffer || words * f->dw > f->part.buffer ||
	    cfi_block_index(f, off) != cfi_block_index(f, s->sa)) {
		buffer_abort(f);
		return;
	}
	s->buf_left = (unsigned)words;
	s->buf_started = false;
	memset(f->buf_valid, 0, page_bytes(f));
	s->state = S_BUF_DATA;
}

static void buffer_data(struct cfi_flash *f, uint64_t off, unsigned len, uint64_t val)
{
	struct amd *s = amd_of(f);
	uint64_t page = page_bytes(f);

	if (!s->buf_started) {
		s->page = off - off % page;
		s->buf_started = true;
	}
	if (off < s->page || off + len > s->page + page ||
	    cfi_block_index(f, off) != cfi_block_index(f, s->sa)) {
		buffer_abort(f);
		return;
	}
	for (unsigned i = 0; i < len; i++) {
		f->buf[off - s->page + i] = (uint8_t)(val >> (8 * i));
		f->buf_valid[off - s->page + i] = 1;
	}
	note_d7(f, off, len, val);
	if (--s->buf_left == 0)
		s->state = S_BUF_CONFIRM;
}

static void buffer_program(struct cfi_flash *f)
{
	struct amd *s = amd_of(f);
	uint64_t page = page_bytes(f), words = 0;
	bool refused = cfi_check(f, cfi_block_index(f, s->sa)) != CFI_OP_OK;

	for (uint64_t i = 0; i < page; i += f->bw)
		for (unsigned j = 0; j < f->bw; j++)
			if (f->buf_valid[i + j]) {
				words++;
				break;
			}
	s->state = S_BUSY;
	cfi_op_program(f, s->page, f->buf, f->buf_valid, page, words,
		       refused ? REFUSED_PROGRAM_US : f->part.typ[CFI_T_BUFFER]);
}

/* ---- command decoding ---- */

/* The third cycle of an unlocked command (after AA 55). */
static void unlocked(struct cfi_flash *f, uint64_t off, uint8_t c)
{
	struct amd *s = amd_of(f);
	bool at555 = cmd_addr(f, off) == 0x555;

	s->unlock = 0;
	if (c == 0x25 && !s->suspended) {
		cfi_count(f, K_WRITE_BUFFER);
		s->sa = off;
		s->state = S_BUF_COUNT;
	} else if (!at555) {
		invalid(f);
	} else if (c == 0x90) {
		cfi_count(f, K_AUTOSELECT);
		s->state = S_AUTOSELECT;
	} else if (c == 0xf0) {
		cfi_count(f, K_RESET);
		to_read(f);
	} else if (s->suspended) {
		invalid(f);		/* nothing else runs in erase suspend */
	} else if (c == 0xa0) {
		cfi_count(f, K_PROGRAM);
		s->state = S_PROGRAM;
	} else if (c == 0x80) {
		s->state = S_ERASE;
	} else if (c == 0x20) {
		cfi_count(f, K_BYPASS);
		s->bypass = true;
	} else if (c == 0xc0) {
		cfi_count(f, K_PPB);
		s->state = S_PPB;
	} else {
		invalid(f);
	}
}

/* Unlock cycles: true when the cycle was one (or broke a sequence). */
static bool unlock_cycle(struct cfi_flash *f, uint64_t off, uint8_t c)
{
	struct amd *s = amd_of(f);

	if (s->unlock == 0 && c == 0xaa && cmd_addr(f, off) == 0x555) {
		s->unlock = 1;
		return true;
	}
	if (s->unlock == 1) {
		if (c == 0x55 && cmd_addr(f, off) == 0x2aa)
			s->unlock = 2;
		else
			invalid(f);
		return true;
	}
	return false;
}

/* Read mode (and erase-suspend-read), unlock bypass included. */
static void read_mode(struct cfi_flash *f, uint64_t off, uint8_t c)
{
	struct amd *s = amd_of(f);

	if (s->bypass && !s->unlock) {
		if (s->bypass_exit) {
			s->bypass_exit = false;
			if (c == 0x00) {
				cfi_count(f, K_BYPASS_EXIT);
				s->bypass = false;
			} else {
				cfi_count(f, K_INVALID);
			}
		} else if (c == 0xa0) {
			cfi_count(f, K_PROGRAM);
			s->state = S_PROGRAM;
		} else if (c == 0x80) {
			s->state = S_ERASE;
		} else if (c == 0x25) {
			cfi_count(f, K_WRITE_BUFFER);
			s->sa = off;
			s->state = S_BUF_COUNT;
		} else if (c == 0x90) {
			s->bypass_exit = true;
		} else {
			cfi_count(f, K_INVALID);
		}
		return;
	}
	if (s->unlock == 2) {
		unlocked(f, off, c);
		return;
	}
	if (unlock_cycle(f, off, c))
		return;
	if (c == 0xf0) {
		cfi_count(f, K_RESET);
	} else if (c == 0x98 && cmd_addr(f, off) == 0x55) {
		cfi_count(f, K_QUERY);
		s->cfi_from = S_READ;
		s->state = S_CFI;
	} else if (c == 0x30 && s->suspended) {
		resume(f);
	} else if (c == 0xb0) {
		cfi_count(f, K_SUSPEND);	/* nothing runs: ignored */
	} else {
		cfi_count(f, K_INVALID);
	}
}

/* After 0x80: AA 55 then 0x10 (chip) or 0x30 (sector); bypass skips AA 55. */
static void erase_setup(struct cfi_flash *f, uint64_t off, uint8_t c)
{
	struct amd *s = amd_of(f);

	if (!s->bypass && s->unlock < 2) {
		if (!unlock_cycle(f, off, c))
			invalid(f);
		return;
	}
	s->unlock = 0;
	cfi_op_erase_clear(f);
	if (c == 0x10 && (s->bypass || cmd_addr(f, off) == 0x555)) {
		cfi_count(f, K_CHIP_ERASE);
		for (unsigned b = 0; b < f->nblocks; b++)
			cfi_op_erase_select(f, b);
		erase_start(f, true);
	} else if (c == 0x30) {
		cfi_count(f, K_SECTOR_ERASE);
		window_open(f, off);
	} else {
		invalid(f);
	}
}

static void ppb(struct cfi_flash *f, uint64_t off, uint8_t c)
{
	struct amd *s = amd_of(f);
	unsigned b = cfi_block_index(f, off);

	switch (s->state) {
	case S_PPB:
		if (c == 0xa0)
			s->state = S_PPB_PROGRAM;
		else if (c == 0x80)
			s->state = S_PPB_ERASE;
		else if (c == 0x90)
			s->bypass_exit = true;
		else if (c == 0x00 && s->bypass_exit) {
			s->bypass_exit = false;
			to_read(f);
		}
		break;
	case S_PPB_PROGRAM:
		s->state = S_PPB;
		if (c == 0x00) {
			cfi_count(f, K_PPB_PROGRAM);
			f->prot[b] |= PROT_PPB | CFI_PROT_WRITE;
		}
		break;
	default:
		s->state = S_PPB;
		if (c == 0x30) {
			cfi_count(f, K_PPB_ERASE);
			memset(f->prot, 0, f->nblocks);
		}
		break;
	}
}

static void amd_write(struct cfi_flash *f, uint64_t off, unsigned len, uint64_t val)
{
	struct amd *s = amd_of(f);
	uint8_t c = (uint8_t)val;

	/* Data cycles take any width. */
	if (s->state == S_PROGRAM) {
		program(f, off, len, val);
		return;
	}
	if (s->state == S_BUF_DATA) {
		buffer_data(f, off, len, val);
		return;
	}
	if (len < f->bw) {
		cfi_count(f, K_INVALID);	/* reaches only some devices */
		return;
	}
	switch (s->state) {
	case S_READ:
		read_mode(f, off, c);
		break;
	case S_AUTOSELECT:
		if (c == 0xf0) {
			cfi_count(f, K_RESET);
			to_read(f);
		} else if (c == 0x98 && cmd_addr(f, off) == 0x55) {
			cfi_count(f, K_QUERY);
			s->cfi_from = S_AUTOSELECT;
			s->state = S_CFI;
		} else if (!unlock_cycle(f, off, c) && s->unlock == 2) {
			s->unlock = 0;		/* AA 55 90 again: stays */
		}
		break;
	case S_CFI:
		if (c == 0xf0 || c == 0xff) {
			cfi_count(f, K_RESET);
			s->state = s->cfi_from;
			s->unlock = 0;
		}
		break;
	case S_ERASE:
		erase_setup(f, off, c);
		break;
	case S_BUF_COUNT:
		buffer_count(f, off, c);
		break;
	case S_BUF_CONFIRM:
		if (c == 0x29 && cfi_block_index(f, off) == cfi_block_index(f, s->sa)) {
			cfi_count(f, K_BUFFER_CONFIRM);
			buffer_program(f);
		} else {
			buffer_abort(f);
		}
		break;
	case S_ABORT:
		if (s->unlock == 2) {
			s->unlock = 0;
			if (c == 0xf0 && cmd_addr(f, off) == 0x555) {
				cfi_count(f, K_ABORT_RESET);
				to_read(f);
			}
		} else if (s->unlock == 1) {
			s->unlock = c == 0x55 && cmd_addr(f, off) == 0x2aa ? 2 : 0;
		} else if (c == 0xaa && cmd_addr(f, off) == 0x555) {
			s->unlock = 1;
		}
		break;
	case S_WINDOW:
		if (c == 0x30) {
			cfi_count(f, K_SECTOR_ERASE);
			window_open(f, off);
		} else if (c == 0xb0) {
			suspend(f);
		} else {
			cfi_count(f, K_INVALID);	/* cancels the erase */
			cfi_op_erase_clear(f);
			to_read(f);
		}
		break;
	case S_BUSY:
		if (c == 0xb0)
			suspend(f);
		break;			/* everything else is ignored */
	case S_FAILED:
		if (c == 0xf0) {
			cfi_count(f, K_RESET);
			to_read(f);
		}
		break;
	default:
		ppb(f, off, c);
		break;
	}
}

/* ---- reads ---- */

static enum cfi_mode amd_mode(struct cfi_flash *f)
{
	switch (amd_of(f)->state) {
	case S_READ: case S_PROGRAM: case S_ERASE:
	case S_BUF_COUNT: case S_BUF_DATA: case S_BUF_CONFIRM:
		return amd_of(f)->suspended ? CFI_MODE_STATUS : CFI_MODE_ARRAY;
	case S_AUTOSELECT: case S_PPB: case S_PPB_PROGRAM: case S_PPB_ERASE:
		return CFI_MODE_ID;
	case S_CFI:
		return CFI_MODE_QUERY;
	default:
		return CFI_MODE_STATUS;
	}
}

static uint32_t autoselect(struct cfi_flash *f, uint64_t word)
{
	unsigned b = cfi_block_index(f, word);

	switch ((word / f->bw) & 0xff) {
	case 0x00: return f->part.mfr;
	case 0x01: return f->part.id[0];
	case 0x02: return f->prot[b] & CFI_PROT_WRITE ? 1 : 0;
	case 0x0e: return f->part.id[1];
	case 0x0f: return f->part.id[2];
	default: return 0;
	}
}

static uint32_t amd_read(struct cfi_flash *f, uint64_t word, unsigned lane)
{
	struct amd *s = amd_of(f);
	unsigned b = cfi_block_index(f, word), t = f->toggle & 1;
	uint8_t dq6 = t ? CFI_DQ6_TOGGLE : 0, dq2 = t ? CFI_DQ2_TOGGLE : 0;
	bool erasing = cfi_op_erasing(f, b);
	uint32_t mask = f->dw == 4 ? 0xffffffffu : (1u << (8 * f->dw)) - 1;

	switch (s->state) {
	case S_AUTOSELECT:
		return autoselect(f, word) & mask;
	case S_PPB: case S_PPB_PROGRAM: case S_PPB_ERASE:
		return f->prot[b] & PROT_PPB ? 0 : 1;	/* DQ0 0: protected */
	case S_CFI:
		return word / f->bw < CFI_QUERY_MAX ? f->query[word / f->bw] : 0;
	case S_WINDOW:
		return dq6 | (erasing ? dq2 : 0);	/* DQ3 0: still accepting */
	case S_BUSY:
		if (f->op.kind == CFI_OP_ERASE)
			return dq6 | CFI_DQ3_ERASING | (erasing ? dq2 : 0);
		return (s->d7[lane] ^ CFI_DQ7_POLL) | dq6;
	case S_FAILED:
		return (s->erase_fail ? 0 : s->d7[lane] ^ CFI_DQ7_POLL) | dq6 |
		       CFI_DQ5_TIMEOUT;
	case S_ABORT:
		return (s->d7[lane] ^ CFI_DQ7_POLL) | dq6 | CFI_DQ1_ABORT;
	default:
		/* erase-suspend-read: the suspended sectors answer DQ7 1, DQ2 */
		if (s->suspended && erasing)
			return CFI_DQ7_POLL | dq2;
		return cfi_array_word(f, word, lane);
	}
}

/* ---- the rest of the ops ---- */

static void amd_op_done(struct cfi_flash *f)
{
	struct amd *s = amd_of(f);

	if (f->op.kind == CFI_OP_ERASE)
		s->suspended = false;
	if (s->state != S_BUSY)
		return;
	if (f->op.result == CFI_OP_NOT_ERASED || f->op.result == CFI_OP_FAILED) {
		s->erase_fail = f->op.kind == CFI_OP_ERASE;
		s->state = S_FAILED;
	} else {
		to_read(f);
	}
}

static void amd_reset(struct cfi_flash *f)
{
	/* PPBs are non-volatile: they outlive a reset. */
	for (unsigned b = 0; b < f->nblocks; b++)
		f->prot[b] = f->prot[b] & PROT_PPB ? PROT_PPB | CFI_PROT_WRITE : 0;
	to_read(f);
}

/* AMD primary vendor table, after "PRI" and the version. */
static void amd_pri(struct cfi_flash *f, uint8_t *p)
{
	unsigned boot = cfi_part_boot(&f->part);

	p[5] = 0x00;			/* address-sensitive unlock required */
	p[6] = f->timing ? 1 : 0;	/* erase suspend: to read only */
	p[7] = 0x01;			/* sector protection, one per group */
	p[8] = 0x00;			/* no temporary unprotect */
	p[9] = 0x08;			/* advanced sector protection (PPB) */
	p[10] = 0x00;			/* no simultaneous operation */
	p[11] = 0x00;			/* no burst mode */
	p[12] = 0x00;			/* no page mode */
	p[13] = 0xb5; p[14] = 0xc5;	/* ACC 11.5 - 12.5 V */
	p[15] = (uint8_t)(boot ? boot : 4);	/* 2 bottom, 3 top, 4 uniform */
	if (f->part.pri_minor < 3)
		return;			/* version 1.0-1.2: 16 bytes */
	p[16] = 0x00;			/* no program suspend */
	p[17] = 0x01;			/* unlock bypass */
}

static const struct cfi_cmdset amd = {
	.name = "amd",
	.title = "AMD/Fujitsu",
	.ids = { 0x0002 },
	.part = { .mfr = 0x01, .id = { 0x227e, 0x2222, 0x2201 }, .pri_minor = 3 },	/* S29GL256P */
	.pri_min = 0x40,
	.state_size = sizeof(struct amd),
	.cmd_names = kind_names,
	.ncmds = K_KINDS,
	.top_boot_reversed = true,
	.reset = amd_reset,
	.write = amd_write,
	.mode = amd_mode,
	.read = amd_read,
	.op_done = amd_op_done,
	.tick = amd_tick,
	.pri = amd_pri,
	.pri_len = 0x14,
};

CFI_CMDSET_REGISTER(amd)
