/* A console UART's receiver: FIFO, typed bytes taken back, input pacing. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "hw/serial.h"

static uint64_t monotonic_ns(void *opaque)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* Tell the console the receiver's state changed. */
static void notify(struct serial_rx *r)
{
	if (r->notify)
		r->notify(r->notify_opaque);
}

void serial_rx_init(struct serial_rx *r, pthread_mutex_t *lock,
		    void (*received)(void *uart), void *uart, unsigned capacity)
{
	memset(r, 0, sizeof(*r));
	r->lock = lock;
	r->received = received;
	r->uart = uart;
	r->capacity = capacity;
	r->clock = monotonic_ns;
	r->min_gap_ns = UINT64_MAX;
}

void serial_rx_set_capacity_locked(struct serial_rx *r, unsigned capacity)
{
	r->capacity = capacity;
}

uint8_t serial_rx_pop_locked(struct serial_rx *r)
{
	uint8_t b;

	if (!r->count)
		return 0;
	b = r->fifo[r->head];
	if (r->from_host[r->head])
		notify(r);		/* room for the next typed byte */
	r->from_host[r->head] = false;
	r->head = (r->head + 1) % SERIAL_FIFO_MAX;
	r->count--;
	return b;
}

static bool put(struct serial_rx *r, uint8_t b, bool from_host)
{
	unsigned i = (r->head + r->count) % SERIAL_FIFO_MAX;

	if (r->count >= r->capacity)
		return false;
	r->fifo[i] = b;
	r->from_host[i] = from_host;
	r->count++;
	return true;
}

bool serial_rx_put_locked(struct serial_rx *r, uint8_t byte)
{
	return put(r, byte, false);
}

/*
 * Bytes the console typed that the guest never read are kept for
 * serial_rx_reclaim(): a driver initialising the UART must not lose what
 * was typed ahead.
 */
void serial_rx_clear_locked(struct serial_rx *r)
{
	unsigned had = r->nback;

	for (; r->count; r->count--) {
		if (r->from_host[r->head] && r->nback < SERIAL_FIFO_MAX)
			r->back[r->nback++] = r->fifo[r->head];
		r->from_host[r->head] = false;
		r->head = (r->head + 1) % SERIAL_FIFO_MAX;
	}
	r->head = 0;
	if (r->nback != had)
		notify(r);
}

void serial_rx_forget_polls_locked(struct serial_rx *r)
{
	r->polls = 0;
	r->key_polls = 0;
}

void serial_rx_sent_locked(struct serial_rx *r)
{
	serial_rx_forget_polls_locked(r);
}

void serial_rx_irq_enable_locked(struct serial_rx *r, bool on)
{
	if (on && !r->irq_enabled)
		notify(r);		/* now WAITING */
	r->irq_enabled = on;
}

/*
 * Count status reads that find no data, for serial_rx_state().  Two reads
 * are close together when the gap is at most SERIAL_IDLE_GAP_NS longer than
 * what one read costs the guest, an MMIO exit: a fraction of a microsecond
 * on the built-in CPU, microseconds under KVM, tens of them under KVM
 * nested in an emulator.  That cost is taken as the shortest gap seen, up
 * to SERIAL_IDLE_EXIT_NS (a guest polling slower than that is not spinning).
 */
void serial_rx_status_read_locked(struct serial_rx *r, bool data)
{
	uint64_t t = r->clock(r->clock_opaque);
	uint64_t gap = t - r->last_poll_ns;

	if (data) {
		serial_rx_forget_polls_locked(r);
		r->last_poll_ns = t;
		return;
	}
	if (r->polls && gap < r->min_gap_ns)
		r->min_gap_ns = gap;
	if (r->polls && gap < SERIAL_IDLE_GAP_NS + (r->min_gap_ns < SERIAL_IDLE_EXIT_NS ?
						    r->min_gap_ns : SERIAL_IDLE_EXIT_NS)) {
		if (++r->polls == SERIAL_IDLE_POLLS)
			notify(r);	/* now WAITING */
		r->key_polls = 0;	/* tight */
	} else {
		r->polls = 1;
		/* Slow, but not so slow as to start again. */
		r->key_polls = gap < SERIAL_KEY_GAP_NS ? r->key_polls + 1 : 1;
		if (r->key_polls == SERIAL_KEY_POLLS)
			notify(r);	/* now POLLING */
	}
	r->last_poll_ns = t;
}

