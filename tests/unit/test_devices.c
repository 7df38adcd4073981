/*
 * The board's devices through the MMIO bus, as a CPU would reach them:
 * test finisher, CLINT, PLIC and the 16550A UART with its input pacing.
 */
#include <errno.h>
#include <time.h>

#include "board/riscv_virt.h"
#include "fakevm.h"
#include "hw/clint.h"
#include "hw/finisher.h"
#include "hw/pl011.h"
#include "hw/pl031.h"
#include "hw/plic.h"
#include "hw/uart.h"
#include "test.h"

static struct vm vm;

static uint64_t rd(uint64_t addr, unsigned len)
{
	struct mmio_exit e = { .addr = addr, .len = (uint8_t)len };

	CHECK(mmio_dispatch(&vm.bus, &e));
	return e.data;
}

static void wr(uint64_t addr, unsigned len, uint64_t val)
{
	struct mmio_exit e = { .addr = addr, .len = (uint8_t)len, .data = val,
			       .is_write = true };

	CHECK(mmio_dispatch(&vm.bus, &e));
}

static void test_finisher(void)
{
	struct finisher *f;

	fake_vm_init(&vm, 1);
	f = finisher_create(&vm, VIRT_TEST_BASE);
	wr(VIRT_TEST_BASE, 4, 0x1234);		/* unknown: ignored */
	CHECK_EQ(vm.exit_reason, VM_EXIT_NONE);
	wr(VIRT_TEST_BASE, 4, (3u << 16) | 0x3333);
	CHECK_EQ(vm.exit_reason, VM_EXIT_POWEROFF);
	CHECK_EQ(vm.exit_code, 3);
	vm.exit_reason = VM_EXIT_NONE;
	wr(VIRT_TEST_BASE, 4, 0x3333);		/* failure without a code */
	CHECK_EQ(vm.exit_code, 1);
	vm.exit_reason = VM_EXIT_NONE;
	wr(VIRT_TEST_BASE, 4, 0x5555);
	CHECK_EQ(vm.exit_code, 0);
	vm.exit_reason = VM_EXIT_NONE;
	wr(VIRT_TEST_BASE, 4, 0x7777);
	CHECK_EQ(vm.exit_reason, VM_EXIT_RESET);
	CHECK_EQ(rd(VIRT_TEST_BASE, 4), 0);
	/* 16-bit stores, as OpenSBI's system reset makes them. */
	vm.exit_reason = VM_EXIT_NONE;
	wr(VIRT_TEST_BASE, 2, 0x5555);
	CHECK_EQ(vm.exit_reason, VM_EXIT_POWEROFF);
	CHECK_EQ(vm.exit_code, 0);
	vm.exit_reason = VM_EXIT_NONE;
	wr(VIRT_TEST_BASE, 2, 0x3333);
	CHECK_EQ(vm.exit_reason, VM_EXIT_POWEROFF);
	CHECK_EQ(vm.exit_code, 1);
	vm.exit_reason = VM_EXIT_NONE;
	wr(VIRT_TEST_BASE, 2, 0x7777);
	CHECK_EQ(vm.exit_reason, VM_EXIT_RESET);
	/* A byte cannot hold a command; nothing else is a register. */
	vm.exit_reason = VM_EXIT_NONE;
	wr(VIRT_TEST_BASE, 1, 0x55);
	wr(VIRT_TEST_BASE + 2, 2, 0x5555);
	wr(VIRT_TEST_BASE + 4, 4, 0x5555);
	CHECK_EQ(vm.exit_reason, VM_EXIT_NONE);
	/* A 64-bit store: its low word is the register. */
	wr(VIRT_TEST_BASE, 8, 0xffffffff00005555ull);
	CHECK_EQ(vm.exit_reason, VM_EXIT_POWEROFF);
	CHECK_EQ(vm.exit_code, 0);
	finisher_destroy(f);
}

