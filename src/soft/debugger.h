/*
 * Stopping and reporting for a debugger (debug.c), as the run loop
 * sees it.
 */
#ifndef NORVM_SOFT_DEBUGGER_H
#define NORVM_SOFT_DEBUGGER_H

#include "cpu.h"

void debug_park(struct hart *h);
void debug_report(struct hart *h);
void debug_free(struct soft_vm *sv);
void debug_kick(struct soft_vm *sv);

#endif
