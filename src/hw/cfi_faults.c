/*
 * What a flash operation interrupted on purpose leaves (powercut=N,
 * fail=N, see cfi_flash.h): the bits a program was clearing, or the
 * blocks an erase was resetting, left partly done at random from the
 * bank's seed, the same on every host.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "hw/cfi_cmdset.h"
#include "hw/cfi_core.h"
#include "services.h"

/* splitmix64: small, and the same numbers on every host. */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The random state for operation `n`: a function of the seed and n only. */
static uint64_t rng_for(const struct cfi_flash *f, uint64_t n)
{
	uint64_t s = f->cfg.seed;

	s = rng_next(&s) ^ n * 0xd1b54a32d192ed03ull;
	return s;
}

/* Where an interrupted operation left its mark. */
struct cfi_cut {
	uint64_t off, len;	/* the bytes it left partial */
	unsigned block;
	unsigned done, of;	/* erase: blocks fully erased before, selected */
};

/*
 * An interrupted program: of the bits it was clearing (1 in the image, 0
 * in the data, in the bytes it was given), each is cleared or not at
 * random, and when there are two or more at least one is cleared and one
 * is not.  No other bit changes: a program never sets a bit.
 */
static void partial_program(struct cfi_flash *f, uint64_t *rng, struct cfi_cut *w)
{
	struct cfi_op *op = &f->op;
	uint64_t n = 0, k = 0, yes, no;
	uint64_t bits = 0;
	unsigned have = 0;

	for (uint64_t i = 0; i < op->len; i++)
		if (!op->valid || op->valid[i])
			n += (uint64_t)__builtin_popcount(f->image[op->off + i] & ~op->data[i] & 0xff);
	w->off = op->off;
	w->len = op->len;
	w->block = cfi_block_index(f, op->off);
	if (!n)
		return;
	cfi_undo_save(f, op->off, op->len);
	yes = rng_next(rng) % n;			/* this bit is cleared */
	no = n > 1 ? (yes + 1 + rng_next(rng) % (n - 1)) % n : n;	/* this one not */
	for (uint64_t i = 0; i < op->len; i++) {
		uint8_t *b = &f->image[op->off + i];
		uint8_t clearing, clear = 0;

		if (op->valid && !op->valid[i])
			continue;
		clearing = *b & (uint8_t)~op->data[i];
		for (unsigned j = 0; j < 8; j++) {
			bool c;

			if (!(clearing & 1u << j))
				continue;
			if (!have) {
				bits = rng_next(rng);
				have = 64;
			}
			c = bits & 1;
			bits >>= 1;
			have--;
			if (k == yes)
				c = true;
			else if (k == no)
				c = false;
			k++;
			if (c)
				clear |= (uint8_t)(1u << j);
		}
		*b &= (uint8_t)~clear;
	}
	cfi_sync_range(f, op->off, op->len);
}

/*
 * An interrupted erase: the selected blocks are erased one after another,
 * lowest first; the power fails in one of them, chosen at random.  Those
 * before it are erased; in it each byte is, at random, erased (0xFF),
 * unchanged, or has some of its 0 bits set; those after it are unchanged.
 * An erase only sets bits, and only in its blocks.
 */
static void partial_erase(struct cfi_flash *f, uint64_t *rng, struct cfi_cut *w)
{
	struct cfi_op *op = &f->op;
	unsigned todo = 0, k, i = 0, first = f->nblocks, last = 0;

	for (unsigned b = 0; b < f->nblocks; b++)
		if (op->erase[b] && cfi_check(f, b) == CFI_OP_OK) {
			todo++;
			first = b < first ? b : first;
			last = b;
		}
	if (!todo)
		return;
	cfi_undo_save(f, f->blocks[first].off,
		  f->blocks[last].off + f->blocks[last].size - f->blocks[first].off);
	k = (unsigned)(rng_next(rng) % todo);
	w->done = k;
	w->of = todo;
	for (unsigned b = 0; b < f->nblocks; b++) {
		uint8_t *p = f->image + f->blocks[b].off;

		if (!op->erase[b] || cfi_check(f, b) != CFI_OP_OK)
			continue;
		if (i < k) {
			memset(p, 0xff, f->blocks[b].size);
			f->stats.erased_blocks++;
		} else if (i == k) {
			for (uint64_t j = 0; j < f->blocks[b].size; j += 8) {
				uint64_t r = rng_next(rng);

				for (unsigned m = 0; m < 8 && j + m < f->blocks[b].size;
				     m++, r >>= 8) {
					/* 3 in 8 erased, 3 in 8 unchanged, 2 in 8 between */
					unsigned how = r & 7;

					if (how < 3)
						p[j + m] = 0xff;
					else if (how >= 6)
						p[j + m] |= (uint8_t)rng_next(rng);
				}
			}
			w->off = f->blocks[b].off;
			w->len = f->blocks[b].size;
			w->block = b;
		} else {
			break;
		}
		cfi_sync_range(f, f->blocks[b].off, f->blocks[b].size);
		i++;
	}
}

static void partial(struct cfi_flash *f, struct cfi_cut *w)
{
	uint64_t rng = rng_for(f, f->op.number);

	memset(w, 0, sizeof(*w));
	if (f->op.kind == CFI_OP_PROGRAM)
		partial_program(f, &rng, w);
	else
		partial_erase(f, &rng, w);
}

/* "operation 3, program at 0x200+0x100 (block 0)" */
static void describe_cut(const struct cfi_flash *f, const struct cfi_cut *w,
			 char *buf, size_t len)
{
	int n = snprintf(buf, len, "operation %" PRIu64 ", %s at 0x%" PRIx64 "+0x%"
			 PRIx64 " (block %u", f->op.number,
			 f->op.kind == CFI_OP_PROGRAM ? "program" : "erase",
			 w->off, w->len, w->block);

	if (n > 0 && (size_t)n < len && w->of > 1)
		n += snprintf(buf + n, len - (size_t)n, "; %u of the %u selected blocks "
			      "erased before it", w->done, w->of);
	if (n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ")");
}

void cfi_power_cut(struct cfi_flash *f)
{
	struct cfi_cut w;
	char what[160];

	partial(f, &w);
	if (f->fd >= 0 && !f->cfg.readonly)
		msync(f->image, f->size, MS_SYNC);
	f->power_lost = true;
	f->op.running = f->op.suspended = false;
	describe_cut(f, &w, what, sizeof(what));
	fprintf(stderr, "norvm: %s: power cut during %s, seed %" PRIu64 "; exit "
		"status %d\n", f->cfg.name ? f->cfg.name : "flash", what, f->cfg.seed,
		CFI_POWERCUT_STATUS);
	vm_request_exit(f->vm, VM_EXIT_POWEROFF, CFI_POWERCUT_STATUS);
}

void cfi_fail_op(struct cfi_flash *f)
{
	struct cfi_cut w;
	char what[160];

	partial(f, &w);
	f->op.result = CFI_OP_FAILED;
	describe_cut(f, &w, what, sizeof(what));
	fprintf(stderr, "norvm: %s: %s fails (fail=%" PRIu64 "), left partial, seed %"
		PRIu64 "\n", f->cfg.name ? f->cfg.name : "flash", what, f->cfg.fail,
		f->cfg.seed);
}
