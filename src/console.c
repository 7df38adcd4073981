#include <errno.h>
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
#include "hw/uart.h"
#include "vm.h"

#define ESCAPE_KEY	0x01	/* Ctrl-A */
#define POLL_MS		1

static struct {
	struct vm *vm;
	struct uart *uart;
	pthread_t thread;
	bool running;
	bool tty;
	bool eof;
	bool escape;		/* the previous key was Ctrl-A */
	int sigfd;
	int wake[2];		/* console_stop() -> thread */
	struct termios saved;
	volatile sig_atomic_t saved_valid;
	unsigned char buf[4096];
	size_t head, tail;	/* pending input bytes buf[head..tail) */
	pthread_mutex_t lock;	/* buf, head, tail: console_getchar() too */
} con = { .sigfd = -1, .wake = { -1, -1 }, .lock = PTHREAD_MUTEX_INITIALIZER };

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

static int raw_terminal(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &con.saved) < 0)
		return -errno;
	t = con.saved;
	cfmakeraw(&t);
	t.c_oflag |= OPOST | ONLCR;
	con.saved_valid = 1;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) < 0)
		return -errno;
	atexit(restore_terminal);
	signal(SIGSEGV, fatal_signal);
	signal(SIGBUS, fatal_signal);
	signal(SIGABRT, fatal_signal);
	signal(SIGFPE, fatal_signal);
	signal(SIGILL, fatal_signal);
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

/* Hand pending bytes to the UART at the pace the guest takes them. */
static void feed_uart(void)
{
	while (con.head < con.tail) {
		if (con.tty ? !uart_rx_space(con.uart) : !uart_rx_idle(con.uart))
			break;
		if (uart_rx_push(con.uart, con.buf[con.head]))
			break;
		con.head++;
		if (!con.tty)
			break;	/* one byte per idle period */
	}
	if (con.head == con.tail)
		con.head = con.tail = 0;
}

static void *console_thread(void *arg)
{
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = con.wake[0], .events = POLLIN },
			{ .fd = con.sigfd, .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};
		bool want_input, pending;
		int n;

		pthread_mutex_lock(&con.lock);
		want_input = !con.eof && con.tail < sizeof(con.buf);
		pending = con.head < con.tail;
		pthread_mutex_unlock(&con.lock);
		/* Wait for the guest only while input is pending. */
		n = poll(p, want_input ? 3 : 2, pending ? POLL_MS : -1);

		if (n < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(con.sigfd, &si, sizeof(si)) == sizeof(si))
				vm_request_exit(con.vm, VM_EXIT_USER, 128 + (int)si.ssi_signo);
		}
		pthread_mutex_lock(&con.lock);
		if (want_input && (p[2].revents & (POLLIN | POLLHUP | POLLERR)))
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
	if (con.head < con.tail)
		c = con.buf[con.head++];
	pthread_mutex_unlock(&con.lock);
	return c;
}

int console_start(struct vm *vm, struct uart *uart)
{
	sigset_t set;

	con.vm = vm;
	con.uart = uart;
	con.tty = isatty(STDIN_FILENO);
	if (con.tty && raw_terminal() < 0)
		con.tty = false;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	/* Threads started after this inherit the mask: signals arrive here. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	con.sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (con.sigfd < 0 || pipe(con.wake) < 0) {
		fprintf(stderr, "norvm: console: %s\n", strerror(errno));
		return -1;
	}
	if (pthread_create(&con.thread, NULL, console_thread, NULL)) {
		fprintf(stderr, "norvm: console: cannot start its thread\n");
		return -1;
	}
	con.running = true;
	return 0;
}

void console_stop(void)
{
	if (con.running) {
		ssize_t r = write(con.wake[1], "", 1);

		(void)r;
		pthread_join(con.thread, NULL);
		con.running = false;
	}
	restore_terminal();
	con.saved_valid = 0;
	for (int i = 0; i < 2; i++)
		if (con.wake[i] >= 0)
			close(con.wake[i]);
	if (con.sigfd >= 0)
		close(con.sigfd);
	con.sigfd = con.wake[0] = con.wake[1] = -1;
}
