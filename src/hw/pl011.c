/* ARM PL011 UART registers, receive FIFO and interrupts. */
#include <inttypes.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "hw/pl011.h"
#include "services.h"

enum {
	REG_DR = 0x000, REG_RSR = 0x004, REG_FR = 0x018, REG_ILPR = 0x020,
	REG_IBRD = 0x024, REG_FBRD = 0x028, REG_LCR_H = 0x02c, REG_CR = 0x030,
	REG_IFLS = 0x034, REG_IMSC = 0x038, REG_RIS = 0x03c, REG_MIS = 0x040,
	REG_ICR = 0x044, REG_DMACR = 0x048, REG_ID = 0xfe0,
};

#define FR_RXFE		(1u << 4)
#define FR_TXFE		(1u << 7)
#define LCR_H_FEN	(1u << 4)
#define CR_LBE		(1u << 7)
#define CR_RESET	0x300		/* TXE, RXE */
#define IFLS_RESET	0x12		/* both FIFOs at half */
#define INT_RX		(1u << 4)
#define INT_TX		(1u << 5)
#define INT_RT		(1u << 6)
#define INT_OE		(1u << 10)
#define INT_ALL		0x7ff
#define RSR_OE		(1u << 3)

#define FIFO_DEPTH	16

/* PeriphID0-3, PCellID0-3: a PL011 revision r1p5, as Linux's AMBA bus reads. */
static const uint8_t ids[8] = { 0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

struct pl011 {
	struct serial_port port;	/* lock, receiver, irq, output */

	uint32_t lcr_h, cr, ifls, imsc, ris_tx_oe, ilpr, ibrd, fbrd, dmacr, rsr;
};

/*
 * Raw status: received data stays asserted while the FIFO holds a byte
 * (a trigger level of one, as QEMU's model has); transmit and overrun are
 * latched until cleared.
 */
static uint32_t ris(const struct pl011 *u)
{
	return u->ris_tx_oe | (u->port.rx.count ? INT_RX : 0);
}

static void update_irq(struct pl011 *u)
{
	bool level = ris(u) & u->imsc;

	serial_port_irq(&u->port, level);
}

static void received(void *opaque)
{
	update_irq(opaque);
}

static uint64_t pl011_read(void *opaque, uint64_t off, unsigned len)
{
	struct pl011 *u = opaque;
	uint32_t v = 0;

	if (off >= REG_ID && off < REG_ID + 0x20)
		return (off & 3) ? 0 : ids[(off - REG_ID) / 4];
	pthread_mutex_lock(&u->port.lock);
	switch (off) {
	case REG_DR: v = serial_rx_pop_locked(&u->port.rx); break;
	case REG_RSR: v = u->rsr; break;
	case REG_FR:
		v = FR_TXFE | (u->port.rx.count ? 0 : FR_RXFE);
		serial_rx_status_read_locked(&u->port.rx, u->port.rx.count);
		break;
	case REG_ILPR: v = u->ilpr; break;
	case REG_IBRD: v = u->ibrd; break;
	case REG_FBRD: v = u->fbrd; break;
	case REG_LCR_H: v = u->lcr_h; break;
	case REG_CR: v = u->cr; break;
	case REG_IFLS: v = u->ifls; break;
	case REG_IMSC: v = u->imsc; break;
	case REG_RIS: v = ris(u); break;
	case REG_MIS: v = ris(u) & u->imsc; break;
	case REG_DMACR: v = u->dmacr; break;
	}
	update_irq(u);
	pthread_mutex_unlock(&u->port.lock);
	return v;
}

static void pl011_write(void *opaque, uint64_t off, unsigned len, uint64_t val)
{
	struct pl011 *u = opaque;
	uint32_t v = (uint32_t)val;

	pthread_mutex_lock(&u->port.lock);
	switch (off) {
	case REG_DR:
		if (u->cr & CR_LBE) {
			if (!serial_rx_put_locked(&u->port.rx, (uint8_t)v)) {
				u->ris_tx_oe |= INT_OE;
				u->rsr |= RSR_OE;
			}
		} else {
			serial_rx_sent_locked(&u->port.rx);
			u->port.out(u->port.out_opaque, (uint8_t)v);
		}
		u->ris_tx_oe |= INT_TX;		/* sent at once: room again */
		break;
	case REG_RSR: u->rsr = 0; break;	/* error clear */
	case REG_ILPR: u->ilpr = v & 0xff; break;
	case REG_IBRD: u->ibrd = v & 0xffff; break;
	case REG_FBRD: u->fbrd = v & 0x3f; break;
	case REG_LCR_H:
		if ((v ^ u->lcr_h) & LCR_H_FEN)
			serial_rx_clear_locked(&u->port.rx);
		u->lcr_h = v & 0xff;
		serial_rx_set_capacity_locked(&u->port.rx, (v & LCR_H_FEN) ? FIFO_DEPTH : 1);
		break;
	case REG_CR: u->cr = v & 0xff87; break;
	case REG_IFLS: u->ifls = v & 0x3f; break;
	case REG_IMSC:
		u->imsc = v & INT_ALL;
		serial_rx_irq_enable_locked(&u->port.rx, u->imsc & (INT_RX | INT_RT));
		break;
	case REG_ICR: u->ris_tx_oe &= ~v; break;
	case REG_DMACR: u->dmacr = v & 7; break;
	}
	update_irq(u);
	pthread_mutex_unlock(&u->port.lock);
}

static const struct mmio_ops pl011_ops = {
	.read = pl011_read,
	.write = pl011_write,
};

struct serial_rx *pl011_rx(struct pl011 *u)
{
	return &u->port.rx;
}

void pl011_reset(struct pl011 *u)
{
	pthread_mutex_lock(&u->port.lock);
	u->lcr_h = u->imsc = u->ris_tx_oe = u->ilpr = u->ibrd = u->fbrd = 0;
	u->dmacr = u->rsr = 0;
	u->cr = CR_RESET;
	u->ifls = IFLS_RESET;
	serial_rx_clear_locked(&u->port.rx);
	serial_rx_set_capacity_locked(&u->port.rx, 1);
	serial_rx_irq_enable_locked(&u->port.rx, false);
	serial_rx_forget_polls_locked(&u->port.rx);
	update_irq(u);
	pthread_mutex_unlock(&u->port.lock);
}

struct pl011 *pl011_create(struct vm *vm, uint64_t base, struct irq_line irq,
			   void (*out)(void *opaque, uint8_t byte), void *out_opaque)
{
	struct pl011 *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->cr = CR_RESET;
	u->ifls = IFLS_RESET;
	serial_port_init(&u->port, irq, out, out_opaque, received, u);
	if (vm_register_mmio(vm, base, PL011_SIZE, "pl011", &pl011_ops, u)) {
		pl011_destroy(u);
		return NULL;
	}
	return u;
}

void pl011_destroy(struct pl011 *u)
{
	if (!u)
		return;
	serial_port_destroy(&u->port);
	free(u);
}

static int pl011_fdt(void *fdt, const struct device *d, const struct board_fdt *b)
{
	static const char compat[] = "arm,pl011\0arm,primecell";
	static const char clocks[] = "uartclk\0apb_pclk";
	fdt32_t clk[2] = { cpu_to_fdt32(b->clock), cpu_to_fdt32(b->clock) };
	char name[48];
	int e;

	snprintf(name, sizeof(name), "pl011@%" PRIx64, d->base);
	if ((e = fdt_begin_node(fdt, name)) ||
	    (e = fdt_property(fdt, "compatible", compat, sizeof(compat))) ||
	    (e = fdt_device_reg(fdt, d)) ||
	    (e = fdt_device_irq(fdt, b, d->irq)) ||
	    (e = fdt_property(fdt, "clocks", clk, sizeof(clk))) ||
	    (e = fdt_property(fdt, "clock-names", clocks, sizeof(clocks))))
		return e;
	return fdt_end_node(fdt);
}

static void reset(void *state)
{
	pl011_reset(state);
}

static void destroy(void *state)
{
	pl011_destroy(state);
}

struct device pl011_device(struct pl011 *u, uint64_t base, int irq)
{
	return (struct device){
		.name = "pl011", .base = base, .size = PL011_SIZE, .irq = irq,
		.state = u, .reset = reset, .destroy = destroy, .fdt = pl011_fdt,
	};
}