static void test_clint(void)
{
	struct clint *c;
	uint64_t t0, t1;

	fake_vm_init(&vm, 2);
	c = clint_create(&vm, VIRT_CLINT_BASE);
	CHECK_EQ(fake_timecmp[0], UINT64_MAX);
	CHECK_EQ(fake_timecmp[1], UINT64_MAX);
	wr(VIRT_CLINT_BASE + 4, 4, 1);		/* msip of hart 1 */
	CHECK(fake_irq[1][IRQ_M_SOFT]);
	CHECK(!fake_irq[0][IRQ_M_SOFT]);
	CHECK_EQ(rd(VIRT_CLINT_BASE + 4, 4), 1);
	wr(VIRT_CLINT_BASE + 4, 4, 2);		/* only bit 0 counts */
	CHECK(!fake_irq[1][IRQ_M_SOFT]);
	wr(VIRT_CLINT_BASE + 0x4000, 8, 0x123456789a);
	CHECK_EQ(fake_timecmp[0], 0x123456789a);
	wr(VIRT_CLINT_BASE + 0x4008 + 4, 4, 0x7);	/* high half, hart 1 */
	CHECK_EQ(fake_timecmp[1], 0x7ffffffffull);
	CHECK_EQ(rd(VIRT_CLINT_BASE + 0x4004, 4), 0x12);
	t0 = rd(VIRT_CLINT_BASE + 0xbff8, 8);
	nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
	t1 = rd(VIRT_CLINT_BASE + 0xbff8, 8);
	CHECK(t1 - t0 >= 2000000 / (1000000000 / VM_TIMEBASE_HZ));
	CHECK_EQ(rd(VIRT_CLINT_BASE + 0xbffc, 4), t1 >> 32);
	CHECK_EQ(rd(VIRT_CLINT_BASE + 0x2, 1), 0);	/* odd sizes read 0 */
	wr(VIRT_CLINT_BASE + 4, 4, 1);
	clint_reset(c);
	CHECK(!fake_irq[1][IRQ_M_SOFT]);
	CHECK_EQ(fake_timecmp[0], UINT64_MAX);
	CHECK_EQ(rd(VIRT_CLINT_BASE + 0x4000, 8), UINT64_MAX);
	clint_destroy(c);
}

#define PLIC(off) (VIRT_PLIC_BASE + (off))

static void test_plic(void)
{
	struct plic *p;

	fake_vm_init(&vm, 2);
	p = plic_create(&vm, VIRT_PLIC_BASE, VIRT_PLIC_NDEV, true);
	wr(PLIC(4 * 10), 4, 3);			/* priority of source 10 */
	wr(PLIC(4 * 11), 4, 5);
	CHECK_EQ(rd(PLIC(4 * 10), 4), 3);
	wr(PLIC(4 * 12), 4, 0xff);		/* 3 bits */
	CHECK_EQ(rd(PLIC(4 * 12), 4), 7);
	/* Enable 10 and 11 for hart 1's S context (context 3). */
	wr(PLIC(0x2000 + 0x80 * 3), 4, (1u << 10) | (1u << 11));
	plic_set_irq(p, 10, true);
	CHECK(fake_irq[1][IRQ_S_EXT]);
	CHECK(!fake_irq[1][IRQ_M_EXT]);
	CHECK(!fake_irq[0][IRQ_S_EXT]);
	CHECK_EQ(rd(PLIC(0x1000), 4), 1u << 10);
	/* Threshold at the priority masks it. */
	wr(PLIC(0x200000 + 0x1000 * 3), 4, 3);
	CHECK(!fake_irq[1][IRQ_S_EXT]);
	wr(PLIC(0x200000 + 0x1000 * 3), 4, 0);
	CHECK(fake_irq[1][IRQ_S_EXT]);
	/* The higher priority source is claimed first. */
	plic_set_irq(p, 11, true);
	CHECK_EQ(rd(PLIC(0x200004 + 0x1000 * 3), 4), 11);
	CHECK_EQ(rd(PLIC(0x200004 + 0x1000 * 3), 4), 10);
	CHECK_EQ(rd(PLIC(0x200004 + 0x1000 * 3), 4), 0);
	CHECK(!fake_irq[1][IRQ_S_EXT]);
	/* A claimed level source is pending again only after completion. */
	plic_set_irq(p, 11, false);
	wr(PLIC(0x200004 + 0x1000 * 3), 4, 11);
	CHECK_EQ(rd(PLIC(0x1000), 4), 0);
	wr(PLIC(0x200004 + 0x1000 * 3), 4, 10);	/* 10 still high */
	CHECK_EQ(rd(PLIC(0x1000), 4), 1u << 10);
	CHECK(fake_irq[1][IRQ_S_EXT]);
	plic_set_irq(p, 10, false);
	CHECK(!fake_irq[1][IRQ_S_EXT]);
	plic_set_irq(p, 11, true);
	CHECK(fake_irq[1][IRQ_S_EXT]);
	plic_reset(p);				/* enables cleared: line drops */
	CHECK(!fake_irq[1][IRQ_S_EXT]);
	CHECK_EQ(rd(PLIC(4 * 11), 4), 0);
	CHECK_EQ(rd(PLIC(0x1000), 4), 1u << 11);	/* still asserted */
	plic_destroy(p);
}

