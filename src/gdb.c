/*
 * GDB remote serial protocol: packet framing, acknowledgements, and the
 * commands a debugger of an RV64 machine needs (all-stop mode; harts are
 * threads 1..N).  Every packet is parsed with its length known; anything
 * malformed gets an error reply ("E01"), anything unknown an empty one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gdb.h"

static const char target_xml[] =
	"<?xml version=\"1.0\"?>"
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
	"<target version=\"1.0\"><architecture>riscv:rv64</architecture>"
	"<feature name=\"org.gnu.gdb.riscv.cpu\">"
#define X(n, r) "<reg name=\"" n "\" bitsize=\"64\" regnum=\"" #r "\"/>"
	X("zero", 0) X("ra", 1) "<reg name=\"sp\" bitsize=\"64\" regnum=\"2\" type=\"data_ptr\"/>"
	X("gp", 3) X("tp", 4) X("t0", 5) X("t1", 6) X("t2", 7) X("fp", 8)
	X("s1", 9) X("a0", 10) X("a1", 11) X("a2", 12) X("a3", 13) X("a4", 14)
	X("a5", 15) X("a6", 16) X("a7", 17) X("s2", 18) X("s3", 19) X("s4", 20)
	X("s5", 21) X("s6", 22) X("s7", 23) X("s8", 24) X("s9", 25)
	X("s10", 26) X("s11", 27) X("t3", 28) X("t4", 29) X("t5", 30)
	X("t6", 31)
	"<reg name=\"pc\" bitsize=\"64\" regnum=\"32\" type=\"code_ptr\"/>"
	"</feature><feature name=\"org.gnu.gdb.riscv.fpu\">"
#define F(n, r) "<reg name=\"" n "\" bitsize=\"64\" regnum=\"" #r "\" type=\"ieee_double\"/>"
	F("ft0", 33) F("ft1", 34) F("ft2", 35) F("ft3", 36) F("ft4", 37)
	F("ft5", 38) F("ft6", 39) F("ft7", 40) F("fs0", 41) F("fs1", 42)
	F("fa0", 43) F("fa1", 44) F("fa2", 45) F("fa3", 46) F("fa4", 47)
	F("fa5", 48) F("fa6", 49) F("fa7", 50) F("fs2", 51) F("fs3", 52)
	F("fs4", 53) F("fs5", 54) F("fs6", 55) F("fs7", 56) F("fs8", 57)
	F("fs9", 58) F("fs10", 59) F("fs11", 60) F("ft8", 61) F("ft9", 62)
	F("ft10", 63) F("ft11", 64)
	X("fflags", 66) X("frm", 67) X("fcsr", 68)
	"</feature><feature name=\"org.gnu.gdb.riscv.csr\">"
	X("sstatus", 321) X("sie", 325) X("stvec", 326) X("scounteren", 327)
	X("sscratch", 385) X("sepc", 386) X("scause", 387) X("stval", 388)
	X("sip", 389) X("satp", 449) X("mstatus", 833) X("misa", 834)
	X("medeleg", 835) X("mideleg", 836) X("mie", 837) X("mtvec", 838)
	X("mcounteren", 839) X("mscratch", 897) X("mepc", 898)
	X("mcause", 899) X("mtval", 900) X("mip", 901) X("pmpcfg0", 993)
	X("pmpaddr0", 1009) X("mcycle", 2881) X("minstret", 2883)
	X("cycle", 3137) X("time", 3138) X("instret", 3139)
	X("mhartid", 3925)
	"</feature><feature name=\"org.gnu.gdb.riscv.virtual\">"
	X("priv", 4161)
	"</feature></target>";
#undef X
#undef F

static const char hexdigits[] = "0123456789abcdef";

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A hex number at *p (at most 16 digits), up to a non-hex character. */
static bool parse_hex(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t n = 0;

	while (*p < end && hexval(**p) >= 0) {
		if (*p - s == 16)
			return false;
		n = n << 4 | (uint64_t)hexval(**p);
		(*p)++;
	}
	*v = n;
	return *p > s;
}

static bool expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return false;
	(*p)++;
	return true;
}

/* A thread id: -1 or 0 mean "any" (hart 0 here), else hart id + 1. */
static bool parse_thread(struct gdb_session *s, const char **p,
			 const char *end, unsigned *hart)
{
	uint64_t v;

	if (*p + 2 <= end && (*p)[0] == '-' && (*p)[1] == '1') {
		*p += 2;
		*hart = 0;
		return true;
	}
	if (!parse_hex(p, end, &v) || v > s->t->nharts)
		return false;
	*hart = v ? (unsigned)v - 1 : 0;
	return true;
}

