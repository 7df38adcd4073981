/* Inspection of the built-in CPU's harts, for tests and debugging. */
#ifndef NORVM_SOFT_H
#define NORVM_SOFT_H

#include <stdint.h>

struct vm;

uint64_t soft_get_reg(struct vm *vm, unsigned hart, unsigned reg);
void soft_set_reg(struct vm *vm, unsigned hart, unsigned reg, uint64_t v);
uint64_t soft_get_pc(struct vm *vm, unsigned hart);
unsigned soft_get_priv(struct vm *vm, unsigned hart);

#endif