/*
 * Without M-mode contexts (KVM) context h is hart h's S-mode context, and
 * no M-mode line is ever driven.
 */
static void test_plic_s_only(void)
{
	struct plic *p;

	fake_vm_init(&vm, 2);
	p = plic_create(&vm, VIRT_PLIC_BASE, VIRT_PLIC_NDEV, false);
	wr(PLIC(4 * 10), 4, 1);
	wr(PLIC(0x2000 + 0x80 * 1), 4, 1u << 10);	/* hart 1 */
	plic_set_irq(p, 10, true);
	CHECK(fake_irq[1][IRQ_S_EXT]);
	CHECK(!fake_irq[0][IRQ_S_EXT]);
	CHECK(!fake_irq[0][IRQ_M_EXT] && !fake_irq[1][IRQ_M_EXT]);
	CHECK_EQ(rd(PLIC(0x200004 + 0x1000 * 1), 4), 10);
	CHECK(!fake_irq[1][IRQ_S_EXT]);
	wr(PLIC(0x200004 + 0x1000 * 1), 4, 10);		/* still high */
	CHECK(fake_irq[1][IRQ_S_EXT]);
	/* Only two contexts exist: a third's registers read as zero. */
	wr(PLIC(0x2000 + 0x80 * 2), 4, 1u << 10);
	CHECK_EQ(rd(PLIC(0x2000 + 0x80 * 2), 4), 0);
	wr(PLIC(0x2000 + 0x80 * 0), 4, 1u << 10);	/* hart 0 too */
	CHECK(fake_irq[0][IRQ_S_EXT]);
	CHECK(!fake_irq[0][IRQ_M_EXT]);
	plic_set_irq(p, 10, false);
	CHECK(!fake_irq[0][IRQ_S_EXT]);
	plic_destroy(p);
}

static uint8_t out[64];
static unsigned nout;

static void capture(void *opaque, uint8_t b)
{
	if (nout < sizeof(out))
		out[nout++] = b;
}

static bool line_level;

static void uart_line(void *opaque, unsigned n, bool level)
{
	line_level = level;
}

#define U(off) (VIRT_UART0_BASE + (off))

static void test_uart_registers(void)
{
	struct uart *u;

	fake_vm_init(&vm, 1);
	nout = 0;
	u = uart_create(&vm, VIRT_UART0_BASE,
			(struct irq_line){ uart_line, NULL, 10 }, capture, NULL);
	wr(U(0), 1, 'h');
	wr(U(0), 1, 'i');
	CHECK_EQ(nout, 2);
	CHECK_EQ(out[1], 'i');
	CHECK_EQ(rd(U(5), 1) & 0x60, 0x60);	/* THRE, TEMT */
	/* Divisor latch behind DLAB. */
	wr(U(3), 1, 0x83);
	wr(U(0), 1, 0x01);
	wr(U(1), 1, 0x02);
	CHECK_EQ(rd(U(0), 1), 0x01);
	CHECK_EQ(rd(U(1), 1), 0x02);
	wr(U(3), 1, 0x03);
	CHECK_EQ(rd(U(1), 1), 0);		/* IER again */
	CHECK_EQ(nout, 2);
	wr(U(7), 1, 0x5a);
	CHECK_EQ(rd(U(7), 1), 0x5a);
	/* FIFO: 16 bytes, then full; data ready; order kept. */
	wr(U(2), 1, 0x07);
	for (unsigned i = 0; i < UART_FIFO_SIZE; i++)
		CHECK_EQ(serial_rx_push(uart_rx(u), (uint8_t)('a' + i)), 0);
	CHECK_EQ(serial_rx_push(uart_rx(u), 'z'), -EAGAIN);
	CHECK_EQ(serial_rx_space(uart_rx(u)), 0);
	CHECK_EQ(rd(U(5), 1) & 1, 1);
	CHECK_EQ(rd(U(0), 1), 'a');
	CHECK_EQ(rd(U(0), 1), 'b');
	CHECK_EQ(serial_rx_space(uart_rx(u)), 2);
	wr(U(2), 1, 0x07);			/* clear the FIFO */
	CHECK_EQ(rd(U(5), 1) & 1, 0);
	uart_destroy(u);
}

