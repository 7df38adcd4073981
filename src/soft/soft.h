/*
 * The built-in CPU seen from outside the accelerator: inspection for
 * tests, and the debugging interface the GDB stub drives.
 */
#ifndef NORVM_SOFT_H
#define NORVM_SOFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

uint64_t soft_get_reg(struct vm *vm, unsigned hart, unsigned reg);
void soft_set_reg(struct vm *vm, unsigned hart, unsigned reg, uint64_t v);
uint64_t soft_get_pc(struct vm *vm, unsigned hart);
unsigned soft_get_priv(struct vm *vm, unsigned hart);

/*
 * Debugging.  The harts stop and run as a group (all-stop): a stop
 * request, a breakpoint, a watchpoint or the end of a single step stops
 * every hart at its next instruction boundary.  Registers and memory may
 * be read and written only while the harts are stopped.
 */
enum soft_stop {
	SOFT_STOP_NONE,
	SOFT_STOP_REQUEST,	/* soft_debug_stop(), or start-up held */
	SOFT_STOP_BREAK,	/* a breakpoint at the hart's pc */
	SOFT_STOP_STEP,		/* a single step completed */
	SOFT_STOP_WATCH,	/* an access touched a watchpoint */
	SOFT_STOP_EXITED,	/* the VM stopped (power-off, error, reset) */
};

enum soft_watch { SOFT_WATCH_WRITE = 2, SOFT_WATCH_READ, SOFT_WATCH_ACCESS };

struct soft_stop_info {
	enum soft_stop why;
	unsigned hart;
	enum soft_watch watch_kind;	/* SOFT_STOP_WATCH */
	uint64_t watch_addr;
};

#define SOFT_DEBUG_MAX_BREAK	64
#define SOFT_DEBUG_MAX_WATCH	16

/* Turn debugging on (before the harts run); held: harts start stopped. */
int soft_debug_enable(struct vm *vm, bool held);
/* Ask every hart to stop; soft_debug_wait() tells when they have. */
void soft_debug_stop(struct vm *vm);
/*
 * Wait up to timeout_ms for the group to be stopped; true with the reason
 * when it is.  SOFT_STOP_EXITED when the VM is no longer running.
 */
bool soft_debug_wait(struct vm *vm, int timeout_ms, struct soft_stop_info *info);
/* Run again: every hart, or (step_hart >= 0) that hart for one instruction. */
void soft_debug_resume(struct vm *vm, int step_hart);
/* 0, -ENOSPC (too many), -ENOENT (removing one that is not there). */
int soft_debug_breakpoint(struct vm *vm, uint64_t addr, bool insert);
int soft_debug_watchpoint(struct vm *vm, uint64_t addr, uint64_t len,
			  enum soft_watch kind, bool insert);
/* Remove every breakpoint and watchpoint. */
void soft_debug_clear(struct vm *vm);
/*
 * Guest memory through hart `hart`'s current translation (or physical):
 * RAM and read-only slots directly, devices through the bus.  Writes to
 * a read-only slot (the flash array) are refused.  0 or -EFAULT.
 */
int soft_debug_memory(struct vm *vm, unsigned hart, uint64_t addr,
		      void *buf, size_t len, bool write, bool phys);
/*
 * Registers by GDB's RISC-V numbering: 0-31 x, 32 pc, 33-64 f, 65 + n
 * CSR n, SOFT_REG_PRIV the privilege level.  0 or -EINVAL.
 */
#define SOFT_REG_PRIV	(65 + 4096)
int soft_debug_reg(struct vm *vm, unsigned hart, unsigned reg, uint64_t *v,
		   bool write);

#endif
