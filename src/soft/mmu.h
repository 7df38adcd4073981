/*
 * Address translation and protection checks (mmu.c).
 */
#ifndef NORVM_SOFT_MMU_H
#define NORVM_SOFT_MMU_H

#include "cpu.h"

/*
 * Virtual to physical for an access of len bytes within one page, PMP
 * checked; false: the guest's fault was raised.  *cacheable (may be
 * NULL) says whether the answer holds for the whole page.
 */
bool mmu_resolve(struct hart *h, uint64_t va, unsigned len, enum access acc,
		 uint64_t *pa, bool *cacheable);
bool mem_translate(struct hart *h, uint64_t va, enum access acc, uint64_t *pa);
/* As the hart's code sees it, for a debugger: no checks, no faults. */
bool mem_peek_translate(struct hart *h, uint64_t va, uint64_t *pa);

#endif
