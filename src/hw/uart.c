/* 16550A UART registers, receive FIFO and interrupts. */
#include <inttypes.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	struct serial_port port;	/* lock, receiver, irq, output */

	uint8_t ier, lcr, mcr, scr, fcr, lsr_err;
	uint16_t divisor;
	bool thr_pending;	/* THRE interrupt not yet acknowledged */
};

static uint8_t iir(const struct uart *u)
{
	uint8_t fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

	if ((u->ier & IER_RLSI) && (u->lsr_err & LSR_OE))
		return fifo | IIR_RLSI;
	if ((u->ier & IER_RDI) && u->port.rx.count)
		return fifo | IIR_RDI;
	if ((u->ier & IER_THRI) && u->thr_pending)
		return fifo | IIR_THRI;
	return fifo | IIR_NONE;
}

static void update_irq(struct uart *u)
{
	bool level = !(iir(u) & IIR_NONE);

	serial_port_irq(&u->port, level);
}

static void received(void *opaque)
{
	update_irq(opaque);
}

static uint8_t lsr(const struct uart *u)
{
	return (u->port.rx.count ? LSR_DR : 0) | u->lsr_err | LSR_THRE | LSR_TEMT;
}

static uint64_t uart_read(void *opaque, uint64_t off, unsigned len)
{
	struct uart *u = opaque;
	uint8_t v = 0;

	pthread_mutex_lock(&u->port.lock);
	switch (off) {
	case REG_RBR_THR_DLL:
		v = (u->lcr & LCR_DLAB) ? (uint8_t)u->divisor : serial_rx_pop_locked(&u->port.rx);
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
		serial_rx_status_read_locked(&u->port.rx, v & LSR_DR);
		break;
	case REG_MSR: v = (u->mcr & MCR_LOOP) ? 0 : MSR_DEFAULT; break;
	case REG_SCR: v = u->scr; break;
	}
	update_irq(u);
	pthread_mutex_unlock(&u->port.lock);
	return v;
}

static void uart_write(void *opaque, uint64_t off, unsigned len, uint64_t val)
{
	struct uart *u = opaque;
	uint8_t v = (uint8_t)val;

	pthread_mutex_lock(&u->port.lock);
	switch (off) {
	case REG_RBR_THR_DLL:
		if (u->lcr & LCR_DLAB) {
			u->divisor = (uint16_t)((u->divisor & 0xff00) | v);
		} else if (u->mcr & MCR_LOOP) {
			if (!serial_rx_put_locked(&u->port.rx, v))
				u->lsr_err |= LSR_OE;
			u->thr_pending = true;
		} else {
			serial_rx_sent_locked(&u->port.rx);
			u->port.out(u->port.out_opaque, v);
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
			serial_rx_irq_enable_locked(&u->port.rx, u->ier & IER_RDI);
		}
		break;
	case REG_IIR_FCR:
		if ((v & FCR_ENABLE) != (u->fcr & FCR_ENABLE) ||
		    (v & FCR_CLEAR_RX))
			serial_rx_clear_locked(&u->port.rx);
		u->fcr = v & (FCR_ENABLE | 0xc0);
		serial_rx_set_capacity_locked(&u->port.rx, (u->fcr & FCR_ENABLE) ? UART_FIFO_SIZE : 1);
		break;
	case REG_LCR: u->lcr = v; break;
	case REG_MCR: u->mcr = v & 0x1f; break;
	case REG_SCR: u->scr = v; break;
	}
	update_irq(u);
	pthread_mutex_unlock(&u->port.lock);
}

static const struct mmio_ops uart_ops = {
	.read = uart_read,
	.write = uart_write,
};

struct serial_rx *uart_rx(struct uart *u)
{
	return &u->port.rx;
}

void uart_reset(struct uart *u)
{
	pthread_mutex_lock(&u->port.lock);
	u->ier = u->lcr = u->mcr = u->scr = u->fcr = u->lsr_err = 0;
	u->divisor = 0;
	u->thr_pending = false;
	serial_rx_clear_locked(&u->port.rx);
	serial_rx_set_capacity_locked(&u->port.rx, 1);
	serial_rx_irq_enable_locked(&u->port.rx, false);
	serial_rx_forget_polls_locked(&u->port.rx);
	update_irq(u);
	pthread_mutex_unlock(&u->port.lock);
}

struct uart *uart_create(struct vm *vm, uint64_t base, struct irq_line irq,
			 void (*out)(void *opaque, uint8_t byte),
			 void *out_opaque)
{
	struct uart *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->vm = vm;
	serial_port_init(&u->port, irq, out, out_opaque, received, u);
	if (vm_register_mmio(vm, base, UART_SIZE, "uart", &uart_ops, u)) {
		uart_destroy(u);
		return NULL;
	}
	return u;
}

void uart_destroy(struct uart *u)
{
	if (!u)
		return;
	serial_port_destroy(&u->port);
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
