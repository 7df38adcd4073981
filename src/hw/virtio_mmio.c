/* The virtio-mmio transport, version 2 (virtio_mmio.h). */
#include <errno.h>
#include <inttypes.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/virtio_mmio.h"
#include "services.h"
#include "util.h"

/* Registers (virtio 1.2, 4.2.2). */
enum {
	R_MAGIC = 0x000, R_VERSION = 0x004, R_DEVICE_ID = 0x008, R_VENDOR_ID = 0x00c,
	R_DEVICE_FEATURES = 0x010, R_DEVICE_FEATURES_SEL = 0x014,
	R_DRIVER_FEATURES = 0x020, R_DRIVER_FEATURES_SEL = 0x024,
	R_QUEUE_SEL = 0x030, R_QUEUE_NUM_MAX = 0x034, R_QUEUE_NUM = 0x038,
	R_QUEUE_READY = 0x044, R_QUEUE_NOTIFY = 0x050,
	R_INTERRUPT_STATUS = 0x060, R_INTERRUPT_ACK = 0x064, R_STATUS = 0x070,
	R_QUEUE_DESC_LOW = 0x080, R_QUEUE_DESC_HIGH = 0x084,
	R_QUEUE_DRIVER_LOW = 0x090, R_QUEUE_DRIVER_HIGH = 0x094,
	R_QUEUE_DEVICE_LOW = 0x0a0, R_QUEUE_DEVICE_HIGH = 0x0a4,
	R_CONFIG_GENERATION = 0x0fc, R_CONFIG = 0x100,
};

#define MAGIC		0x74726976u	/* "virt" */
#define VENDOR		0x4d56524eu	/* "NRVM" */

/* Device status bits. */
#define S_ACKNOWLEDGE	1u
#define S_DRIVER	2u
#define S_DRIVER_OK	4u
#define S_FEATURES_OK	8u
#define S_NEEDS_RESET	64u
#define S_FAILED	128u

/* Interrupt status bits. */
#define INT_USED	1u
#define INT_CONFIG	2u

/* Descriptor flags. */
#define DESC_NEXT	1u
#define DESC_WRITE	2u
#define DESC_INDIRECT	4u

#define AVAIL_NO_INTERRUPT 1u

struct vq {
	uint32_t num;			/* entries, 0: not set */
	bool ready;
	uint64_t desc, avail, used;	/* guest-physical */
	uint8_t *hdesc, *havail, *hused;	/* ...as host memory, when ready */
	uint16_t last_avail, used_idx;
	bool broken;
};

struct virtio_mmio {
	struct vm *vm;
	const char *name;
	struct irq_line irq;
	struct virtio_dev dev;
	pthread_mutex_t lock;
	uint32_t status, isr;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint64_t driver_features;
	struct vq vq[VIRTIO_MAX_QUEUES];
};

static uint64_t features(const struct virtio_mmio *t)
{
	return t->dev.features | (1ull << VIRTIO_F_VERSION_1);
}

static void update_irq(struct virtio_mmio *t)
{
	irq_set(&t->irq, t->isr != 0);
}

/* The device failed the driver: it must be reset (4.2.2: DEVICE_NEEDS_RESET). */
static void broken(struct virtio_mmio *t, struct vq *q, const char *why)
{
	if (!(t->status & S_NEEDS_RESET))
		fprintf(stderr, "norvm: %s: %s; the device needs a reset (logged once "
			"per reset)\n", t->name, why);
	q->broken = true;
	t->status |= S_NEEDS_RESET;
	if (t->status & S_DRIVER_OK) {
		t->isr |= INT_CONFIG;
		update_irq(t);
	}
}

static void reset_locked(struct virtio_mmio *t)
{
	t->status = t->isr = 0;
	t->dev_features_sel = t->drv_features_sel = t->queue_sel = 0;
	t->driver_features = 0;
	memset(t->vq, 0, sizeof(t->vq));
	if (t->dev.reset)
		t->dev.reset(t->dev.opaque);
	update_irq(t);
}