static void test_uart_interrupts(void)
{
	struct uart *u;

	fake_vm_init(&vm, 1);
	u = uart_create(&vm, VIRT_UART0_BASE,
			(struct irq_line){ uart_line, NULL, 10 }, capture, NULL);
	line_level = false;
	CHECK_EQ(rd(U(2), 1) & 0x0f, 0x01);	/* none pending */
	wr(U(1), 1, 0x02);			/* THRE interrupt on: at once */
	CHECK(line_level);
	CHECK_EQ(rd(U(2), 1) & 0x0f, 0x02);
	CHECK(!line_level);			/* reading IIR acknowledged */
	wr(U(0), 1, 'x');			/* sent: empty again */
	CHECK(line_level);
	wr(U(1), 1, 0x03);			/* + received data */
	serial_rx_push(uart_rx(u), 'k');
	CHECK_EQ(rd(U(2), 1) & 0x0f, 0x04);	/* RX before THRE */
	CHECK_EQ(rd(U(0), 1), 'k');
	CHECK_EQ(rd(U(2), 1) & 0x0f, 0x02);
	CHECK_EQ(rd(U(2), 1) & 0x0f, 0x01);
	CHECK(!line_level);
	wr(U(1), 1, 0x00);
	uart_destroy(u);
}

/* The UART's clock in the pacing tests: moves only when told to. */
static uint64_t fake_ns;

static uint64_t fake_clock(void *opaque)
{
	return fake_ns;
}

/*
 * The tests' tight loops poll every microsecond, which the UART takes as
 * the cost of a read: a gap of SLOW_NS or more is no longer tight.
 */
#define SLOW_NS (SERIAL_IDLE_GAP_NS + 1000)

/* A fresh UART on a fresh VM, its pacing on the fake clock. */
static struct uart *paced_uart(void)
{
	struct uart *u;

	fake_vm_init(&vm, 1);
	u = uart_create(&vm, VIRT_UART0_BASE,
			(struct irq_line){ uart_line, NULL, 10 }, capture, NULL);
	fake_ns = 1000000000;
	serial_rx_set_clock(uart_rx(u), fake_clock, NULL);
	return u;
}

/* `n` empty LSR reads, `gap_ns` apart. */
static void polls(unsigned n, uint64_t gap_ns)
{
	for (unsigned i = 0; i < n; i++) {
		fake_ns += gap_ns;
		rd(U(5), 1);
	}
}

static bool waiting(struct uart *u)
{
	return serial_rx_state(uart_rx(u)) == SERIAL_RX_WAITING;
}

