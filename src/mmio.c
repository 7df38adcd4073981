/* The MMIO bus: a sorted table of ranges, searched by binary search. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mmio.h"
#include "trace.h"
#include "util.h"

int mmio_register(struct mmio_bus *bus, uint64_t base, uint64_t size,
		  const char *name, const struct mmio_ops *ops, void *opaque)
{
	unsigned i;

	if (!size || base + size < base)
		return -EINVAL;
	if (bus->nregions == MMIO_MAX_REGIONS)
		return -ENOSPC;
	for (i = 0; i < bus->nregions; i++) {
		struct mmio_region *r = &bus->regions[i];

		if (base < r->base + r->size && r->base < base + size)
			return -EEXIST;
		if (r->base > base)
			break;
	}
	memmove(&bus->regions[i + 1], &bus->regions[i],
		(bus->nregions - i) * sizeof(bus->regions[0]));
	memset(&bus->regions[i], 0, sizeof(bus->regions[i]));
	bus->regions[i].base = base;
	bus->regions[i].size = size;
	bus->regions[i].name = name;
	bus->regions[i].ops = ops;
	bus->regions[i].opaque = opaque;
	bus->nregions++;
	return 0;
}

struct mmio_region *mmio_find(struct mmio_bus *bus, uint64_t addr)
{
	unsigned lo = 0, hi = bus->nregions;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		struct mmio_region *r = &bus->regions[mid];

		if (addr < r->base)
			hi = mid;
		else if (addr - r->base >= r->size)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

static void count(struct mmio_counts *c, const struct mmio_exit *e)
{
	atomic_uint_fast64_t *n = e->is_fetch ? &c->fetches :
				  e->is_write ? &c->writes : &c->reads;

	atomic_fetch_add_explicit(n, 1, memory_order_relaxed);
}

bool mmio_dispatch(struct mmio_bus *bus, struct mmio_exit *e)
{
	struct mmio_region *r = mmio_find(bus, e->addr);
	uint64_t off;

	if (!r || e->addr - r->base > r->size - e->len) {
		atomic_fetch_add_explicit(&bus->unclaimed, 1, memory_order_relaxed);
		say_once(&bus->unclaimed_logged, "guest %s of %u bytes at 0x%" PRIx64
			 " hits no device: access fault (logged once)",
			 e->is_fetch ? "fetch" : e->is_write ? "write" : "read", e->len, e->addr);
		return false;
	}
	count(&r->counts, e);
	count(&bus->total, e);
	off = e->addr - r->base;
	if (e->is_write) {
		r->ops->write(r->opaque, off, e->len, e->data);
	} else {
		uint64_t v = r->ops->read(r->opaque, off, e->len);

		e->data = e->len == 8 ? v : v & ((1ull << (8 * e->len)) - 1);
	}
	if (tracing(TRACE_MMIO))
		trace("mmio %s %s +0x%" PRIx64 " %u 0x%" PRIx64, r->name,
		      e->is_fetch ? "fetch" : e->is_write ? "write" : "read", off, e->len, e->data);
	return true;
}
