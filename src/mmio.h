/*
 * The MMIO bus: guest-physical ranges -> device callbacks.
 *
 * One handler pair serves every accelerator: the built-in CPU calls
 * mmio_dispatch() for each access no memory slot satisfies, the KVM backend
 * for each KVM_EXIT_MMIO.  Offsets passed to devices are
 * relative to the start of the registered range; values are little-endian
 * and `len` is 1, 2, 4 or 8.  An access may be misaligned; a device that
 * does not care about alignment just uses the offset as given.
 */
#ifndef NORVM_MMIO_H
#define NORVM_MMIO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>


/* One MMIO exit, shaped like kvm_run.mmio plus the fetch bit KVM lacks. */
struct mmio_exit {
	uint64_t addr;		/* guest physical address */
	uint64_t data;		/* little-endian value, low `len` bytes used */
	uint8_t len;		/* 1, 2, 4 or 8 */
	bool is_write;
	bool is_fetch;		/* an instruction fetch from a trapping region */
};

struct mmio_ops {
	uint64_t (*read)(void *opaque, uint64_t off, unsigned len);
	void (*write)(void *opaque, uint64_t off, unsigned len, uint64_t val);
};

/* Exit counters of one region; updated with relaxed atomics. */
struct mmio_counts {
	atomic_uint_fast64_t reads;
	atomic_uint_fast64_t writes;
	atomic_uint_fast64_t fetches;
};

struct mmio_region {
	uint64_t base, size;
	const char *name;
	const struct mmio_ops *ops;
	void *opaque;
	struct mmio_counts counts;
};

#define MMIO_MAX_REGIONS 32

struct mmio_bus {
	struct mmio_region regions[MMIO_MAX_REGIONS];	/* sorted by base */
	unsigned nregions;
	struct mmio_counts total;
	atomic_uint_fast64_t unclaimed;		/* accesses no device claimed */
	atomic_bool unclaimed_logged;
};

/* Returns 0, -EEXIST on overlap, -ENOSPC when full, -EINVAL on size 0. */
int mmio_register(struct mmio_bus *bus, uint64_t base, uint64_t size,
		  const char *name, const struct mmio_ops *ops, void *opaque)
	__attribute__((warn_unused_result));

struct mmio_region *mmio_find(struct mmio_bus *bus, uint64_t addr);

/*
 * Hand one exit to the device at e->addr.  For a read (or fetch) the value
 * is returned in e->data.  Returns false when no device claims the address
 * (or the access runs past the end of the region): the built-in CPU then
 * raises an access fault in the guest; KVM, which has no way to, reads 0
 * and drops the write.  The first such access is logged.
 */
bool mmio_dispatch(struct mmio_bus *bus, struct mmio_exit *e);

#endif
