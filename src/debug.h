/*
 * What an accelerator offers a debugger (accel_ops.debug, optional; the
 * GDB server drives it).  The harts stop and run as a group (all-stop): a
 * stop request, a breakpoint, a watchpoint or the end of a single step
 * stops every hart at its next instruction boundary.  Registers and
 * memory may be read and written only while the harts are stopped.
 */
#ifndef NORVM_DEBUG_H
#define NORVM_DEBUG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

enum debug_stop {
	DEBUG_STOP_NONE,
	DEBUG_STOP_REQUEST,	/* stop(), or start-up held */
	DEBUG_STOP_BREAK,	/* a breakpoint at the hart's pc */
	DEBUG_STOP_STEP,	/* a single step completed */
	DEBUG_STOP_WATCH,	/* an access touched a watchpoint */
	DEBUG_STOP_EXITED,	/* the VM stopped (power-off, error, reset) */
};

/* GDB's numbering of watchpoint kinds (Z2, Z3, Z4). */
enum debug_watch { DEBUG_WATCH_WRITE = 2, DEBUG_WATCH_READ, DEBUG_WATCH_ACCESS };

struct debug_stop_info {
	enum debug_stop why;
	unsigned hart;
	enum debug_watch watch_kind;	/* DEBUG_STOP_WATCH */
	uint64_t watch_addr;
};

struct debug_ops {
	/* Turn debugging on (before the harts run); held: harts start stopped. */
	int (*enable)(struct vm *vm, bool held);
	/* Ask every hart to stop; wait() tells when they have. */
	void (*stop)(struct vm *vm);
	/*
	 * Wait up to timeout_ms for the group to be stopped; true with the
	 * reason when it is.  DEBUG_STOP_EXITED when the VM is no longer
	 * running.
	 */
	bool (*wait)(struct vm *vm, int timeout_ms, struct debug_stop_info *info);
	/* Run again: every hart, or (step_hart >= 0) that hart for one instruction. */
	void (*resume)(struct vm *vm, int step_hart);
	/* 0, -ENOSPC (too many), -ENOENT (removing one that is not there). */
	int (*breakpoint)(struct vm *vm, uint64_t addr, bool insert);
	int (*watchpoint)(struct vm *vm, uint64_t addr, uint64_t len,
			  enum debug_watch kind, bool insert);
	/* Remove every breakpoint and watchpoint. */
	void (*clear)(struct vm *vm);
	/*
	 * Guest memory through hart `hart`'s current translation (or
	 * physical): RAM and read-only slots directly, devices through the
	 * bus.  Writes to a read-only slot (the flash array) are refused.
	 * 0 or -EFAULT.
	 */
	int (*memory)(struct vm *vm, unsigned hart, uint64_t addr, void *buf,
		      size_t len, bool write, bool phys);
	/* Registers by GDB's numbering for the guest's architecture; 0 or -EINVAL. */
	int (*reg)(struct vm *vm, unsigned hart, unsigned reg, uint64_t *v, bool write);
};

#endif
