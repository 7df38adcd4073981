#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "hw/serial.h"
#include "vm.h"

#define ESCAPE_KEY	0x01	/* Ctrl-A */
#define POLL_MS		1
/*
 * The key piped input presses when the guest polls for one now and then
 * (SERIAL_RX_POLLING): it stops an autoboot countdown without taking a byte
 * of the script, and U-Boot's command line ignores a NUL.
 */
#define WAKE_KEY	0x00

static struct {
	struct vm *vm;
	struct serial_rx *rx;	/* the console UART's receiver */
	pthread_t thread;
	bool running;
	bool tty;
	bool eof;
	bool escape;		/* the previous key was Ctrl-A */
	bool polled_input;	/* the guest buffers keys it polls for (UEFI) */
	int sigfd;
	int wake[2];		/* console_stop() -> thread */
	int kick[2];		/* the UART -> thread: the guest may take input */
	struct termios saved;
	volatile sig_atomic_t saved_valid;
	unsigned char buf[4096];
	size_t head, tail;	/* pending input bytes buf[head..tail) */
	uint8_t again[SERIAL_FIFO_MAX];	/* taken back from the UART: first */
	unsigned nagain;
	bool woke;		/* a wake key since the last byte of input */
	bool wake_unread;	/* ...and the guest may not have read it */
	pthread_mutex_t lock;	/* all of the above input state */
} con = { .sigfd = -1, .wake = { -1, -1 }, .kick = { -1, -1 },
	.lock = PTHREAD_MUTEX_INITIALIZER };

static void restore_terminal(void)
{
	if (con.saved_valid)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &con.saved);
}

/* A crash must not leave the user's terminal raw. */
static void fatal_signal(int sig)
{
	restore_terminal();
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Signals that would end norvm with the terminal raw: crashes, and every
 * other signal whose default action ends the process and that the console
 * does not turn into a clean stop (see console_start).
 */
static const int fatal_signals[] = {
	SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTRAP, SIGSYS,
	SIGXCPU, SIGXFSZ, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF,
	SIGPWR, SIGSTKFLT,
};

/* Restore the terminal before `sig` ends norvm, unless it is handled. */
static void on_fatal(int sig)
{
	struct sigaction old;

	if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
	    !(old.sa_flags & SA_SIGINFO))
		signal(sig, fatal_signal);
}

static int raw_terminal(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &con.saved) < 0)
		return -errno;
	t = con.saved;
	cfmakeraw(&t);
	t.c_oflag |= OPOST | ONLCR;
	con.saved_valid = 1;
	/* TCSADRAIN, not FLUSH: keys typed while norvm starts are kept. */
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) < 0)
		return -errno;
	atexit(restore_terminal);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		on_fatal(fatal_signals[i]);
	return 0;
}

void console_output(uint8_t byte)
{
	while (write(STDOUT_FILENO, &byte, 1) < 0 && errno == EINTR)
		;
}

/* Terminal keys: Ctrl-A x quits, Ctrl-A Ctrl-A is a literal Ctrl-A. */
static bool filter_key(unsigned char c)
{
	if (con.escape) {
		con.escape = false;
		if (c == 'x' || c == 'X') {
			fprintf(stderr, "\r\nnorvm: quit (Ctrl-A x)\r\n");
			vm_request_exit(con.vm, VM_EXIT_USER, 0);
			return false;
		}
		return c == ESCAPE_KEY;
	}
	if (c == ESCAPE_KEY) {
		con.escape = true;
		return false;
	}
	return true;
}

static void read_input(void)
{
	ssize_t n;

	if (con.tail == sizeof(con.buf)) {
		if (con.head == con.tail)
			con.head = con.tail = 0;
		else
			return;
	}
	n = read(STDIN_FILENO, con.buf + con.tail, sizeof(con.buf) - con.tail);
	if (n > 0) {
		size_t end = con.tail + (size_t)n;

		/* Compact in place: the escape sequence's keys are dropped. */
		for (size_t i = con.tail; i < end; i++) {
			unsigned char c = con.buf[i];

			if (!con.tty || filter_key(c))
				con.buf[con.tail++] = c;
		}
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		con.eof = true;
	}
}

static bool input_pending(void)
{
	return con.nagain || con.head < con.tail;
}

/* Type the next pending byte; false if the UART would not take it. */
static bool push_next(void)
{
	uint8_t b = con.nagain ? con.again[0] : con.buf[con.head];

	if (serial_rx_push(con.rx, b))
		return false;
	if (con.nagain)
		memmove(con.again, con.again + 1, --con.nagain);
	else
		con.head++;
	return true;
}

/*
 * Bytes the guest cleared from the FIFO unread go back to the front of the
 * input.  In piped mode a FIFO holds at most one byte of ours; if that was
 * a wake key, it is dropped, as if never pressed.
 */
static void take_back(void)
{
	uint8_t b[SERIAL_FIFO_MAX];
	unsigned n = serial_rx_reclaim(con.rx, b, SERIAL_FIFO_MAX);
	unsigned skip = n && con.wake_unread ? 1 : 0;

	if (skip)
		con.woke = con.wake_unread = false;
	n -= skip;
	/* The FIFO and again[] never hold more than 16 of our bytes together. */
	if (n > SERIAL_FIFO_MAX - con.nagain)
		n = SERIAL_FIFO_MAX - con.nagain;
	memmove(con.again + n, con.again, con.nagain);
	memcpy(con.again, b + skip, n);
	con.nagain += n;
	if (!serial_rx_unread(con.rx))
		con.wake_unread = false;
}

