/* 16550A UART registers, receive FIFO and interrupts. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
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
	unsigned head, count;

	unsigned polls;		/* consecutive empty LSR reads, close together */
	uint64_t last_poll_ns;
	uint64_t min_gap_ns;	/* the shortest gap between two such reads */
};

static uint64_t now_ns(void)
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
	u->head = (u->head + 1) % UART_FIFO_SIZE;
	u->count--;
	return b;
}

static void rx_put(struct uart *u, uint8_t b)
{
	if (u->count >= capacity(u)) {
		u->lsr_err |= LSR_OE;
		return;
	}
	u->fifo[(u->head + u->count) % UART_FIFO_SIZE] = b;
	u->count++;
}

/*
 * Count LSR reads that find no data, for uart_rx_idle().  Reads are close
 * together when the gap is at most UART_IDLE_GAP_NS longer than what one
 * read costs the guest, an MMIO exit: a fraction of a microsecond on the
 * built-in CPU, microseconds under KVM, tens of them under KVM nested in
 * an emulator.  That cost is the shortest gap seen, up to
 * UART_IDLE_EXIT_NS (a guest polling slower than that is not spinning).
 */
static void note_poll(struct uart *u, uint8_t status)
{
	uint64_t t = now_ns(), gap = t - u->last_poll_ns;

	if (status & LSR_DR) {
		u->polls = 0;
	} else if (u->polls) {
		if (gap < u->min_gap_ns)
			u->min_gap_ns = gap;
		if (gap < UART_IDLE_GAP_NS + (u->min_gap_ns < UART_IDLE_EXIT_NS ?
					      u->min_gap_ns : UART_IDLE_EXIT_NS))
			u->polls++;
		else
			u->polls = 1;
	} else {
		u->polls = 1;
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
			rx_put(u, v);
			u->thr_pending = true;
		} else {
			/* A guest that writes is not waiting for a key. */
			u->polls = 0;
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
			u->ier = v & IER_MASK;
		}
		break;
	case REG_IIR_FCR:
		if ((v & FCR_ENABLE) != (u->fcr & FCR_ENABLE) ||
		    (v & FCR_CLEAR_RX)) {
			u->count = 0;
			u->head = 0;
		}
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
	if (u->count >= capacity(u)) {
		ret = -EAGAIN;
	} else {
		rx_put(u, byte);
		u->polls = 0;
		update_irq(u);
	}
	pthread_mutex_unlock(&u->lock);
	return ret;
}

unsigned uart_rx_space(struct uart *u)
{
	unsigned n;

	pthread_mutex_lock(&u->lock);
	n = capacity(u) - u->count;
	pthread_mutex_unlock(&u->lock);
	return n;
}

bool uart_rx_idle(struct uart *u)
{
	bool idle;

	pthread_mutex_lock(&u->lock);
	idle = !u->count && ((u->ier & IER_RDI) || u->polls >= UART_IDLE_POLLS);
	pthread_mutex_unlock(&u->lock);
	return idle;
}

void uart_reset(struct uart *u)
{
	pthread_mutex_lock(&u->lock);
	u->ier = u->lcr = u->mcr = u->scr = u->fcr = u->lsr_err = 0;
	u->divisor = 0;
	u->thr_pending = false;
	u->head = u->count = 0;
	u->polls = 0;
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
	u->min_gap_ns = UINT64_MAX;
	pthread_mutex_init(&u->lock, NULL);
	if (vm_register_mmio(vm, base, VIRT_UART0_SIZE, "uart", &uart_ops,
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
