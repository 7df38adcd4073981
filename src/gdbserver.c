/*
 * The GDB server: one thread that listens (loopback TCP unless an address
 * is given, or a Unix socket), serves one client at a time with the
 * protocol in gdb.c, and drives the built-in CPU's debugging interface.
 *
 * A client that connects stops the harts; one that detaches, disconnects
 * or breaks the connection mid-packet leaves the VM running with its
 * breakpoints and watchpoints removed.  When the VM stops for good the
 * client is told the exit status.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "gdb.h"
#include "gdbserver.h"
#include "debug.h"
#include "vm.h"

/*
 * Replies wait here until the client takes them; a client that lets more
 * than this pile up has stopped reading, and is dropped.
 */
#define OUT_MAX		(256u << 10)

struct gdb_server {
	struct vm *vm;
	int listen_fd, client;
	int wake[2];
	pthread_t thread;
	char *unix_path;
	struct gdb_target t;
	struct gdb_session s;
	uint8_t *out;		/* OUT_MAX bytes: replies not sent yet */
	size_t out_len;
	bool lost;		/* the client failed: drop it */
};

/* --- the target: the accelerator's debug_ops ------------------------------ */

static const struct debug_ops *dbg(void *vm)
{
	return ((struct vm *)vm)->accel->debug;
}

static void t_stop(void *o)
{
	dbg(o)->stop(o);
}

static void t_resume(void *o, int step_hart)
{
	dbg(o)->resume(o, step_hart);
}

static int t_point(void *o, int type, uint64_t addr, uint64_t len, bool insert)
{
	if (type < 2)
		return dbg(o)->breakpoint(o, addr, insert);
	return dbg(o)->watchpoint(o, addr, len, (enum debug_watch)type, insert);
}

static int t_memory(void *o, unsigned hart, uint64_t addr, void *buf,
		    size_t len, bool write, bool phys)
{
	return dbg(o)->memory(o, hart, addr, buf, len, write, phys);
}

static int t_reg(void *o, unsigned hart, unsigned reg, uint64_t *v, bool write)
{
	return dbg(o)->reg(o, hart, reg, v, write);
}

static void t_kill(void *o)
{
	vm_request_exit(o, VM_EXIT_USER, 0);
	dbg(o)->resume(o, -1);
}

/* --- the client ------------------------------------------------------------ */

/* Send what is queued without waiting; a broken client is lost. */
static void flush_client(struct gdb_server *g)
{
	while (g->out_len && g->client >= 0 && !g->lost) {
		ssize_t n = send(g->client, g->out, g->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			g->lost = true;
			return;
		}
		memmove(g->out, g->out + n, g->out_len - (size_t)n);
		g->out_len -= (size_t)n;
	}
}

static void send_client(void *opaque, const void *buf, size_t len)
{
	struct gdb_server *g = opaque;

	if (g->client < 0 || g->lost)
		return;
	if (len > OUT_MAX - g->out_len) {
		g->lost = true;		/* it stopped reading */
		return;
	}
	memcpy(g->out + g->out_len, buf, len);
	g->out_len += len;
	flush_client(g);
}

static struct gdb_stop_info stop_info(struct gdb_server *g,
				      const struct debug_stop_info *i)
{
	static const enum gdb_stop map[] = {
		[DEBUG_STOP_NONE] = GDB_STOP_NONE,
		[DEBUG_STOP_REQUEST] = GDB_STOP_INTERRUPT,
		[DEBUG_STOP_BREAK] = GDB_STOP_BREAK,
		[DEBUG_STOP_STEP] = GDB_STOP_STEP,
		[DEBUG_STOP_WATCH] = GDB_STOP_WATCH,
		[DEBUG_STOP_EXITED] = GDB_STOP_EXITED,
	};

	return (struct gdb_stop_info){
		.why = map[i->why], .hart = i->hart,
		.watch_kind = (int)i->watch_kind, .watch_addr = i->watch_addr,
		.exit_code = g->vm->exit_code,
	};
}

