/*
 * SiFive test finisher ("sifive,test0"): a write of 0x5555 powers the
 * machine off with status 0, (code << 16) | 0x3333 with status `code` (1
 * when there is none), 0x7777 resets it.  Stores of any width count, as in
 * QEMU: OpenSBI writes 16 bits, so its failure carries no code.
 */
#ifndef NORVM_HW_FINISHER_H
#define NORVM_HW_FINISHER_H

#include <stdint.h>

struct vm;
struct finisher;

struct finisher *finisher_create(struct vm *vm, uint64_t base);
void finisher_destroy(struct finisher *f);

#endif
