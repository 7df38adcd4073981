/*
 * CLINT (SiFive core-local interruptor): per-hart msip (software interrupt)
 * and mtimecmp, and the shared mtime counter at VIRT_TIMEBASE_HZ.
 */
#ifndef NORVM_HW_CLINT_H
#define NORVM_HW_CLINT_H

#include <stdint.h>

struct vm;
struct clint;

struct clint *clint_create(struct vm *vm, uint64_t base);
/* Power-on state: no software interrupt, timers off. */
void clint_reset(struct clint *c);
void clint_destroy(struct clint *c);

#endif