/* A ready queue's rings as host memory; false if one is not in RAM. */
static bool map_rings(struct virtio_mmio *t, struct vq *q)
{
	q->hdesc = vm_guest_ram(t->vm, q->desc, 16ull * q->num);
	q->havail = vm_guest_ram(t->vm, q->avail, 6 + 2ull * q->num);
	q->hused = vm_guest_ram(t->vm, q->used, 6 + 8ull * q->num);
	return q->hdesc && q->havail && q->hused;
}

int virtio_pop(struct virtio_mmio *t, unsigned qi, struct virtio_chain *c)
{
	struct vq *q = &t->vq[qi];
	uint16_t avail_idx, i;

	if (qi >= t->dev.nqueues || !q->ready || q->broken)
		return 0;
	avail_idx = (uint16_t)le_get(q->havail + 2, 2);
	if (avail_idx == q->last_avail)
		return 0;
	/* The ring entry and descriptors were written before the index. */
	atomic_thread_fence(memory_order_acquire);
	i = (uint16_t)le_get(q->havail + 4 + 2 * (q->last_avail % q->num), 2);
	c->head = i;
	c->nread = c->nwrite = 0;
	c->read_len = c->write_len = 0;
	for (unsigned n = 0;; n++) {
		const uint8_t *d;
		uint64_t addr;
		uint32_t len;
		uint16_t flags;
		void *host;

		if (i >= q->num || n >= q->num) {
			broken(t, q, "a descriptor chain loops or leaves its table");
			return -1;
		}
		d = q->hdesc + 16ull * i;
		addr = le_get(d, 8);
		len = (uint32_t)le_get(d + 8, 4);
		flags = (uint16_t)le_get(d + 12, 2);
		if (flags & DESC_INDIRECT) {
			broken(t, q, "an indirect descriptor (not offered)");
			return -1;
		}
		host = len ? vm_guest_ram(t->vm, addr, len) : NULL;
		if (len && !host) {
			broken(t, q, "a buffer outside RAM");
			return -1;
		}
		if (flags & DESC_WRITE) {
			c->write[c->nwrite++] = (struct iovec){ host, len };
			c->write_len += len;
		} else if (c->nwrite) {
			broken(t, q, "a readable buffer after a writable one");
			return -1;
		} else {
			c->read[c->nread++] = (struct iovec){ host, len };
			c->read_len += len;
		}
		if (!(flags & DESC_NEXT))
			break;
		i = (uint16_t)le_get(d + 14, 2);
	}
	q->last_avail++;
	return 1;
}

void virtio_push(struct virtio_mmio *t, unsigned qi, const struct virtio_chain *c,
		 uint32_t written)
{
	struct vq *q = &t->vq[qi];
	uint8_t *e = q->hused + 4 + 8 * (q->used_idx % q->num);

	le_put(e, 4, c->head);
	le_put(e + 4, 4, written);
	/* The element before the index the driver reads it by. */
	atomic_thread_fence(memory_order_release);
	le_put(q->hused + 2, 2, ++q->used_idx);
}

void virtio_interrupt(struct virtio_mmio *t, unsigned qi)
{
	struct vq *q = &t->vq[qi];

	atomic_thread_fence(memory_order_seq_cst);
	if ((uint16_t)le_get(q->havail, 2) & AVAIL_NO_INTERRUPT)
		return;
	t->isr |= INT_USED;
	update_irq(t);
}

size_t virtio_chain_read(const struct virtio_chain *c, size_t off, void *buf, size_t len)
{
	size_t done = 0;

	for (unsigned i = 0; i < c->nread && done < len; i++) {
		size_t n;

		if (off >= c->read[i].iov_len) {
			off -= c->read[i].iov_len;
			continue;
		}
		n = c->read[i].iov_len - off;
		n = n < len - done ? n : len - done;
		memcpy((uint8_t *)buf + done, (uint8_t *)c->read[i].iov_base + off, n);
		done += n;
		off = 0;
	}
	return done;
}

