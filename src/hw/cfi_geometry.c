/*
 * A bank's geometry as the core and the CFI query describe it: its erase
 * blocks (offset and size, found by offset) and the query table built
 * from the part.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/cfi_cmdset.h"
#include "hw/cfi_core.h"

unsigned cfi_log2_ceil(uint64_t v)
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
int cfi_build_blocks(struct cfi_flash *f)
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
void cfi_build_query(struct cfi_flash *f)
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
		e = cfi_log2_ceil((typ + unit - 1) / unit);
		q[0x1f + t] = (uint8_t)e;
		if (p->max[t] > typ)
			q[0x23 + t] = (uint8_t)cfi_log2_ceil((p->max[t] + (unit << e) - 1) /
							 (unit << e));
	}
	q[0x27] = (uint8_t)cfi_log2_ceil(cfi_device_size(f));
	q[0x28] = p->interface;
	q[0x2a] = (uint8_t)(p->buffer ? cfi_log2_ceil(p->buffer) : 0);
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
