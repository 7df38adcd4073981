/*
 * SiFive test finisher ("sifive,test0"): a write of 0x5555 powers the
 * machine off with status 0, (code << 16) | 0x3333 with status `code` (1
 * when there is none), 0x7777 resets it.  Stores of any width count, as in
 * QEMU: OpenSBI writes 16 bits, so its failure carries no code.
 */
#ifndef NORVM_HW_FINISHER_H
#define NORVM_HW_FINISHER_H

#include <stdint.h>

#include "device.h"

struct vm;
struct finisher;

#define FINISHER_SIZE	0x1000

struct finisher *finisher_create(struct vm *vm, uint64_t base);
void finisher_destroy(struct finisher *f);
/* Its descriptor: "sifive,test0" in the tree, with the board's test phandle. */
struct device finisher_device(struct finisher *f, uint64_t base);

#endif
