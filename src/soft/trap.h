/*
 * Exceptions, interrupts and returns from traps (trap.c).
 */
#ifndef NORVM_SOFT_TRAP_H
#define NORVM_SOFT_TRAP_H

#include "cpu.h"

void raise_exception(struct hart *h, uint64_t cause, uint64_t tval);
/* Take the highest pending enabled interrupt; false: none. */
bool take_interrupt(struct hart *h);
uint64_t hart_mip(struct hart *h);
bool do_mret(struct hart *h);
bool do_sret(struct hart *h);
/* After a change of privilege or mstatus from (priv, mstatus). */
void hart_context_changed(struct hart *h, enum priv priv, uint64_t mstatus);

#endif
