/*
 * The receive side of a console UART, shared by the 16550A (uart.c) and
 * the PL011 (pl011.c): a small FIFO that knows which bytes the console
 * typed, and the input pacing the console relies on.
 *
 * Input pacing.  A console feeding piped input must not type faster than
 * the guest reads, or bytes sent while the guest is busy are lost or taken
 * as an interrupt key.  serial_rx_state() tells what the guest is doing
 * with the receiver while the FIFO is empty:
 *
 *   WAITING  ready for the next byte as typed input: the received-data
 *            interrupt is enabled (an interrupt-driven driver), or the
 *            guest polls the status register in a tight loop (at least
 *            SERIAL_IDLE_POLLS reads in a row that found no data, each
 *            within SERIAL_IDLE_GAP_NS of the previous one plus what one
 *            read costs, no byte transmitted in between: a driver also
 *            reads the status before each byte it sends).  A read costs an
 *            MMIO exit, slower under KVM: the shortest gap seen, at most
 *            SERIAL_IDLE_EXIT_NS;
 *   POLLING  checking for a key now and then: SERIAL_KEY_POLLS such reads
 *            in a row, each after the first at least SERIAL_IDLE_GAP_NS
 *            and less than SERIAL_KEY_GAP_NS after the one before, the
 *            last one that recent (a tight loop slowed once by the host is
 *            not): a countdown that any key stops, or a command that
 *            checks for Ctrl-C.  Such a guest takes a byte as a key press
 *            and discards it, so it is no place for typed text;
 *   BUSY     anything else, or a byte is still waiting to be read.
 *
 * Bytes the console typed that the guest clears from the FIFO unread (its
 * driver initialising the UART, or a reset) are not lost: the console takes
 * them back with serial_rx_reclaim() and types them again.
 *
 * Locking: a serial_rx lives inside its UART and shares the UART's lock.
 * The UART calls the serial_rx_*_locked functions with it held; the console
 * calls the others, which take it.
 */
#ifndef NORVM_HW_SERIAL_H
#define NORVM_HW_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "irq.h"

#define SERIAL_FIFO_MAX		16
#define SERIAL_IDLE_POLLS	16
#define SERIAL_IDLE_GAP_NS	50000
#define SERIAL_IDLE_EXIT_NS	100000
#define SERIAL_KEY_POLLS	2
#define SERIAL_KEY_GAP_NS	100000000

enum serial_rx_state { SERIAL_RX_BUSY, SERIAL_RX_POLLING, SERIAL_RX_WAITING };

struct serial_rx {
	pthread_mutex_t *lock;		/* the UART's */
	/* After a byte is pushed: the UART updates its interrupt (locked). */
	void (*received)(void *uart);
	void *uart;

	unsigned capacity;		/* 1 with the FIFO off */
	bool irq_enabled;		/* the received-data interrupt is on */
	uint8_t fifo[SERIAL_FIFO_MAX];
	bool from_host[SERIAL_FIFO_MAX];	/* pushed by the console */
	unsigned head, count;
	uint8_t back[SERIAL_FIFO_MAX];	/* the console's bytes cleared unread */
	unsigned nback;

	/* Consecutive empty status reads with no output in between, ... */
	unsigned polls;		/* ...each within SERIAL_IDLE_GAP_NS */
	unsigned key_polls;	/* ...each SERIAL_IDLE_GAP_NS to SERIAL_KEY_GAP_NS */
	uint64_t last_poll_ns;
	uint64_t min_gap_ns;	/* the shortest gap between two such reads */
	uint64_t (*clock)(void *opaque);	/* nanoseconds, for the pacing */
	void *clock_opaque;
	void (*notify)(void *opaque);	/* the console may have work */
	void *notify_opaque;
};

/* A receiver of `capacity` bytes for `uart`, guarded by `lock`. */
void serial_rx_init(struct serial_rx *r, pthread_mutex_t *lock,
		    void (*received)(void *uart), void *uart, unsigned capacity);

/* For the UART, with its lock held. */
void serial_rx_set_capacity_locked(struct serial_rx *r, unsigned capacity);
/* The guest reads a byte (0 when empty). */
uint8_t serial_rx_pop_locked(struct serial_rx *r);
/* A byte from the UART itself (loopback); false: the FIFO overflowed. */
bool serial_rx_put_locked(struct serial_rx *r, uint8_t byte);
/* The guest or a reset empties the FIFO (typed bytes kept for reclaim). */
void serial_rx_clear_locked(struct serial_rx *r);
/* The guest read the status register; `data`: it showed a byte waiting. */
void serial_rx_status_read_locked(struct serial_rx *r, bool data);
/* The guest sent a byte: it is not waiting for a key. */
void serial_rx_sent_locked(struct serial_rx *r);
/* The guest turned the received-data interrupt on or off. */
void serial_rx_irq_enable_locked(struct serial_rx *r, bool on);
/* Forget the polls seen (a reset). */
void serial_rx_forget_polls_locked(struct serial_rx *r);

/* For the console. */
/* Receive one byte: 0, or -EAGAIN when the FIFO is full or bytes taken
 * back are waiting to be reclaimed (they go first). */
int serial_rx_push(struct serial_rx *r, uint8_t byte);
/* Free FIFO entries (0 while bytes wait to be reclaimed). */
unsigned serial_rx_space(struct serial_rx *r);
/* What the guest does with the receiver; see above. */
enum serial_rx_state serial_rx_state(struct serial_rx *r);
/* Pushed bytes the guest has not read: in the FIFO or taken back. */
unsigned serial_rx_unread(struct serial_rx *r);
/* Take back, oldest first, pushed bytes the guest cleared unread. */
unsigned serial_rx_reclaim(struct serial_rx *r, uint8_t *buf, unsigned max);
/*
 * `fn` is called (from a hart's thread, with the UART's lock held: it must
 * not call back into the UART) when the guest starts WAITING or POLLING,
 * reads a typed byte, or clears typed bytes unread: the console then
 * delivers at once instead of at its next look.
 */
void serial_rx_set_notify(struct serial_rx *r, void (*fn)(void *opaque), void *opaque);
/* The clock the pacing reads, in nanoseconds (default CLOCK_MONOTONIC). */
void serial_rx_set_clock(struct serial_rx *r, uint64_t (*clock)(void *opaque),
			 void *opaque);

/*
 * What both UARTs are built on: their lock, the receiver, the interrupt
 * line (driven only when its level changes) and where transmitted bytes go.
 */
struct serial_port {
	pthread_mutex_t lock;
	struct serial_rx rx;
	struct irq_line irq;
	bool irq_level;
	void (*out)(void *opaque, uint8_t byte);
	void *out_opaque;
};

/* Set up p for `uart` (received: as serial_rx_init's). */
void serial_port_init(struct serial_port *p, struct irq_line irq,
		      void (*out)(void *opaque, uint8_t byte), void *out_opaque,
		      void (*received)(void *uart), void *uart);
void serial_port_destroy(struct serial_port *p);
/* The interrupt line at `level` (the lock held). */
void serial_port_irq(struct serial_port *p, bool level);

#endif
