/* 16550A UART registers, receive FIFO and interrupts. */
#include <errno.h>
#include <inttypes.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/uart.h"
#include "services.h"

enum {
	REG_RBR_THR_DLL = 0, REG_IER_DLM = 1, REG_IIR_FCR = 2, REG_LCR = 3,
	REG_MCR = 4, REG_LSR = 5, REG_MSR = 6, REG_SCR = 7,
};

#define IER_RDI		0x01	/* received data available */
#define IER_THRI	0x02	/* transmitter holding register empty */
#define IER_RLSI	0x04	/* receiver line status */
#define IER_MASK	0x0f

#define IIR_NONE	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_FIFO	0xc0

#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02

#define LCR_DLAB	0x80
#define MCR_LOOP	0x10

#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

#define MSR_DEFAULT	0xb0	/* DCD, DSR, CTS: a terminal is attached */

struct uart {
	struct vm *vm;
	pthread_mutex_t lock;
	struct irq_line irq;
	void (*out)(void *opaque, uint8_t byte);
	void *out_opaque;

	uint8_t ier, lcr, mcr, scr, fcr, lsr_err;
	uint16_t divisor;
	bool thr_pending;	/* THRE interrupt not yet acknowledged */
	bool irq_level;

	uint8_t fifo[UART_FIFO_SIZE];
	bool from_host[UART_FIFO_SIZE];	/* pushed by uart_rx_push */
	unsigned head, count;
	uint8_t back[UART_FIFO_SIZE];	/* host bytes cleared unread */
	unsigned nback;

	/* Consecutive empty LSR reads with no output in between, ... */
	unsigned polls;		/* ...each within UART_IDLE_GAP_NS */
	unsigned key_polls;	/* ...each UART_IDLE_GAP_NS to UART_KEY_GAP_NS */
	uint64_t last_poll_ns;
	uint64_t min_gap_ns;	/* the shortest gap between two such reads */
	uint64_t (*clock)(void *opaque);	/* nanoseconds, for the pacing */
	void *clock_opaque;
	void (*notify)(void *opaque);	/* the console may have work */
	void *notify_opaque;
};

/* Tell the console the receiver's state changed (called with the lock). */
static void notify(struct uart *u)
{
	if (u->notify)
		u->notify(u->notify_opaque);
}

static uint64_t monotonic_ns(void *opaque)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static unsigned capacity(const struct uart *u)
{
	return (u->fcr & FCR_ENABLE) ? UART_FIFO_SIZE : 1;
}

static uint8_t iir(const struct uart *u)
{
	uint8_t fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

	if ((u->ier & IER_RLSI) && (u->lsr_err & LSR_OE))
		return fifo | IIR_RLSI;
	if ((u->ier & IER_RDI) && u->count)
		return fifo | IIR_RDI;
	if ((u->ier & IER_THRI) && u->thr_pending)
		return fifo | IIR_THRI;
	return fifo | IIR_NONE;
}

static void update_irq(struct uart *u)
{
	bool level = !(iir(u) & IIR_NONE);

	if (level != u->irq_level) {
		u->irq_level = level;
		irq_set(&u->irq, level);
	}
}

static uint8_t lsr(const struct uart *u)
{
	return (u->count ? LSR_DR : 0) | u->lsr_err | LSR_THRE | LSR_TEMT;
}

static uint8_t rx_pop(struct uart *u)
{
	uint8_t b;

	if (!u->count)
		return 0;
	b = u->fifo[u->head];
	if (u->from_host[u->head])
		notify(u);		/* room for the next typed byte */
	u->from_host[u->head] = false;
	u->head = (u->head + 1) % UART_FIFO_SIZE;
	u->count--;
	return b;
}

static void rx_put(struct uart *u, uint8_t b, bool from_host)
{
	unsigned i = (u->head + u->count) % UART_FIFO_SIZE;

	if (u->count >= capacity(u)) {
		u->lsr_err |= LSR_OE;
		return;
	}
	u->fifo[i] = b;
	u->from_host[i] = from_host;
	u->count++;
}

/*
 * Empty the receive FIFO (the guest cleared it, or a reset).  Bytes the
 * console typed that the guest never read are kept for uart_rx_reclaim():
 * a driver initialising the UART must not lose what was typed ahead.
 */
static void rx_clear(struct uart *u)
{
	unsigned had = u->nback;

	for (; u->count; u->count--) {
		if (u->from_host[u->head] && u->nback < UART_FIFO_SIZE)
			u->back[u->nback++] = u->fifo[u->head];
		u->from_host[u->head] = false;
		u->head = (u->head + 1) % UART_FIFO_SIZE;
	}
	u->head = 0;
	if (u->nback != had)
		notify(u);
}