/* The client is gone: its points go, the VM runs on. */
static void drop_client(struct gdb_server *g)
{
	if (g->client >= 0)
		close(g->client);
	g->client = -1;
	g->out_len = 0;
	g->lost = false;
	dbg(g->vm)->clear(g->vm);
	dbg(g->vm)->resume(g->vm, -1);
}

/* A new client: stop the harts and start a session. */
static void new_client(struct gdb_server *g, int fd)
{
	struct debug_stop_info i;
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	g->client = fd;
	gdb_init(&g->s, &g->t, send_client, g);
	dbg(g->vm)->stop(g->vm);
	while (!dbg(g->vm)->wait(g->vm, 100, &i))
		;
	g->s.last = stop_info(g, &i);
}

/* A client while another is attached: refused (closed at once). */
static void refuse(struct gdb_server *g)
{
	int fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd >= 0)
		close(fd);
}

/* Report a stop (or the exit) if there is one to report. */
static void report_stop(struct gdb_server *g)
{
	struct debug_stop_info i;
	struct gdb_stop_info si;

	if (!dbg(g->vm)->wait(g->vm, 0, &i))
		return;
	si = stop_info(g, &i);
	g->s.running = true;	/* report even if stopped */
	gdb_stopped(&g->s, &si);
	if (si.why == GDB_STOP_EXITED) {
		flush_client(g);
		close(g->client);
		g->client = -1;
		g->out_len = 0;
	}
}

static void *server_thread(void *arg)
{
	struct gdb_server *g = arg;
	uint8_t buf[4096];

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = g->wake[0], .events = POLLIN },
			{ .fd = g->listen_fd, .events = POLLIN },
			{ .fd = g->client, .events = POLLIN | (g->out_len ? POLLOUT : 0) },
		};
		int n = poll(p, g->client >= 0 ? 3 : 2,
			     g->client >= 0 && g->s.running ? 20 : 200);

		if (n < 0 && errno != EINTR)
			break;
		if (p[0].revents) {
			/* The VM has ended: the client hears its exit status. */
			if (g->client >= 0 && !g->lost) {
				struct gdb_stop_info si = {
					.why = GDB_STOP_EXITED,
					.exit_code = g->vm->exit_code,
				};

				g->s.running = true;
				gdb_stopped(&g->s, &si);
				flush_client(g);	/* what it takes now, no more */
			}
			break;
		}
		if (p[1].revents & POLLIN) {
			if (g->client >= 0 || vm_should_stop(g->vm)) {
				refuse(g);
			} else {
				int fd = accept4(g->listen_fd, NULL, NULL,
						 SOCK_CLOEXEC | SOCK_NONBLOCK);

				if (fd >= 0)
					new_client(g, fd);
			}
		}
		if (g->client < 0)
			continue;
		if (p[2].revents & POLLOUT)
			flush_client(g);
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(g->client, buf, sizeof(buf));

			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
				g->lost = true;
			else if (r > 0)
				gdb_input(&g->s, buf, (size_t)r);
		}
		if (g->lost || g->s.detached) {
			drop_client(g);
			continue;
		}
		if (g->s.running || vm_should_stop(g->vm))
			report_stop(g);
	}
	return NULL;
}

/* --- set-up ------------------------------------------------------------ */

