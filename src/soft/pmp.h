/*
 * Physical memory protection (pmp.c).
 */
#ifndef NORVM_SOFT_PMP_H
#define NORVM_SOFT_PMP_H

#include "cpu.h"

bool pmp_check(const struct hart *h, uint64_t pa, unsigned len,
	       enum access acc, enum priv priv, bool *page_ok);
void pmp_update(struct hart *h);
bool pmp_rw_range(const struct hart *h, uint64_t *lo, uint64_t *hi);
bool pmp_addr_writable(const struct hart *h, unsigned i);

#endif
