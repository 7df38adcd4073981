/*
 * A debugger's breakpoints and watchpoints, as fetches and accesses check
 * them (points.c).  The debugger (debug.c) changes them only while every
 * hart is parked, so the harts read them without a lock.
 */
#ifndef NORVM_SOFT_POINTS_H
#define NORVM_SOFT_POINTS_H

#include "cpu.h"
#include "soft.h"

/* hart.dbg_skip when no breakpoint is to be run through. */
#define NO_PC	UINT64_MAX

struct debug_points {
	uint64_t bp[SOFT_DEBUG_MAX_BREAK];
	unsigned nbp;
	struct {
		uint64_t addr, len;
		enum debug_watch kind;
	} wp[SOFT_DEBUG_MAX_WATCH];
	unsigned nwp;
};

/* What a fetch at pc meets. */
enum point_fetch {
	POINT_NONE,		/* nothing: fetch as usual */
	POINT_BREAK,		/* a breakpoint: stop before pc */
	POINT_PAGE,		/* a page with a breakpoint: fetch uncached */
};

enum point_fetch points_fetch(struct hart *h, uint64_t pc);
/*
 * A data access of len bytes at va: a watchpoint hit is noted in the
 * hart (it stops after the instruction), and *cacheable (may be NULL)
 * cleared when the page holds a watchpoint.
 */
void points_watch(struct hart *h, uint64_t va, unsigned len, enum access acc,
		  bool *cacheable);

/* Insert or remove; -ENOSPC when full, -ENOENT when not there. */
int points_break(struct debug_points *p, uint64_t addr, bool insert);
int points_watchpoint(struct debug_points *p, uint64_t addr, uint64_t len,
		      enum debug_watch kind, bool insert);

#endif