static void forget_polls(struct uart *u)
{
	u->polls = 0;
	u->key_polls = 0;
}

/*
 * Count LSR reads that find no data, for uart_rx_state().  Two reads are
 * close together when the gap is at most UART_IDLE_GAP_NS longer than what
 * one read costs the guest, an MMIO exit: a fraction of a microsecond on
 * the built-in CPU, microseconds under KVM, tens of them under KVM nested
 * in an emulator.  That cost is taken as the shortest gap seen, up to
 * UART_IDLE_EXIT_NS (a guest polling slower than that is not spinning).
 */
static void note_poll(struct uart *u, uint8_t status)
{
	uint64_t t = u->clock(u->clock_opaque);
	uint64_t gap = t - u->last_poll_ns;

	if (status & LSR_DR) {
		forget_polls(u);
		u->last_poll_ns = t;
		return;
	}
	if (u->polls && gap < u->min_gap_ns)
		u->min_gap_ns = gap;
	if (u->polls && gap < UART_IDLE_GAP_NS + (u->min_gap_ns < UART_IDLE_EXIT_NS ?
						  u->min_gap_ns : UART_IDLE_EXIT_NS)) {
		if (++u->polls == UART_IDLE_POLLS)
			notify(u);	/* now WAITING */
		u->key_polls = 0;	/* tight */
	} else {
		u->polls = 1;
		/* Slow, but not so slow as to start again. */
		u->key_polls = gap < UART_KEY_GAP_NS ? u->key_polls + 1 : 1;
		if (u->key_polls == UART_KEY_POLLS)
			notify(u);	/* now POLLING */
	}
	u->last_poll_ns = t;
}