/* Piped input is handed over only while the guest polls for a key. */
static void test_uart_pacing(void)
{
	struct uart *u = paced_uart();
	CHECK(!waiting(u));
	polls(SERIAL_IDLE_POLLS - 1, 1000);	/* a burst, one poll short */
	CHECK(!waiting(u));
	polls(1, 1000);
	CHECK(waiting(u));
	serial_rx_push(uart_rx(u), 'a');
	CHECK(!waiting(u));			/* a byte is waiting */
	rd(U(0), 1);
	CHECK(!waiting(u));			/* count starts again */
	polls(SERIAL_IDLE_POLLS, SLOW_NS);		/* just too far apart */
	CHECK(!waiting(u));			/* polling now and then: busy */
	polls(SERIAL_IDLE_POLLS, SLOW_NS - 1);
	CHECK(waiting(u));
	/* One slow poll inside a burst starts the count again. */
	serial_rx_push(uart_rx(u), 'b');
	rd(U(0), 1);
	polls(SERIAL_IDLE_POLLS - 1, 1000);
	polls(1, SLOW_NS);
	polls(SERIAL_IDLE_POLLS - 2, 1000);
	CHECK(!waiting(u));
	polls(1, 1000);
	CHECK(waiting(u));
	serial_rx_push(uart_rx(u), 'c');
	rd(U(0), 1);
	for (unsigned i = 0; i < SERIAL_IDLE_POLLS; i++) {
		polls(1, 1000);
		wr(U(0), 1, '.');		/* output polling is not waiting */
	}
	CHECK(!waiting(u));
	wr(U(1), 1, 0x01);			/* interrupt-driven: waiting */
	CHECK(waiting(u));
	serial_rx_push(uart_rx(u), 'd');
	CHECK_EQ(serial_rx_state(uart_rx(u)), SERIAL_RX_BUSY);	/* until it is read */
	rd(U(0), 1);
	CHECK(waiting(u));
	uart_destroy(u);
}

/*
 * A guest that checks for a key now and then (U-Boot's autoboot countdown
 * every 10 ms, Ctrl-C checks) is POLLING: it would take a byte as a key.
 */
static void test_uart_key_polling(void)
{
	struct uart *u = paced_uart();
	polls(SERIAL_KEY_POLLS - 1, 10000000);
	CHECK_EQ(serial_rx_state(uart_rx(u)), SERIAL_RX_BUSY);
	polls(1, 10000000);
	CHECK_EQ(serial_rx_state(uart_rx(u)), SERIAL_RX_POLLING);
	fake_ns += SERIAL_KEY_GAP_NS - 1;		/* the last check still recent */
	CHECK_EQ(serial_rx_state(uart_rx(u)), SERIAL_RX_POLLING);
	fake_ns += 1;				/* it stopped polling */
	CHECK_EQ(serial_rx_state(uart_rx(u)), SERIAL_RX_BUSY);
	/* Polls too far apart are not a countdown. */
	polls(SERIAL_KEY_POLLS, SERIAL_KEY_GAP_NS);
	CHECK_EQ(serial_rx_state(uart_rx(u)), SERIAL_RX_BUSY);
	/* Output between the polls: a driver sending, not a key check. */
	for (unsigned i = 0; i < SERIAL_KEY_POLLS; i++) {
		polls(1, 1000000);
		wr(U(0), 1, '.');
	}
	CHECK_EQ(serial_rx_state(uart_rx(u)), SERIAL_RX_BUSY);
	/* A tight loop on its way to SERIAL_IDLE_POLLS is not polling. */
	polls(SERIAL_IDLE_POLLS - 1, 1000);
	CHECK_EQ(serial_rx_state(uart_rx(u)), SERIAL_RX_BUSY);
	/* Nor is one the host held up once or twice. */
	polls(SERIAL_KEY_POLLS - 1, SLOW_NS);
	polls(1, 1000);
	CHECK_EQ(serial_rx_state(uart_rx(u)), SERIAL_RX_BUSY);
	polls(SERIAL_KEY_POLLS, SLOW_NS);		/* slow, every time */
	CHECK_EQ(serial_rx_state(uart_rx(u)), SERIAL_RX_POLLING);
	CHECK_EQ(serial_rx_push(uart_rx(u), 0), 0);	/* the key is taken */
	CHECK_EQ(serial_rx_state(uart_rx(u)), SERIAL_RX_BUSY);
	CHECK_EQ(rd(U(5), 1) & 1, 1);
	CHECK_EQ(rd(U(0), 1), 0);
	polls(SERIAL_IDLE_POLLS, 1000);		/* then waits for a line */
	CHECK_EQ(serial_rx_state(uart_rx(u)), SERIAL_RX_WAITING);
	uart_destroy(u);
}