size_t virtio_chain_write(const struct virtio_chain *c, size_t off, const void *buf,
			  size_t len)
{
	size_t done = 0;

	for (unsigned i = 0; i < c->nwrite && done < len; i++) {
		size_t n;

		if (off >= c->write[i].iov_len) {
			off -= c->write[i].iov_len;
			continue;
		}
		n = c->write[i].iov_len - off;
		n = n < len - done ? n : len - done;
		memcpy((uint8_t *)c->write[i].iov_base + off, (const uint8_t *)buf + done, n);
		done += n;
		off = 0;
	}
	return done;
}

static struct vq *selected(struct virtio_mmio *t)
{
	return t->queue_sel < t->dev.nqueues ? &t->vq[t->queue_sel] : NULL;
}

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned len)
{
	struct virtio_mmio *t = opaque;
	struct vq *q;
	uint64_t v = 0;

	pthread_mutex_lock(&t->lock);
	if (off >= R_CONFIG) {
		if (off - R_CONFIG + len <= t->dev.config_size && t->dev.config_read)
			v = t->dev.config_read(t->dev.opaque, (unsigned)(off - R_CONFIG), len);
		pthread_mutex_unlock(&t->lock);
		return v;
	}
	q = selected(t);
	if (len == 4 && !(off & 3)) {
		switch (off) {
		case R_MAGIC: v = MAGIC; break;
		case R_VERSION: v = 2; break;
		case R_DEVICE_ID: v = t->dev.device_id; break;
		case R_VENDOR_ID: v = VENDOR; break;
		case R_DEVICE_FEATURES:
			v = t->dev_features_sel < 2 ?
			    (uint32_t)(features(t) >> (32 * t->dev_features_sel)) : 0;
			break;
		case R_QUEUE_NUM_MAX: v = q ? VIRTIO_QUEUE_MAX : 0; break;
		case R_QUEUE_READY: v = q && q->ready; break;
		case R_INTERRUPT_STATUS: v = t->isr; break;
		case R_STATUS: v = t->status; break;
		case R_CONFIG_GENERATION: v = 0; break;
		default: break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return v;
}

/* The low or high half of a 64-bit queue address. */
static void set_half(uint64_t *a, bool high, uint32_t v)
{
	*a = high ? (*a & 0xffffffffull) | (uint64_t)v << 32 :
		    (*a & ~0xffffffffull) | v;
}

static void write_status(struct virtio_mmio *t, uint32_t v)
{
	if (!v) {
		reset_locked(t);
		return;
	}
	/* FEATURES_OK only for a set the device offers, VERSION_1 in it. */
	if ((v & S_FEATURES_OK) && !(t->status & S_FEATURES_OK) &&
	    ((t->driver_features & ~features(t)) ||
	     !(t->driver_features & (1ull << VIRTIO_F_VERSION_1))))
		v &= ~S_FEATURES_OK;
	t->status = v | (t->status & S_NEEDS_RESET);
}

static void mmio_write(void *opaque, uint64_t off, unsigned len, uint64_t val)
{
	struct virtio_mmio *t = opaque;
	uint32_t v = (uint32_t)val;
	struct vq *q;

	if (off >= R_CONFIG || len != 4 || (off & 3))
		return;		/* no writable configuration; registers are 32-bit */
	pthread_mutex_lock(&t->lock);
	q = selected(t);
	switch (off) {
	case R_DEVICE_FEATURES_SEL: t->dev_features_sel = v; break;
	case R_DRIVER_FEATURES_SEL: t->drv_features_sel = v; break;
	case R_DRIVER_FEATURES:
		if (t->drv_features_sel < 2 && !(t->status & S_FEATURES_OK))
			set_half(&t->driver_features, t->drv_features_sel, v);
		break;
	case R_QUEUE_SEL: t->queue_sel = v; break;
	case R_QUEUE_NUM:
		if (q && !q->ready)
			q->num = v >= 1 && v <= VIRTIO_QUEUE_MAX ? v : 0;
		break;
	case R_QUEUE_DESC_LOW: case R_QUEUE_DESC_HIGH:
		if (q && !q->ready)
			set_half(&q->desc, off == R_QUEUE_DESC_HIGH, v);
		break;
	case R_QUEUE_DRIVER_LOW: case R_QUEUE_DRIVER_HIGH:
		if (q && !q->ready)
			set_half(&q->avail, off == R_QUEUE_DRIVER_HIGH, v);
		break;
	case R_QUEUE_DEVICE_LOW: case R_QUEUE_DEVICE_HIGH:
		if (q && !q->ready)
			set_half(&q->used, off == R_QUEUE_DEVICE_HIGH, v);
		break;
	case R_QUEUE_READY:
		if (!q)
			break;
		if (!v) {
			q->ready = false;
		} else if (!q->ready) {
			if (!q->num || !map_rings(t, q))
				broken(t, q, "a queue made ready without a size or with "
				       "rings outside RAM");
			else
				q->ready = true;
		}
		break;
	case R_QUEUE_NOTIFY:
		if (v < t->dev.nqueues && t->vq[v].ready && !t->vq[v].broken &&
		    (t->status & S_DRIVER_OK))
			t->dev.notify(t->dev.opaque, t, v);
		break;
	case R_INTERRUPT_ACK:
		t->isr &= ~v;
		update_irq(t);
		break;
	case R_STATUS:
		write_status(t, v);
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&t->lock);
}

static const struct mmio_ops virtio_mmio_ops = {
	.read = mmio_read,
	.write = mmio_write,
};

struct virtio_mmio *virtio_mmio_create(struct vm *vm, uint64_t base,
				       const char *name, struct irq_line irq,
				       const struct virtio_dev *dev,
				       char *err, size_t errlen)
{
	struct virtio_mmio *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	t->vm = vm;
	t->name = name;
	t->irq = irq;
	t->dev = *dev;
	pthread_mutex_init(&t->lock, NULL);
	if (vm_register_mmio(vm, base, VIRTIO_MMIO_SIZE, name, &virtio_mmio_ops, t)) {
		snprintf(err, errlen, "%s at 0x%" PRIx64 " overlaps another device", name,
			 base);
		pthread_mutex_destroy(&t->lock);
		free(t);
		return NULL;
	}
	return t;
}

void virtio_mmio_reset(struct virtio_mmio *t)
{
	pthread_mutex_lock(&t->lock);
	reset_locked(t);
	pthread_mutex_unlock(&t->lock);
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	if (!t)
		return;
	if (t->dev.destroy)
		t->dev.destroy(t->dev.opaque);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static int transport_fdt(void *fdt, const struct device *d, const struct board_fdt *b)
{
	char name[48];
	int e;

	snprintf(name, sizeof(name), "virtio_mmio@%" PRIx64, d->base);
	if ((e = fdt_begin_node(fdt, name)) ||
	    (e = fdt_property_string(fdt, "compatible", "virtio,mmio")) ||
	    (e = fdt_device_reg(fdt, d)) ||
	    (e = fdt_device_irq(fdt, b, d->irq)) ||
	    (b->dma_coherent && (e = fdt_property(fdt, "dma-coherent", NULL, 0))))
		return e;
	return fdt_end_node(fdt);
}

static void reset(void *state)
{
	virtio_mmio_reset(state);
}

static void destroy(void *state)
{
	virtio_mmio_destroy(state);
}

struct device virtio_mmio_device(struct virtio_mmio *t, uint64_t base, int irq)
{
	return (struct device){
		.name = t->name, .base = base, .size = VIRTIO_MMIO_SIZE, .irq = irq,
		.soc = true, .state = t, .reset = reset, .destroy = destroy,
		.fdt = transport_fdt,
	};
}