/* --- replies ------------------------------------------------------------- */

static void send_raw(struct gdb_session *s, const void *buf, size_t len)
{
	s->send(s->send_opaque, buf, len);
}

/* Frame and send s->reply (len bytes), escaping what must be escaped. */
static void send_packet(struct gdb_session *s, const char *data, size_t len)
{
	char out[2 * sizeof(s->reply) + 4];
	size_t n = 0;
	uint8_t sum = 0;

	out[n++] = '$';
	for (size_t i = 0; i < len; i++) {
		char c = data[i];

		if (c == '$' || c == '#' || c == '}' || c == '*') {
			out[n++] = '}';
			sum += '}';
			c ^= 0x20;
		}
		out[n++] = c;
		sum += (uint8_t)c;
	}
	out[n++] = '#';
	out[n++] = hexdigits[sum >> 4];
	out[n++] = hexdigits[sum & 15];
	send_raw(s, out, n);
}

static void reply(struct gdb_session *s, const char *text)
{
	send_packet(s, text, strlen(text));
}

/* Append v as 8 little-endian bytes in hex. */
static size_t put_le64(char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		p[2 * i] = hexdigits[(v >> (8 * i + 4)) & 15];
		p[2 * i + 1] = hexdigits[(v >> (8 * i)) & 15];
	}
	return 16;
}

