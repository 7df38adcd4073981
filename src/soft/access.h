/*
 * Loads, stores and atomics off the TLB's fast path (access.c).
 * Each returns false (NULL) after raising the guest's fault.
 */
#ifndef NORVM_SOFT_ACCESS_H
#define NORVM_SOFT_ACCESS_H

#include "cpu.h"

bool mem_load_slow(struct hart *h, uint64_t addr, unsigned len, uint64_t *val);
bool mem_store_slow(struct hart *h, uint64_t addr, unsigned len, uint64_t val);
void *mem_amo_ptr(struct hart *h, uint64_t addr, unsigned len, bool is_lr);

#endif
