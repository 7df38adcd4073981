/*
 * The guest-physical map of the built-in CPU: memory slots, their
 * changes, and exits to the device bus (map.c).
 */
#ifndef NORVM_SOFT_MAP_H
#define NORVM_SOFT_MAP_H

#include "cpu.h"

int soft_set_memory_region(struct vm *vm, unsigned slot, uint64_t gpa,
			   uint64_t size, void *host, uint32_t flags);
/* Catch up with slot changes (at block starts and after exits). */
void hart_sync_map(struct hart *h);
/* The hart leaves guest code: slot changes stop waiting for it. */
void hart_leave_guest(struct hart *h);
/* One access through the bus, outside guest code; false: no device. */
bool hart_mmio(struct hart *h, struct mmio_exit *e);

#endif