/*
 * Hand pending bytes to the UART.  A terminal's keys go at once, as a
 * person typed them.  Piped input is typed one byte at a time when the
 * guest waits for input; when it only polls for a key now and then, it
 * gets one wake key and the script waits (see serial.h).
 */
static void feed_uart(void)
{
	enum serial_rx_state st;

	take_back();
	if (!input_pending())
		goto out;
	st = serial_rx_state(con.rx);
	if (con.tty) {
		/*
		 * Keys the guest cleared unread wait until it looks for input
		 * again: a driver may drain the receiver after its set-up.
		 */
		if (con.nagain && st == SERIAL_RX_BUSY)
			goto out;
		while (input_pending() && serial_rx_space(con.rx) && push_next())
			;
	} else if (st == SERIAL_RX_WAITING) {
		if (push_next())
			con.woke = false;
	} else if (st == SERIAL_RX_POLLING && con.polled_input) {
		push_next();
	} else if (st == SERIAL_RX_POLLING && !con.woke) {
		if (!serial_rx_push(con.rx, WAKE_KEY))
			con.woke = con.wake_unread = true;
	}
out:
	if (con.head == con.tail)
		con.head = con.tail = 0;
}

/* From the UART (a hart's thread): wake the console thread. */
static void kick(void *opaque)
{
	ssize_t r = write(con.kick[1], "", 1);	/* full: a kick is pending */

	(void)r;
}

static void *console_thread(void *arg)
{
	for (;;) {
		struct pollfd p[4] = {
			{ .fd = con.wake[0], .events = POLLIN },
			{ .fd = con.sigfd, .events = POLLIN },
			{ .fd = con.kick[0], .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};
		bool want_input, watch;
		int n;
		char drain[64];

		pthread_mutex_lock(&con.lock);
		want_input = !con.eof && con.tail < sizeof(con.buf);
		/*
		 * The UART kicks when the guest becomes ready; the tick, while
		 * the guest has input to take, is only a fallback.
		 */
		watch = input_pending() || serial_rx_unread(con.rx);
		pthread_mutex_unlock(&con.lock);
		n = poll(p, want_input ? 4 : 3, watch ? POLL_MS : -1);

		if (n < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(con.sigfd, &si, sizeof(si)) == sizeof(si))
				vm_request_exit(con.vm, VM_EXIT_USER, 128 + (int)si.ssi_signo);
		}
		if (p[2].revents & POLLIN)
			while (read(con.kick[0], drain, sizeof(drain)) == sizeof(drain))
				;
		pthread_mutex_lock(&con.lock);
		if (want_input && (p[3].revents & (POLLIN | POLLHUP | POLLERR)))
			read_input();
		feed_uart();
		pthread_mutex_unlock(&con.lock);
	}
	return NULL;
}

int console_getchar(void)
{
	int c = -1;

	pthread_mutex_lock(&con.lock);
	if (con.nagain) {
		c = con.again[0];
		memmove(con.again, con.again + 1, --con.nagain);
	} else if (con.head < con.tail) {
		c = con.buf[con.head++];
	}
	pthread_mutex_unlock(&con.lock);
	return c;
}

/* The signals that stop the VM cleanly. */
static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

void console_block_signals(void)
{
	sigset_t set;

	stop_signals(&set);
	signal(SIGPIPE, SIG_IGN);
	/* Every thread started after this inherits the mask. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int console_start(struct vm *vm, struct serial_rx *rx)
{
	sigset_t set;

	con.vm = vm;
	con.rx = rx;
	/*
	 * UEFI polls the UART from a timer and keeps the keys it finds until
	 * something reads them: a script is typed whenever it polls.
	 */
	con.polled_input = vm->cfg.uefi_vars != NULL;
	con.tty = isatty(STDIN_FILENO);
	if (con.tty && raw_terminal() < 0)
		con.tty = false;
	console_block_signals();	/* again, for callers that did not */
	stop_signals(&set);
	/* A signal that came before (still pending) is read here too. */
	con.sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (con.sigfd < 0 || pipe(con.wake) < 0 ||
	    pipe2(con.kick, O_NONBLOCK | O_CLOEXEC) < 0) {
		fprintf(stderr, "norvm: console: %s\n", strerror(errno));
		return -1;
	}
	if (pthread_create(&con.thread, NULL, console_thread, NULL)) {
		fprintf(stderr, "norvm: console: cannot start its thread\n");
		return -1;
	}
	con.running = true;
	serial_rx_set_notify(rx, kick, NULL);
	return 0;
}

void console_stop(void)
{
	if (con.rx)
		serial_rx_set_notify(con.rx, NULL, NULL);
	if (con.running) {
		ssize_t r = write(con.wake[1], "", 1);

		(void)r;
		pthread_join(con.thread, NULL);
		con.running = false;
	}
	restore_terminal();
	con.saved_valid = 0;
	for (int i = 0; i < 2; i++) {
		if (con.wake[i] >= 0)
			close(con.wake[i]);
		if (con.kick[i] >= 0)
			close(con.kick[i]);
	}
	if (con.sigfd >= 0)
		close(con.sigfd);
	con.sigfd = con.wake[0] = con.wake[1] = con.kick[0] = con.kick[1] = -1;
}
