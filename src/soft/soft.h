/*
 * The built-in CPU seen from outside the accelerator: inspection for
 * tests, and the debugging interface the GDB stub drives.
 */
#ifndef NORVM_SOFT_H
#define NORVM_SOFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "debug.h"

struct vm;

uint64_t soft_get_reg(struct vm *vm, unsigned hart, unsigned reg);
void soft_set_reg(struct vm *vm, unsigned hart, unsigned reg, uint64_t v);
uint64_t soft_get_pc(struct vm *vm, unsigned hart);
unsigned soft_get_priv(struct vm *vm, unsigned hart);

/* Debugging (debug.h): the built-in CPU's debug_ops. */
extern const struct debug_ops soft_debug_ops;

#define SOFT_DEBUG_MAX_BREAK	64
#define SOFT_DEBUG_MAX_WATCH	16

/*
 * Its registers by GDB's RISC-V numbering: 0-31 x, 32 pc, 33-64 f, 65 + n
 * CSR n, SOFT_REG_PRIV the privilege level.
 */
#define SOFT_REG_PRIV	(65 + 4096)

#endif
