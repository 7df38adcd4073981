/*
 * The F and D extensions (fpu.c).
 */
#ifndef NORVM_SOFT_FPU_H
#define NORVM_SOFT_FPU_H

#include "cpu.h"

bool fp_mem(struct hart *h, const struct insn *in);
bool fp_fma(struct hart *h, const struct insn *in);
bool fp_op(struct hart *h, const struct insn *in);

#endif
