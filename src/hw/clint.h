/*
 * CLINT (SiFive core-local interruptor): per-hart msip (software interrupt)
 * and mtimecmp, and the shared mtime counter at VM_TIMEBASE_HZ.
 */
#ifndef NORVM_HW_CLINT_H
#define NORVM_HW_CLINT_H

#include <stdint.h>

#include "device.h"

struct vm;
struct clint;

#define CLINT_SIZE	0x10000

struct clint *clint_create(struct vm *vm, uint64_t base);
/* Power-on state: no software interrupt, timers off. */
void clint_reset(struct clint *c);
void clint_destroy(struct clint *c);
/* Its descriptor: a machine timer and software interrupt per hart. */
struct device clint_device(struct clint *c, uint64_t base);

#endif
