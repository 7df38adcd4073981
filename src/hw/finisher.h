/*
 * SiFive test finisher ("sifive,test0"): a 32-bit write of 0x5555 powers
 * the machine off with status 0, (code << 16) | 0x3333 with status `code`,
 * 0x7777 resets it.  A 16-bit write (OpenSBI's) is a command with code 0.
 */
#ifndef NORVM_HW_FINISHER_H
#define NORVM_HW_FINISHER_H

#include <stdint.h>

struct vm;
struct finisher;

struct finisher *finisher_create(struct vm *vm, uint64_t base);
void finisher_destroy(struct finisher *f);

#endif