static bool get_le64(const char **p, const char *end, uint64_t *v)
{
	uint64_t n = 0;

	if (end - *p < 16)
		return false;
	for (int i = 0; i < 8; i++) {
		int hi = hexval((*p)[2 * i]), lo = hexval((*p)[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		n |= (uint64_t)(hi << 4 | lo) << (8 * i);
	}
	*p += 16;
	*v = n;
	return true;
}

static void stop_reply(struct gdb_session *s)
{
	const struct gdb_stop_info *i = &s->last;
	static const char *const kinds[] = { "", "", "watch", "rwatch", "awatch" };

	switch (i->why) {
	case GDB_STOP_EXITED:
		snprintf(s->reply, sizeof(s->reply), "W%02x", i->exit_code & 0xff);
		break;
	case GDB_STOP_WATCH:
		snprintf(s->reply, sizeof(s->reply), "T05%s:%llx;thread:%x;",
			 kinds[i->watch_kind >= 2 && i->watch_kind <= 4 ?
			       i->watch_kind : 2],
			 (unsigned long long)i->watch_addr, i->hart + 1);
		break;
	case GDB_STOP_INTERRUPT:
		snprintf(s->reply, sizeof(s->reply), "T02thread:%x;", i->hart + 1);
		break;
	default:
		snprintf(s->reply, sizeof(s->reply), "T05thread:%x;", i->hart + 1);
		break;
	}
	reply(s, s->reply);
}

/* --- commands ------------------------------------------------------------ */

static void cmd_read_regs(struct gdb_session *s)
{
	size_t n = 0;

	for (unsigned r = 0; r <= 32; r++) {
		uint64_t v = 0;

		s->t->reg(s->t->opaque, s->g_hart, r, &v, false);
		n += put_le64(s->reply + n, v);
	}
	send_packet(s, s->reply, n);
}

static void cmd_write_regs(struct gdb_session *s, const char *p, const char *end)
{
	for (unsigned r = 0; r <= 32 && p < end; r++) {
		uint64_t v;

		if (!get_le64(&p, end, &v)) {
			reply(s, "E01");
			return;
		}
		s->t->reg(s->t->opaque, s->g_hart, r, &v, true);
	}
	reply(s, "OK");
}

static void cmd_reg(struct gdb_session *s, const char *p, const char *end,
		    bool write)
{
	uint64_t r, v = 0;

	if (!parse_hex(&p, end, &r) || r > 0xffff ||
	    (write && (!expect(&p, end, '=') || !get_le64(&p, end, &v))) ||
	    p != end) {
		reply(s, "E01");
		return;
	}
	if (s->t->reg(s->t->opaque, s->g_hart, (unsigned)r, &v, write)) {
		reply(s, "E01");
		return;
	}
	if (write) {
		reply(s, "OK");
		return;
	}
	send_packet(s, s->reply, put_le64(s->reply, v));
}

/* m addr,len   M addr,len:hex   X addr,len:binary */
static void cmd_memory(struct gdb_session *s, char op, const char *p,
		       const char *end)
{
	uint8_t buf[GDB_MAX_PACKET / 2];
	uint64_t addr, len;

	if (!parse_hex(&p, end, &addr) || !expect(&p, end, ',') ||
	    !parse_hex(&p, end, &len) || len > sizeof(buf)) {
		reply(s, "E01");
		return;
	}
	if (op == 'm') {
		if (p != end) {
			reply(s, "E01");
			return;
		}
		if (s->t->memory(s->t->opaque, s->g_hart, addr, buf, len, false,
				 s->phys)) {
			reply(s, "E14");
			return;
		}
		for (size_t i = 0; i < len; i++) {
			s->reply[2 * i] = hexdigits[buf[i] >> 4];
			s->reply[2 * i + 1] = hexdigits[buf[i] & 15];
		}
		send_packet(s, s->reply, 2 * len);
		return;
	}
	if (!expect(&p, end, ':')) {
		reply(s, "E01");
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (op == 'M') {
			int hi = end - p >= 2 ? hexval(p[0]) : -1;
			int lo = end - p >= 2 ? hexval(p[1]) : -1;

			if (hi < 0 || lo < 0) {
				reply(s, "E01");
				return;
			}
			buf[i] = (uint8_t)(hi << 4 | lo);
			p += 2;
		} else {
			if (p == end) {
				reply(s, "E01");
				return;
			}
			buf[i] = (uint8_t)*p++;	/* escapes undone on input */
		}
	}
	if (p != end) {
		reply(s, "E01");
		return;
	}
	if (len && s->t->memory(s->t->opaque, s->g_hart, addr, buf, len, true,
				s->phys)) {
		reply(s, "E14");
		return;
	}
	reply(s, "OK");
}

/* Z/z type,addr,kind */
static void cmd_point(struct gdb_session *s, bool insert, const char *p,
		      const char *end)
{
	uint64_t type, addr, kind;

	if (!parse_hex(&p, end, &type) || type > 4 || !expect(&p, end, ',') ||
	    !parse_hex(&p, end, &addr) || !expect(&p, end, ',') ||
	    !parse_hex(&p, end, &kind)) {
		reply(s, "E01");
		return;
	}
	/* Conditions and commands after ';' are not supported: ignored. */
	if (s->t->point(s->t->opaque, (int)type, addr, type < 2 ? 1 : kind,
			insert))
		reply(s, insert ? "E22" : "E01");
	else
		reply(s, "OK");
}

static void resume(struct gdb_session *s, int step_hart)
{
	s->running = true;
	s->t->resume(s->t->opaque, step_hart);
}

/* vCont;action[:thread];... : a step of one thread wins over continue. */
static void cmd_vcont(struct gdb_session *s, const char *p, const char *end)
{
	int step = -1;
	bool any = false;

	while (p < end) {
		char action;
		unsigned hart = s->c_hart;

		if (!expect(&p, end, ';') || p == end) {
			reply(s, "E01");
			return;
		}
		action = *p++;
		if (action == 'C' || action == 'S') {	/* signal: ignored */
			uint64_t sig;

			if (!parse_hex(&p, end, &sig)) {
				reply(s, "E01");
				return;
			}
		} else if (action != 'c' && action != 's' && action != 't') {
			reply(s, "E01");
			return;
		}
		if (p < end && *p == ':') {
			p++;
			if (!parse_thread(s, &p, end, &hart)) {
				reply(s, "E01");
				return;
			}
		}
		if ((action == 's' || action == 'S') && step < 0)
			step = (int)hart;
		any = true;
	}
	if (!any) {
		reply(s, "E01");
		return;
	}
	resume(s, step);
}

static void monitor(struct gdb_session *s, const char *p, const char *end)
{
	char cmd[256], out[512];
	size_t n = 0;

	while (p + 1 < end && n < sizeof(cmd) - 1) {
		int hi = hexval(p[0]), lo = hexval(p[1]);

		if (hi < 0 || lo < 0) {
			reply(s, "E01");
			return;
		}
		cmd[n++] = (char)(hi << 4 | lo);
		p += 2;
	}
	cmd[n] = 0;
	if (!strcmp(cmd, "phys on") || !strcmp(cmd, "phys off")) {
		s->phys = !strcmp(cmd, "phys on");
		snprintf(out, sizeof(out), "memory accesses are %s\n",
			 s->phys ? "physical" : "virtual (the hart's translation)");
	} else if (!strcmp(cmd, "phys")) {
		snprintf(out, sizeof(out), "memory accesses are %s\n",
			 s->phys ? "physical" : "virtual");
	} else {
		snprintf(out, sizeof(out), "norvm monitor commands:\n"
			 "  phys on|off   m/M packets use physical addresses, or "
			 "the selected hart's translation\n");
	}
	n = 0;
	s->reply[n++] = 'O';
	for (size_t i = 0; out[i] && n + 2 < sizeof(s->reply); i++) {
		s->reply[n++] = hexdigits[(uint8_t)out[i] >> 4];
		s->reply[n++] = hexdigits[(uint8_t)out[i] & 15];
	}
	send_packet(s, s->reply, n);
	reply(s, "OK");
}

static bool starts(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - p) >= n && !memcmp(p, word, n);
}

static void cmd_query(struct gdb_session *s, const char *p, const char *end)
{
	if (starts(p, end, "qSupported")) {
		snprintf(s->reply, sizeof(s->reply), "PacketSize=%x;"
			 "qXfer:features:read+;QStartNoAckMode+;vContSupported+",
			 GDB_MAX_PACKET);
		reply(s, s->reply);
	} else if (starts(p, end, "qXfer:features:read:target.xml:")) {
		uint64_t off, len;
		size_t total = sizeof(target_xml) - 1, n;

		p += strlen("qXfer:features:read:target.xml:");
		if (!parse_hex(&p, end, &off) || !expect(&p, end, ',') ||
		    !parse_hex(&p, end, &len) || p != end) {
			reply(s, "E01");
			return;
		}
		if (off >= total) {
			reply(s, "l");
			return;
		}
		n = total - off;
		if (len > GDB_MAX_PACKET - 8)
			len = GDB_MAX_PACKET - 8;
		n = n > len ? len : n;
		s->reply[0] = off + n < total ? 'm' : 'l';
		memcpy(s->reply + 1, target_xml + off, n);
		send_packet(s, s->reply, n + 1);
	} else if (starts(p, end, "qAttached")) {
		reply(s, "1");
	} else if (p + 2 == end && starts(p, end, "qC")) {
		snprintf(s->reply, sizeof(s->reply), "QC%x", s->g_hart + 1);
		reply(s, s->reply);
	} else if (starts(p, end, "qfThreadInfo")) {
		size_t n = 0;

		s->reply[n++] = 'm';
		for (unsigned h = 0; h < s->t->nharts; h++)
			n += (size_t)snprintf(s->reply + n, sizeof(s->reply) - n,
					      "%s%x", h ? "," : "", h + 1);
		send_packet(s, s->reply, n);
	} else if (starts(p, end, "qsThreadInfo")) {
		reply(s, "l");
	} else if (starts(p, end, "qThreadExtraInfo,")) {
		unsigned hart;
		char text[32];
		size_t n = 0;

		p += strlen("qThreadExtraInfo,");
		if (!parse_thread(s, &p, end, &hart) || p != end) {
			reply(s, "E01");
			return;
		}
		snprintf(text, sizeof(text), "hart %u", hart);
		for (size_t i = 0; text[i]; i++) {
			s->reply[n++] = hexdigits[(uint8_t)text[i] >> 4];
			s->reply[n++] = hexdigits[(uint8_t)text[i] & 15];
		}
		send_packet(s, s->reply, n);
	} else if (starts(p, end, "qRcmd,")) {
		monitor(s, p + strlen("qRcmd,"), end);
	} else {
		reply(s, "");
	}
}

static void handle(struct gdb_session *s, const char *p, const char *end)
{
	char c;

	if (p == end) {
		reply(s, "");
		return;
	}
	c = *p++;
	switch (c) {
	case '?':
		if (s->last.why == GDB_STOP_NONE)
			s->last.why = GDB_STOP_INTERRUPT;
		stop_reply(s);
		break;
	case 'g':
		cmd_read_regs(s);
		break;
	case 'G':
		cmd_write_regs(s, p, end);
		break;
	case 'p':
	case 'P':
		cmd_reg(s, p, end, c == 'P');
		break;
	case 'm':
	case 'M':
	case 'X':
		cmd_memory(s, c, p, end);
		break;
	case 'c':
	case 's': {
		uint64_t addr;

		if (p < end) {		/* resume at addr */
			if (!parse_hex(&p, end, &addr) || p != end) {
				reply(s, "E01");
				break;
			}
			s->t->reg(s->t->opaque, s->c_hart, 32, &addr, true);
		}
		resume(s, c == 's' ? (int)s->c_hart : -1);
		break;
	}
	case 'H': {
		unsigned hart;
		char which = p < end ? *p++ : 0;

		if ((which != 'g' && which != 'c') ||
		    !parse_thread(s, &p, end, &hart) || p != end) {
			reply(s, "E01");
			break;
		}
		*(which == 'g' ? &s->g_hart : &s->c_hart) = hart;
		reply(s, "OK");
		break;
	}
	case 'T': {
		unsigned hart;

		reply(s, parse_thread(s, &p, end, &hart) && p == end ? "OK" : "E01");
		break;
	}
	case 'Z':
	case 'z':
		cmd_point(s, c == 'Z', p, end);
		break;
	case 'D':
		reply(s, "OK");
		s->detached = true;
		break;
	case 'k':
		s->detached = true;
		s->t->kill(s->t->opaque);
		break;
	case 'q':
		cmd_query(s, p - 1, end);
		break;
	case 'Q':
		if (starts(p - 1, end, "QStartNoAckMode")) {
			reply(s, "OK");
			s->no_ack = true;
		} else {
			reply(s, "");
		}
		break;
	case 'v':
		if (starts(p - 1, end, "vCont?"))
			reply(s, "vCont;c;C;s;S;t");
		else if (starts(p - 1, end, "vCont;"))
			cmd_vcont(s, p + 4, end);
		else if (starts(p - 1, end, "vKill")) {
			reply(s, "OK");
			s->detached = true;
			s->t->kill(s->t->opaque);
		} else
			reply(s, "");
		break;
	default:
		reply(s, "");
		break;
	}
}

void gdb_init(struct gdb_session *s, const struct gdb_target *t,
	      void (*send)(void *opaque, const void *buf, size_t len),
	      void *send_opaque)
{
	memset(s, 0, sizeof(*s));
	s->t = t;
	s->send = send;
	s->send_opaque = send_opaque;
}

void gdb_stopped(struct gdb_session *s, const struct gdb_stop_info *info)
{
	s->last = *info;
	if (info->why != GDB_STOP_EXITED && info->why != GDB_STOP_NONE)
		s->g_hart = s->c_hart = info->hart;
	if (s->running) {
		s->running = false;
		stop_reply(s);
	}
}

void gdb_input(struct gdb_session *s, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len && !s->detached; i++) {
		uint8_t c = buf[i];

		switch (s->state) {
		case GDB_IDLE:
			if (c == '$') {
				s->state = GDB_DATA;
				s->len = 0;
				s->sum = 0;
				s->overflow = false;
			} else if (c == 0x03) {
				s->t->stop(s->t->opaque);
			}
			/* '+' and '-' acknowledgements need nothing. */
			break;
		case GDB_DATA:
			if (c == '#') {
				s->state = GDB_CSUM1;
				break;
			}
			s->sum += c;
			if (s->len >= GDB_MAX_PACKET)
				s->overflow = true;
			else
				s->pkt[s->len++] = (char)c;
			break;
		case GDB_CSUM1: {
			int hi = hexval((char)c);

			s->state = hi < 0 ? GDB_IDLE : GDB_CSUM2;
			s->csum = hi < 0 ? 0 : (uint8_t)(hi << 4);
			if (hi < 0 && !s->no_ack)
				send_raw(s, "-", 1);
			break;
		}
		case GDB_CSUM2: {
			int lo = hexval((char)c);
			size_t n = 0;

			s->state = GDB_IDLE;
			if (lo < 0 || (s->csum | lo) != s->sum || s->overflow) {
				if (!s->no_ack)
					send_raw(s, "-", 1);
				break;
			}
			if (!s->no_ack)
				send_raw(s, "+", 1);
			/* Undo '}' escapes (binary data of X packets). */
			for (size_t j = 0; j < s->len; j++) {
				if (s->pkt[j] == '}' && j + 1 < s->len)
					s->pkt[n++] = (char)(s->pkt[++j] ^ 0x20);
				else
					s->pkt[n++] = s->pkt[j];
			}
			s->pkt[n] = 0;
			if (s->running && !(n == 1 && s->pkt[0] == '?'))
				break;	/* only stop or '?' while running */
			handle(s, s->pkt, s->pkt + n);
			break;
		}
		}
	}
}