/* Typed bytes the guest clears unread come back to the console in order. */
static void test_uart_reclaim(void)
{
	uint8_t b[UART_FIFO_SIZE];
	struct uart *u;

	fake_vm_init(&vm, 1);
	u = uart_create(&vm, VIRT_UART0_BASE,
			(struct irq_line){ uart_line, NULL, 10 }, capture, NULL);
	CHECK_EQ(serial_rx_push(uart_rx(u), 'x'), 0);	/* FIFO off: one byte */
	CHECK_EQ(serial_rx_push(uart_rx(u), 'y'), -EAGAIN);
	CHECK_EQ(serial_rx_unread(uart_rx(u)), 1);
	wr(U(2), 1, 0x07);			/* the driver's init clears it */
	CHECK_EQ(rd(U(5), 1) & 1, 0);
	CHECK_EQ(serial_rx_unread(uart_rx(u)), 1);
	CHECK_EQ(serial_rx_space(uart_rx(u)), 0);		/* reclaim first */
	CHECK_EQ(serial_rx_push(uart_rx(u), 'z'), -EAGAIN);
	CHECK_EQ(serial_rx_reclaim(uart_rx(u), b, sizeof(b)), 1);
	CHECK_EQ(b[0], 'x');
	CHECK_EQ(serial_rx_unread(uart_rx(u)), 0);
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(serial_rx_push(uart_rx(u), (uint8_t)('a' + i)), 0);
	CHECK_EQ(rd(U(0), 1), 'a');		/* read: not returned */
	/* Loopback bytes are the guest's own: never returned. */
	wr(U(4), 1, 0x10);
	wr(U(0), 1, 'L');
	wr(U(4), 1, 0x00);
	uart_reset(u);				/* a guest reset clears it too */
	CHECK_EQ(serial_rx_unread(uart_rx(u)), 2);
	CHECK_EQ(serial_rx_reclaim(uart_rx(u), b, 1), 1);	/* oldest first */
	CHECK_EQ(b[0], 'b');
	CHECK_EQ(serial_rx_reclaim(uart_rx(u), b, sizeof(b)), 1);
	CHECK_EQ(b[0], 'c');
	CHECK_EQ(serial_rx_reclaim(uart_rx(u), b, sizeof(b)), 0);
	CHECK_EQ(serial_rx_space(uart_rx(u)), 1);
	uart_destroy(u);
}

static unsigned kicks;

static void count_kick(void *opaque)
{
	kicks++;
}

/* The console is told at once when the guest can take input. */
static void test_uart_notify(void)
{
	struct uart *u = paced_uart();
	serial_rx_set_notify(uart_rx(u), count_kick, NULL);
	kicks = 0;
	polls(SERIAL_IDLE_POLLS - 1, 1000);
	CHECK_EQ(kicks, 0);
	polls(1, 1000);				/* WAITING */
	CHECK_EQ(kicks, 1);
	polls(5, 1000);				/* still: no more */
	CHECK_EQ(kicks, 1);
	serial_rx_push(uart_rx(u), 'a');
	rd(U(0), 1);				/* a typed byte taken */
	CHECK_EQ(kicks, 2);
	wr(U(0), 1, '.');
	polls(SERIAL_KEY_POLLS, 10000000);	/* POLLING */
	CHECK_EQ(kicks, 3);
	wr(U(1), 1, 0x01);			/* receive interrupt on */
	CHECK_EQ(kicks, 4);
	wr(U(1), 1, 0x01);
	CHECK_EQ(kicks, 4);
	wr(U(2), 1, 0x07);			/* clears nothing of ours */
	CHECK_EQ(kicks, 4);
	serial_rx_push(uart_rx(u), 'b');
	wr(U(2), 1, 0x07);			/* clears a typed byte */
	CHECK_EQ(kicks, 5);
	serial_rx_set_notify(uart_rx(u), NULL, NULL);
	uart_destroy(u);
}

/*
 * When every poll costs 70 us (MMIO exits under nested KVM), a guest that
 * polls as fast as it can is still waiting for a key; one that polls every
 * 400 us is busy.
 */
static void test_uart_pacing_slow_exits(void)
{
	struct uart *u = paced_uart();
	polls(SERIAL_IDLE_POLLS, 70000);
	CHECK(waiting(u));
	serial_rx_push(uart_rx(u), 'a');
	rd(U(0), 1);
	polls(SERIAL_IDLE_POLLS, 400000);
	CHECK(!waiting(u));
	uart_destroy(u);
}

#define PL011_BASE UINT64_C(0x09000000)
#define L(off) (PL011_BASE + (off))