static uint64_t uart_read(void *opaque, uint64_t off, unsigned len)
{
	struct uart *u = opaque;
	uint8_t v = 0;

	pthread_mutex_lock(&u->lock);
	switch (off) {
	case REG_RBR_THR_DLL:
		v = (u->lcr & LCR_DLAB) ? (uint8_t)u->divisor : rx_pop(u);
		break;
	case REG_IER_DLM:
		v = (u->lcr & LCR_DLAB) ? (uint8_t)(u->divisor >> 8) : u->ier;
		break;
	case REG_IIR_FCR:
		v = iir(u);
		/* Reading IIR acknowledges a reported THRE interrupt. */
		if ((v & 0x0f) == IIR_THRI)
			u->thr_pending = false;
		break;
	case REG_LCR: v = u->lcr; break;
	case REG_MCR: v = u->mcr; break;
	case REG_LSR:
		v = lsr(u);
		u->lsr_err = 0;
		note_poll(u, v);
		break;
	case REG_MSR: v = (u->mcr & MCR_LOOP) ? 0 : MSR_DEFAULT; break;
	case REG_SCR: v = u->scr; break;
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return v;
}

static void uart_write(void *opaque, uint64_t off, unsigned len, uint64_t val)
{
	struct uart *u = opaque;
	uint8_t v = (uint8_t)val;

	pthread_mutex_lock(&u->lock);
	switch (off) {
	case REG_RBR_THR_DLL:
		if (u->lcr & LCR_DLAB) {
			u->divisor = (uint16_t)((u->divisor & 0xff00) | v);
		} else if (u->mcr & MCR_LOOP) {
			rx_put(u, v, false);
			u->thr_pending = true;
		} else {
			/* A guest that writes is not waiting for a key. */
			forget_polls(u);
			u->out(u->out_opaque, v);
			/* Sent at once: the holding register is empty again. */
			u->thr_pending = true;
		}
		break;
	case REG_IER_DLM:
		if (u->lcr & LCR_DLAB) {
			u->divisor = (uint16_t)((u->divisor & 0xff) | v << 8);
		} else {
			if (!(u->ier & IER_THRI) && (v & IER_THRI))
				u->thr_pending = true;
			if (!(u->ier & IER_RDI) && (v & IER_RDI))
				notify(u);	/* now WAITING */
			u->ier = v & IER_MASK;
		}
		break;
	case REG_IIR_FCR:
		if ((v & FCR_ENABLE) != (u->fcr & FCR_ENABLE) ||
		    (v & FCR_CLEAR_RX))
			rx_clear(u);
		u->fcr = v & (FCR_ENABLE | 0xc0);
		break;
	case REG_LCR: u->lcr = v; break;
	case REG_MCR: u->mcr = v & 0x1f; break;
	case REG_SCR: u->scr = v; break;
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

static const struct mmio_ops uart_ops = {
	.read = uart_read,
	.write = uart_write,
};

int uart_rx_push(struct uart *u, uint8_t byte)
{
	int ret = 0;

	pthread_mutex_lock(&u->lock);
	/* Bytes taken back go first: the console reclaims them before. */
	if (u->count >= capacity(u) || u->nback) {
		ret = -EAGAIN;
	} else {
		rx_put(u, byte, true);
		forget_polls(u);
		update_irq(u);
	}
	pthread_mutex_unlock(&u->lock);
	return ret;
}

unsigned uart_rx_space(struct uart *u)
{
	unsigned n;

	pthread_mutex_lock(&u->lock);
	n = u->nback ? 0 : capacity(u) - u->count;
	pthread_mutex_unlock(&u->lock);
	return n;
}

unsigned uart_rx_unread(struct uart *u)
{
	unsigned n;

	pthread_mutex_lock(&u->lock);
	n = u->nback;
	for (unsigned i = 0; i < u->count; i++)
		n += u->from_host[(u->head + i) % UART_FIFO_SIZE];
	pthread_mutex_unlock(&u->lock);
	return n;
}

unsigned uart_rx_reclaim(struct uart *u, uint8_t *buf, unsigned max)
{
	unsigned n;

	pthread_mutex_lock(&u->lock);
	n = u->nback < max ? u->nback : max;
	memcpy(buf, u->back, n);
	memmove(u->back, u->back + n, u->nback - n);
	u->nback -= n;
	pthread_mutex_unlock(&u->lock);
	return n;
}

enum uart_rx_state uart_rx_state(struct uart *u)
{
	enum uart_rx_state st = UART_RX_BUSY;
	uint64_t now;

	pthread_mutex_lock(&u->lock);
	now = u->clock(u->clock_opaque);
	if (u->count || u->nback)
		st = UART_RX_BUSY;
	else if ((u->ier & IER_RDI) || u->polls >= UART_IDLE_POLLS)
		st = UART_RX_WAITING;
	else if (u->key_polls >= UART_KEY_POLLS &&
		 now - u->last_poll_ns < UART_KEY_GAP_NS)
		st = UART_RX_POLLING;
	pthread_mutex_unlock(&u->lock);
	return st;
}

void uart_set_clock(struct uart *u, uint64_t (*clock)(void *opaque),
		    void *opaque)
{
	pthread_mutex_lock(&u->lock);
	u->clock = clock;
	u->clock_opaque = opaque;
	pthread_mutex_unlock(&u->lock);
}

void uart_set_notify(struct uart *u, void (*fn)(void *opaque), void *opaque)
{
	pthread_mutex_lock(&u->lock);
	u->notify = fn;
	u->notify_opaque = opaque;
	pthread_mutex_unlock(&u->lock);
}

void uart_reset(struct uart *u)
{
	pthread_mutex_lock(&u->lock);
	u->ier = u->lcr = u->mcr = u->scr = u->fcr = u->lsr_err = 0;
	u->divisor = 0;
	u->thr_pending = false;
	rx_clear(u);
	forget_polls(u);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

struct uart *uart_create(struct vm *vm, uint64_t base, struct irq_line irq,
			 void (*out)(void *opaque, uint8_t byte),
			 void *out_opaque)
{
	struct uart *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->vm = vm;
	u->irq = irq;
	u->out = out;
	u->out_opaque = out_opaque;
	u->clock = monotonic_ns;
	u->min_gap_ns = UINT64_MAX;
	pthread_mutex_init(&u->lock, NULL);
	if (vm_register_mmio(vm, base, UART_SIZE, "uart", &uart_ops,
			  u)) {
		uart_destroy(u);
		return NULL;
	}
	return u;
}

void uart_destroy(struct uart *u)
{
	if (!u)
		return;
	pthread_mutex_destroy(&u->lock);
	free(u);
}

static int uart_fdt(void *fdt, const struct device *d, const struct board_fdt *b)
{
	char name[48];
	int e;

	snprintf(name, sizeof(name), "serial@%" PRIx64, d->base);
	if ((e = fdt_begin_node(fdt, name)) ||
	    (e = fdt_property_string(fdt, "compatible", "ns16550a")) ||
	    (e = fdt_device_reg(fdt, d)) ||
	    (e = fdt_property_u32(fdt, "clock-frequency", UART_CLOCK_HZ)) ||
	    (e = fdt_device_irq(fdt, b, d->irq)))
		return e;
	return fdt_end_node(fdt);
}

static void reset(void *state)
{
	uart_reset(state);
}

static void destroy(void *state)
{
	uart_destroy(state);
}

struct device uart_device(struct uart *u, uint64_t base, int irq)
{
	return (struct device){
		.name = "uart", .base = base, .size = UART_SIZE, .irq = irq, .soc = true,
		.state = u, .reset = reset, .destroy = destroy, .fdt = uart_fdt,
	};
}
