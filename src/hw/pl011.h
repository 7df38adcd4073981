/*
 * ARM PrimeCell PL011 UART: the registers firmware and Linux's amba-pl011
 * driver use (data, flags, line and control, interrupt mask, raw and
 * masked status, clear, the PrimeCell identification), a 16-byte receive
 * FIFO with the console's input pacing (serial.h), receive and transmit
 * interrupts on one line, loopback, and instant transmission.
 */
#ifndef NORVM_HW_PL011_H
#define NORVM_HW_PL011_H

#include <stdint.h>

#include "device.h"
#include "hw/serial.h"
#include "irq.h"

struct vm;
struct pl011;

#define PL011_SIZE	0x1000

struct pl011 *pl011_create(struct vm *vm, uint64_t base, struct irq_line irq,
			   void (*out)(void *opaque, uint8_t byte), void *out_opaque);
void pl011_reset(struct pl011 *u);
void pl011_destroy(struct pl011 *u);
/* Its receiver, for the console. */
struct serial_rx *pl011_rx(struct pl011 *u);
/* Its descriptor: an "arm,pl011" node at `base` on SPI `irq`, clocked by
 * the board's APB clock. */
struct device pl011_device(struct pl011 *u, uint64_t base, int irq);

#endif
