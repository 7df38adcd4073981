/*
 * The interpreter (exec.c).
 */
#ifndef NORVM_SOFT_EXEC_H
#define NORVM_SOFT_EXEC_H

#include "cpu.h"

/* Run up to budget instructions (fewer when the block must end). */
void exec_block(struct hart *h, unsigned budget);

#endif
