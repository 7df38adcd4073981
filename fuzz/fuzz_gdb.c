/*
 * libFuzzer target: arbitrary bytes from a GDB client, in pieces of
 * arbitrary size, into the protocol (src/gdb.c) with a fake target of two
 * harts and 64 KiB of memory.  Every reply must be a well-formed packet
 * or an acknowledgement; ASan and UBSan catch everything else.
 */
#include <stdlib.h>
#include <string.h>

#include "gdb.h"

static uint8_t mem[65536];
static uint64_t regs[2][70];
static bool running;

static void f_stop(void *o) { (void)o; }
static void f_resume(void *o, int step) { (void)o; (void)step; running = true; }
static int f_point(void *o, int type, uint64_t a, uint64_t l, bool ins)
{
	(void)o; (void)type; (void)a; (void)l; (void)ins;
	return 0;
}

static int f_memory(void *o, unsigned hart, uint64_t addr, void *buf,
		    size_t len, bool write, bool phys)
{
	(void)o; (void)phys;
	if (hart > 1 || addr > sizeof(mem) || len > sizeof(mem) - addr)
		return -1;
	if (write)
		memcpy(mem + addr, buf, len);
	else
		memcpy(buf, mem + addr, len);
	return 0;
}

static int f_reg(void *o, unsigned hart, unsigned reg, uint64_t *v, bool w)
{
	(void)o;
	if (hart > 1 || reg >= 70)
		return -1;
	if (w)
		regs[hart][reg] = *v;
	else
		*v = regs[hart][reg];
	return 0;
}

static void f_kill(void *o) { (void)o; }

static const struct gdb_target target = {
	.nharts = 2, .stop = f_stop, .resume = f_resume, .point = f_point,
	.memory = f_memory, .reg = f_reg, .kill = f_kill,
};

/* Replies: '+', '-', or $...#xx with a correct checksum. */
static void check_reply(void *opaque, const void *buf, size_t len)
{
	const char *p = buf;
	unsigned sum = 0;

	(void)opaque;
	if (len == 1 && (p[0] == '+' || p[0] == '-'))
		return;
	if (len < 4 || p[0] != '$' || p[len - 3] != '#')
		abort();
	for (size_t i = 1; i < len - 3; i++) {
		if (p[i] == '$' || p[i] == '#')
			abort();	/* must have been escaped */
		sum += (uint8_t)p[i];
	}
	if (strtoul((char[]){ p[len - 2], p[len - 1], 0 }, NULL, 16) != (sum & 255))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static struct gdb_session s;
	struct gdb_stop_info stop = { .why = GDB_STOP_BREAK, .hart = 1 };

	gdb_init(&s, &target, check_reply, NULL);
	running = false;
	while (n) {
		size_t k = 1 + data[0] % 64;

		data++, n--;
		k = k < n ? k : n;
		gdb_input(&s, data, k);
		data += k, n -= k;
		if (running) {		/* the harts stop again at once */
			running = false;
			gdb_stopped(&s, &stop);
		}
	}
	return 0;
}
