/*
 * A hart's cached translations and decoded code (tlb.c).
 */
#ifndef NORVM_SOFT_TLB_H
#define NORVM_SOFT_TLB_H

#include "cpu.h"

/* Drop translations: TLBs and the code window (decoded code stays). */
void hart_tlb_flush(struct hart *h);
/* Drop translations and decoded code. */
void hart_flush(struct hart *h);
/* Drop the decoded code of guest-physical [lo, hi). */
void hart_drop_code(struct hart *h, uint64_t lo, uint64_t hi);
/* The decoded code of page ppn (emptied when stale); NULL: no memory. */
struct dblock *dcache_get(struct hart *h, uint64_t ppn);
/* Set hart.ram_* again (after a slot, privilege or PMP change). */
void hart_ram_window(struct hart *h);

#endif