/* PL011: identification, flags, receive FIFO, interrupts, loopback. */
static void test_pl011(void)
{
	struct pl011 *u;

	fake_vm_init(&vm, 1);
	nout = 0;
	line_level = false;
	u = pl011_create(&vm, PL011_BASE, (struct irq_line){ uart_line, NULL, 1 }, capture, NULL);
	CHECK_EQ(rd(L(0xfe0), 4), 0x11);		/* PeriphID0: a PL011 */
	CHECK_EQ(rd(L(0xffc), 4), 0xb1);		/* PCellID3 */
	CHECK_EQ(rd(L(0x18), 4) & 0x90, 0x90);	/* TXFE, RXFE */
	wr(L(0x00), 4, 'h');
	CHECK_EQ(nout, 1);
	CHECK_EQ(out[0], 'h');
	/* FIFO off: one byte; on: 16. */
	CHECK_EQ(serial_rx_push(pl011_rx(u), 'a'), 0);
	CHECK_EQ(serial_rx_push(pl011_rx(u), 'b'), -EAGAIN);
	CHECK_EQ(rd(L(0x18), 4) & 0x10, 0);		/* data waiting */
	CHECK_EQ(rd(L(0x00), 4), 'a');
	CHECK_EQ(rd(L(0x18), 4) & 0x10, 0x10);
	wr(L(0x2c), 4, 0x70);				/* LCR_H: FEN, 8 bits */
	for (unsigned i = 0; i < 16; i++)
		CHECK_EQ(serial_rx_push(pl011_rx(u), (uint8_t)('a' + i)), 0);
	CHECK_EQ(serial_rx_push(pl011_rx(u), 'z'), -EAGAIN);
	/* Receive interrupt: raw while data waits, to the line when unmasked. */
	CHECK_EQ(rd(L(0x3c), 4) & 0x10, 0x10);
	CHECK(!line_level);
	wr(L(0x38), 4, 0x50);				/* IMSC: RX, RT */
	CHECK(line_level);
	CHECK_EQ(rd(L(0x40), 4), 0x10);
	for (unsigned i = 0; i < 16; i++)
		CHECK_EQ(rd(L(0x00), 4), 'a' + i);
	CHECK(!line_level);
	/* Transmit: latched on a write, cleared by ICR. */
	wr(L(0x38), 4, 0x20);
	wr(L(0x00), 4, 'x');
	CHECK(line_level);
	wr(L(0x44), 4, 0x20);
	CHECK(!line_level);
	/* Loopback: what is sent is received, not output. */
	wr(L(0x30), 4, 0x381);
	wr(L(0x00), 4, 'L');
	CHECK_EQ(nout, 2);
	CHECK_EQ(rd(L(0x00), 4), 'L');
	pl011_reset(u);
	CHECK_EQ(rd(L(0x30), 4), 0x300);
	CHECK_EQ(rd(L(0x38), 4), 0);
	pl011_destroy(u);
}

/* PL031: the host's time, and the offset a load sets. */
static void test_pl031(void)
{
	uint64_t base = 0x09010000, t;
	struct pl031 *r;

	fake_vm_init(&vm, 1);
	r = pl031_create(&vm, base);
	CHECK_EQ(rd(base + 0xfe0, 4), 0x31);
	t = rd(base, 4);
	CHECK(t + 2 >= (uint64_t)time(NULL) && t <= (uint64_t)time(NULL));
	wr(base + 0x08, 4, 1000);
	t = rd(base, 4);
	CHECK(t >= 1000 && t <= 1002);
	CHECK_EQ(rd(base + 0x0c, 4), 1);		/* started */
	pl031_destroy(r);
}

int main(void)
{
	RUN(test_finisher);
	RUN(test_clint);
	RUN(test_plic);
	RUN(test_plic_s_only);
	RUN(test_uart_registers);
	RUN(test_uart_interrupts);
	RUN(test_uart_pacing);
	RUN(test_uart_pacing_slow_exits);
	RUN(test_uart_key_polling);
	RUN(test_uart_reclaim);
	RUN(test_uart_notify);
	RUN(test_pl011);
	RUN(test_pl031);
	return TEST_EXIT();
}
