/*
 * Breakpoints and watchpoints for the built-in CPU's fetch and access
 * paths (points.h).  Neither touches guest memory: a page that holds a
 * breakpoint is fetched uncached, one instruction at a time, and a page
 * that holds a watchpoint stays out of the TLB, so every access to it
 * comes here.
 */
#include <errno.h>

#include "points.h"

enum point_fetch points_fetch(struct hart *h, uint64_t pc)
{
	const struct debug_points *p = h->sv->points;
	uint64_t skip = h->dbg_skip;
	enum point_fetch r = POINT_NONE;

	h->dbg_skip = NO_PC;
	for (unsigned i = 0; i < p->nbp; i++) {
		if (p->bp[i] == pc && pc != skip)
			return POINT_BREAK;
		if ((p->bp[i] & ~PAGE_MASK) == (pc & ~PAGE_MASK))
			r = POINT_PAGE;
	}
	return r;
}

void points_watch(struct hart *h, uint64_t va, unsigned len, enum access acc,
		  bool *cacheable)
{
	const struct debug_points *p = h->sv->points;
	uint64_t page = va & ~PAGE_MASK;

	for (unsigned i = 0; i < p->nwp; i++) {
		uint64_t lo = p->wp[i].addr, hi = lo + p->wp[i].len;
		enum debug_watch k = p->wp[i].kind;

		if (lo < page + PAGE_SIZE && hi > page && cacheable)
			*cacheable = false;
		if (lo < va + len && hi > va && !h->dbg_watch &&
		    (k == DEBUG_WATCH_ACCESS ||
		     (k == DEBUG_WATCH_WRITE) == (acc == ACCESS_WRITE))) {
			h->dbg_watch = true;
			h->dbg_watch_addr = lo;
			h->dbg_watch_kind = (int)k;
			h->end_block = true;
		}
	}
}

int points_break(struct debug_points *p, uint64_t addr, bool insert)
{
	unsigned i;

	if (insert) {
		if (p->nbp == SOFT_DEBUG_MAX_BREAK)
			return -ENOSPC;
		p->bp[p->nbp++] = addr;
		return 0;
	}
	for (i = 0; i < p->nbp && p->bp[i] != addr; i++)
		;
	if (i == p->nbp)
		return -ENOENT;
	p->bp[i] = p->bp[--p->nbp];
	return 0;
}

int points_watchpoint(struct debug_points *p, uint64_t addr, uint64_t len,
		      enum debug_watch kind, bool insert)
{
	unsigned i;

	if (insert) {
		if (p->nwp == SOFT_DEBUG_MAX_WATCH)
			return -ENOSPC;
		p->wp[p->nwp].addr = addr;
		p->wp[p->nwp].len = len;
		p->wp[p->nwp++].kind = kind;
		return 0;
	}
	for (i = 0; i < p->nwp && !(p->wp[i].addr == addr &&
	     p->wp[i].len == len && p->wp[i].kind == kind); i++)
		;
	if (i == p->nwp)
		return -ENOENT;
	p->wp[i] = p->wp[--p->nwp];
	return 0;
}
