/*
 * Control and status registers (csr.c).
 */
#ifndef NORVM_SOFT_CSR_H
#define NORVM_SOFT_CSR_H

#include "cpu.h"

bool csr_peek(struct hart *h, unsigned csr, uint64_t *v);
bool csr_poke(struct hart *h, unsigned csr, uint64_t v);
bool csr_access(struct hart *h, const struct insn *in, uint64_t src,
		uint64_t *old);
void hart_reset_csrs(struct hart *h);

#endif