int serial_rx_push(struct serial_rx *r, uint8_t byte)
{
	int ret = 0;

	pthread_mutex_lock(r->lock);
	/* Bytes taken back go first: the console reclaims them before. */
	if (r->nback || !put(r, byte, true)) {
		ret = -EAGAIN;
	} else {
		serial_rx_forget_polls_locked(r);
		r->received(r->uart);
	}
	pthread_mutex_unlock(r->lock);
	return ret;
}

unsigned serial_rx_space(struct serial_rx *r)
{
	unsigned n;

	pthread_mutex_lock(r->lock);
	n = r->nback || r->count >= r->capacity ? 0 : r->capacity - r->count;
	pthread_mutex_unlock(r->lock);
	return n;
}

unsigned serial_rx_unread(struct serial_rx *r)
{
	unsigned n;

	pthread_mutex_lock(r->lock);
	n = r->nback;
	for (unsigned i = 0; i < r->count; i++)
		n += r->from_host[(r->head + i) % SERIAL_FIFO_MAX];
	pthread_mutex_unlock(r->lock);
	return n;
}

unsigned serial_rx_reclaim(struct serial_rx *r, uint8_t *buf, unsigned max)
{
	unsigned n;

	pthread_mutex_lock(r->lock);
	n = r->nback < max ? r->nback : max;
	memcpy(buf, r->back, n);
	memmove(r->back, r->back + n, r->nback - n);
	r->nback -= n;
	pthread_mutex_unlock(r->lock);
	return n;
}

enum serial_rx_state serial_rx_state(struct serial_rx *r)
{
	enum serial_rx_state st = SERIAL_RX_BUSY;
	uint64_t now;

	pthread_mutex_lock(r->lock);
	now = r->clock(r->clock_opaque);
	if (r->count || r->nback)
		st = SERIAL_RX_BUSY;
	else if (r->irq_enabled || r->polls >= SERIAL_IDLE_POLLS)
		st = SERIAL_RX_WAITING;
	else if (r->key_polls >= SERIAL_KEY_POLLS &&
		 now - r->last_poll_ns < SERIAL_KEY_GAP_NS)
		st = SERIAL_RX_POLLING;
	pthread_mutex_unlock(r->lock);
	return st;
}

void serial_rx_set_clock(struct serial_rx *r, uint64_t (*clock)(void *opaque),
			 void *opaque)
{
	pthread_mutex_lock(r->lock);
	r->clock = clock;
	r->clock_opaque = opaque;
	pthread_mutex_unlock(r->lock);
}

void serial_rx_set_notify(struct serial_rx *r, void (*fn)(void *opaque), void *opaque)
{
	pthread_mutex_lock(r->lock);
	r->notify = fn;
	r->notify_opaque = opaque;
	pthread_mutex_unlock(r->lock);
}

void serial_port_init(struct serial_port *p, struct irq_line irq,
		      void (*out)(void *opaque, uint8_t byte), void *out_opaque,
		      void (*received)(void *uart), void *uart)
{
	p->irq = irq;
	p->out = out;
	p->out_opaque = out_opaque;
	pthread_mutex_init(&p->lock, NULL);
	serial_rx_init(&p->rx, &p->lock, received, uart, 1);
}

void serial_port_destroy(struct serial_port *p)
{
	pthread_mutex_destroy(&p->lock);
}

void serial_port_irq(struct serial_port *p, bool level)
{
	if (level != p->irq_level) {
		p->irq_level = level;
		irq_set(&p->irq, level);
	}
}
