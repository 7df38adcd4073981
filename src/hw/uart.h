/*
 * 16550A UART: a 16-byte receive FIFO, interrupts for received data,
 * transmitter empty and line status with the chip's IIR priorities, and
 * instant transmission (every byte written goes straight to `out`).
 *
 * Input pacing.  A console feeding piped input must not type faster than
 * the guest reads, or bytes sent while the guest is busy are lost or taken
 * as an interrupt key.  uart_rx_state() tells what the guest is doing with
 * the receiver while the FIFO is empty:
 *
 *   WAITING  ready for the next byte as typed input: the received-data
 *            interrupt is enabled (an interrupt-driven driver), or the
 *            guest polls the line status register in a tight loop (at
 *            least UART_IDLE_POLLS reads in a row that found no data, each
 *            within UART_IDLE_GAP_NS of the previous one plus what one
 *            read costs, no byte transmitted in between: a driver also
 *            reads LSR before each byte it sends).  A read costs an MMIO
 *            exit, slower under KVM: the shortest gap seen, at most
 *            UART_IDLE_EXIT_NS;
 *   POLLING  checking for a key now and then: UART_KEY_POLLS such reads
 *            in a row, each after the first at least UART_IDLE_GAP_NS and
 *            less than UART_KEY_GAP_NS after the one before, the last one
 *            that recent (a tight loop slowed once by the host is not): a
 *            countdown that any key stops, or a command that checks for
 *            Ctrl-C.  Such a guest takes a byte as a key press and
 *            discards it, so it is no place for typed text;
 *   BUSY     anything else, or a byte is still waiting to be read.
 *
 * Bytes the console typed that the guest clears from the FIFO unread (its
 * driver initialising the UART, or a reset) are not lost: the console takes
 * them back with uart_rx_reclaim() and types them again.
 */
#ifndef NORVM_HW_UART_H
#define NORVM_HW_UART_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "irq.h"

#define UART_FIFO_SIZE		16
#define UART_IDLE_POLLS		16
#define UART_IDLE_GAP_NS	50000
#define UART_IDLE_EXIT_NS	100000
#define UART_KEY_POLLS		2
#define UART_KEY_GAP_NS		100000000

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

enum uart_rx_state { UART_RX_BUSY, UART_RX_POLLING, UART_RX_WAITING };

/*
 * Receive one byte: 0, or -EAGAIN when the FIFO is full or bytes taken
 * back are waiting to be reclaimed (they go first).
 */
int uart_rx_push(struct uart *u, uint8_t byte);
/* Free receive FIFO entries (0 while bytes wait to be reclaimed). */
unsigned uart_rx_space(struct uart *u);
/* What the guest does with the receiver; see above. */
enum uart_rx_state uart_rx_state(struct uart *u);
/* Pushed bytes the guest has not read: in the FIFO or taken back. */
unsigned uart_rx_unread(struct uart *u);
/* Take back, oldest first, pushed bytes the guest cleared unread. */
unsigned uart_rx_reclaim(struct uart *u, uint8_t *buf, unsigned max);
/*
 * `fn` is called (from a hart's thread, with the UART's lock held: it must
 * not call back into the UART) when the guest starts WAITING or POLLING,
 * reads a typed byte, or clears typed bytes unread: the console then
 * delivers at once instead of at its next look.
 */
void uart_set_notify(struct uart *u, void (*fn)(void *opaque), void *opaque);
/* The clock the pacing reads, in nanoseconds (default CLOCK_MONOTONIC). */
void uart_set_clock(struct uart *u, uint64_t (*clock)(void *opaque),
		    void *opaque);

#endif
