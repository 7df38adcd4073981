/*
 * Instruction fetch (fetch.c).  Each returns NULL after raising
 * the guest's fault.
 */
#ifndef NORVM_SOFT_FETCH_H
#define NORVM_SOFT_FETCH_H

#include "cpu.h"

struct insn *fetch_slow(struct hart *h, uint64_t pc);
struct insn *decode_fill(struct hart *h, struct insn *in, uint64_t pc);
struct insn *fetch_uncached(struct hart *h, uint64_t pc, uint64_t pa);

#endif