/* tcp::PORT, tcp:HOST:PORT, unix:PATH; a bare PORT or :PORT is TCP. */
static int open_listener(struct gdb_server *g, const char *spec, char *err,
			 size_t errlen)
{
	const char *hp = spec;
	char host[256] = "127.0.0.1", port[32];
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res;
	const char *colon;
	int fd, one = 1, ret;

	if (!strncmp(spec, "unix:", 5)) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };

		if (!spec[5] || strlen(spec + 5) >= sizeof(a.sun_path)) {
			snprintf(err, errlen, "--gdb %s: a Unix socket needs a path "
				 "shorter than %zu bytes", spec, sizeof(a.sun_path));
			return -EINVAL;
		}
		strcpy(a.sun_path, spec + 5);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		/* Only its owner may connect: the socket is made 0600 (no
		 * other thread runs yet, so the umask is ours to change). */
		mode_t old = umask(0177);
		int bad = fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
			  listen(fd, 1);

		ret = -errno;
		umask(old);
		if (bad) {
			snprintf(err, errlen, "--gdb %s: %s", spec, strerror(-ret));
			if (fd >= 0)
				close(fd);
			return ret;
		}
		g->unix_path = strdup(spec + 5);
		g->listen_fd = fd;
		return 0;
	}
	if (!strncmp(spec, "tcp:", 4))
		hp = spec + 4;
	colon = strrchr(hp, ':');
	if (colon) {
		size_t hl = (size_t)(colon - hp);

		if (hl >= sizeof(host)) {
			snprintf(err, errlen, "--gdb %s: host name too long", spec);
			return -EINVAL;
		}
		if (hl) {
			memcpy(host, hp, hl);
			host[hl] = 0;
		}
		hp = colon + 1;
	}
	if (!*hp || strspn(hp, "0123456789") != strlen(hp) || strlen(hp) > 5 ||
	    atoi(hp) < 1 || atoi(hp) > 65535) {
		snprintf(err, errlen, "--gdb %s: expected tcp::PORT, tcp:HOST:PORT "
			 "or unix:PATH", spec);
		return -EINVAL;
	}
	snprintf(port, sizeof(port), "%s", hp);
	ret = getaddrinfo(host, port, &hints, &res);
	if (ret) {
		snprintf(err, errlen, "--gdb %s: %s", spec, gai_strerror(ret));
		return -EINVAL;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 1)) {
		ret = -errno;
		snprintf(err, errlen, "--gdb %s: cannot listen: %s", spec,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return ret;
	}
	freeaddrinfo(res);
	g->listen_fd = fd;
	return 0;
}

struct gdb_server *gdb_server_start(struct vm *vm, const char *spec, bool wait,
				    char *err, size_t errlen)
{
	struct gdb_server *g;
	int ret;

	if (!vm->accel->debug) {
		snprintf(err, errlen, "--gdb needs the built-in CPU (it runs on %s)",
			 vm->accel->name);
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, errlen, "--gdb: out of memory");
		return NULL;
	}
	g->out = malloc(OUT_MAX);
	if (!g->out) {
		free(g);
		snprintf(err, errlen, "--gdb: out of memory");
		return NULL;
	}
	g->vm = vm;
	g->client = g->listen_fd = -1;
	g->wake[0] = g->wake[1] = -1;
	g->t = (struct gdb_target){
		.opaque = vm, .nharts = vm->nharts, .stop = t_stop,
		.resume = t_resume, .point = t_point, .memory = t_memory,
		.reg = t_reg, .kill = t_kill,
	};
	ret = open_listener(g, spec, err, errlen);
	if (!ret && pipe(g->wake)) {
		snprintf(err, errlen, "--gdb: %s", strerror(errno));
		ret = -errno;
	}
	if (!ret && vm->accel->debug->enable(vm, wait)) {
		snprintf(err, errlen, "--gdb: out of memory");
		ret = -ENOMEM;
	}
	if (!ret && pthread_create(&g->thread, NULL, server_thread, g)) {
		snprintf(err, errlen, "--gdb: cannot start its thread");
		ret = -EAGAIN;
	}
	if (ret) {
		if (g->listen_fd >= 0)
			close(g->listen_fd);
		if (g->unix_path)
			unlink(g->unix_path);
		for (int i = 0; i < 2; i++)
			if (g->wake[i] >= 0)
				close(g->wake[i]);
		free(g->unix_path);
		free(g->out);
		free(g);
		return NULL;
	}
	return g;
}

void gdb_server_stop(struct gdb_server *g)
{
	ssize_t r;

	if (!g)
		return;
	r = write(g->wake[1], "", 1);
	(void)r;
	pthread_join(g->thread, NULL);
	if (g->client >= 0)
		close(g->client);
	close(g->listen_fd);
	close(g->wake[0]);
	close(g->wake[1]);
	if (g->unix_path)
		unlink(g->unix_path);
	free(g->unix_path);
	free(g->out);
	free(g);
}
