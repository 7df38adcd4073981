/*
 * 16550A UART: a 16-byte receive FIFO, interrupts for received data,
 * transmitter empty and line status with the chip's IIR priorities, and
 * instant transmission (every byte written goes straight to `out`).
 *
 * The receiver, its FIFO and the console's input pacing are serial.h's.
 */
#ifndef NORVM_HW_UART_H
#define NORVM_HW_UART_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "irq.h"
#include "hw/serial.h"

#define UART_FIFO_SIZE		16

struct vm;
struct uart;

#define UART_SIZE		0x100
#define UART_CLOCK_HZ		3686400u	/* what the tree says its clock is */

struct uart *uart_create(struct vm *vm, uint64_t base, struct irq_line irq,
			 void (*out)(void *opaque, uint8_t byte),
			 void *out_opaque);
/* Power-on state: registers cleared, FIFO empty, interrupt low. */
void uart_reset(struct uart *u);
void uart_destroy(struct uart *u);
/* Its descriptor: an "ns16550a" node at `base` on line `irq`. */
struct device uart_device(struct uart *u, uint64_t base, int irq);

/* Its receiver, for the console. */
struct serial_rx *uart_rx(struct uart *u);

#endif
