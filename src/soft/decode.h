/*
 * Decoding one instruction (16 or 32 bits) into a struct insn.
 */
#ifndef NORVM_SOFT_DECODE_H
#define NORVM_SOFT_DECODE_H

#include "cpu.h"

void decode(struct insn *in, uint32_t bits);

#endif
