/*
 * 16550A UART: a 16-byte receive FIFO, interrupts for received data,
 * transmitter empty and line status with the chip's IIR priorities, and
 * instant transmission (every byte written goes straight to `out`).
 *
 * Input pacing.  A console feeding piped input must not type faster than
 * the guest reads, or bytes sent while the guest is busy are lost or taken
 * as an interrupt key.  uart_rx_idle() says when the guest is ready for the
 * next byte as typed input: the receive FIFO is empty and either the
 * received-data interrupt is enabled (an interrupt-driven driver), or the
 * guest is polling the line status register in a tight loop, waiting for a
 * key: at least UART_IDLE_POLLS reads in a row that found no data, each
 * within UART_IDLE_GAP_NS of the previous one plus what a read costs (the
 * shortest gap seen, at most UART_IDLE_EXIT_NS: an MMIO exit is slower
 * under KVM), with no byte transmitted in between (a driver also reads
 * LSR before each byte it sends).  A busy guest (U-Boot running `sleep`
 * polls for Ctrl-C only every 100 us or so) is not idle.
 */
#ifndef NORVM_HW_UART_H
#define NORVM_HW_UART_H

#include <stdbool.h>
#include <stdint.h>

#include "irq.h"

#define UART_FIFO_SIZE		16
#define UART_IDLE_POLLS		16
#define UART_IDLE_GAP_NS	50000
#define UART_IDLE_EXIT_NS	100000

struct vm;
struct uart;

struct uart *uart_create(struct vm *vm, uint64_t base, struct irq_line irq,
			 void (*out)(void *opaque, uint8_t byte),
			 void *out_opaque);
/* Power-on state: registers cleared, FIFO empty, interrupt low. */
void uart_reset(struct uart *u);
void uart_destroy(struct uart *u);

/* Receive one byte: 0, or -EAGAIN when the FIFO is full. */
int uart_rx_push(struct uart *u, uint8_t byte);
/* Free receive FIFO entries. */
unsigned uart_rx_space(struct uart *u);
/* Is the guest ready for the next typed byte?  See above. */
bool uart_rx_idle(struct uart *u);

#endif
