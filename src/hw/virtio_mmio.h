/*
 * A virtio-mmio transport (virtio 1.2, section 4.2; version 2, "modern"):
 * registers, feature negotiation, split virtqueues and the interrupt line.
 * A virtio device (virtio_blk.c, virtio_rng.c) is a struct virtio_dev
 * over one transport; the transport calls its hooks and gives it the
 * queues' buffers as host memory.
 *
 * Everything runs in the thread of the hart whose access reached the
 * transport (a queue notify processes the queue then and there), under
 * the transport's lock.  Guest memory is reached through the VM's RAM
 * service only: a buffer outside RAM or a malformed chain marks the
 * device broken (DEVICE_NEEDS_RESET), as the specification allows.
 */
#ifndef NORVM_HW_VIRTIO_MMIO_H
#define NORVM_HW_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "device.h"
#include "irq.h"

struct vm;
struct virtio_mmio;

#define VIRTIO_MMIO_SIZE	0x1000
#define VIRTIO_QUEUE_MAX	256	/* entries per queue, at most */
#define VIRTIO_MAX_QUEUES	2
#define VIRTIO_CHAIN_MAX	(VIRTIO_QUEUE_MAX + 2)	/* segments in one chain */

#define VIRTIO_F_VERSION_1	32

/* One buffer chain taken from a queue: readable segments, then writable. */
struct virtio_chain {
	uint16_t head;			/* its first descriptor, to give back */
	unsigned nread, nwrite;
	struct iovec read[VIRTIO_CHAIN_MAX];	/* driver -> device */
	struct iovec write[VIRTIO_CHAIN_MAX];	/* device -> driver */
	size_t read_len, write_len;
};

/* What a device is to its transport. */
struct virtio_dev {
	uint32_t device_id;		/* 2 block, 4 entropy, ... */
	uint64_t features;		/* offered; VERSION_1 is added */
	unsigned nqueues;
	/* The device-specific configuration space: a read or write of
	 * `len` bytes at `off` (within config_size). */
	unsigned config_size;
	uint64_t (*config_read)(void *dev, unsigned off, unsigned len);
	/*
	 * The driver made buffers available in queue q: take them with
	 * virtio_pop(), give each back with virtio_push(), then
	 * virtio_interrupt() if any was given back.
	 */
	void (*notify)(void *dev, struct virtio_mmio *t, unsigned q);
	void (*reset)(void *dev);	/* NULL: nothing to forget */
	void (*destroy)(void *dev);	/* with its transport; NULL: nothing */
	void *opaque;
};

/*
 * Create the transport at `base` for `dev`, raising `irq`.  NULL when out
 * of memory or the range is taken (`err` says which).
 */
struct virtio_mmio *virtio_mmio_create(struct vm *vm, uint64_t base,
				       const char *name, struct irq_line irq,
				       const struct virtio_dev *dev,
				       char *err, size_t errlen);
void virtio_mmio_destroy(struct virtio_mmio *t);
/* Its descriptor: a "virtio,mmio" node; destroying it destroys the device. */
struct device virtio_mmio_device(struct virtio_mmio *t, uint64_t base, int irq);
/* Power-on state: the device reset, every queue forgotten, the line low. */
void virtio_mmio_reset(struct virtio_mmio *t);

/*
 * The next available chain of queue q, as host memory: 1, or 0 when the
 * queue is empty, or -1 when it is malformed (the device is then marked
 * as needing a reset and the queue is not looked at again).
 */
int virtio_pop(struct virtio_mmio *t, unsigned q, struct virtio_chain *c);
/* Give a chain back, `written` bytes of its writable part filled. */
void virtio_push(struct virtio_mmio *t, unsigned q, const struct virtio_chain *c,
		 uint32_t written);
/* Tell the driver that used buffers are waiting (unless it asked not to). */
void virtio_interrupt(struct virtio_mmio *t, unsigned q);

/*
 * Copy `len` bytes of a chain's readable part from `off` into `buf`, or
 * `len` bytes into its writable part at `off`; the bytes copied.
 */
size_t virtio_chain_read(const struct virtio_chain *c, size_t off, void *buf, size_t len);
size_t virtio_chain_write(const struct virtio_chain *c, size_t off, const void *buf,
			  size_t len);

#endif
