/*
 * libFuzzer target: the CFI flash against an independent reference model.
 *
 * The model below is written from the command set's description (CFI.md,
 * and the choices listed at the top of cfi_flash.c where parts differ),
 * not from the device's code.  It splits each access into bus cycles
 * itself (a bus word is bank-width bytes; a cycle carries the bytes of one
 * bus word, and only a cycle of the whole bank width can be a command),
 * runs the Intel/Sharp command sequences on those cycles, and keeps its
 * own image: program clears bits only, erase sets one whole block to 0xFF,
 * locked (and locked-down) blocks and read-only images never change, and
 * the status register says what happened.
 *
 * After every operation the device must agree with the model: every read
 * returns what the model predicts (array, status, identifier and the
 * query fields the model knows), the image file holds exactly the model's
 * bytes, the mode is the same, and the array is mapped exactly when the
 * model says it is (a slot change may be made to fail; the device must
 * then never stay mapped outside read-array mode).
 *
 * Input: byte 0: bits 0-3 geometry (mod 9), bit 6 mapping off, bit 7
 * read-only image; then records of a flags byte, an offset and a value
 * (little-endian), as long as the input lasts:
 *   flags bits 0-2  0, 4 read; 1 write (value: as many bytes as the
 *                   access is wide); 2, 6 write a command on every device
 *                   lane (value: 2 bytes, see pick()); 3, 5 two such
 *                   commands at the same offset (4 bytes); 7 reset (a
 *                   read if the offset kind is odd)
 *         bits 3-4  log2 of the access width: 1, 2, 4 or 8 bytes (for a
 *                   command: 8, or else the bank width)
 *         bits 5-6  offset: 0 one of the first 8 bus words of a block
 *                   (2 bytes: block, word), 1 anywhere in the image (2
 *                   bytes), 2 within 16 bytes of its end, straddling it
 *                   (1 byte), 3 any 64-bit offset: far out, wrapping (8)
 *         bit 7     the first slot change during this operation fails
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tests/unit/fakevm.h"
#include "hw/cfi_flash.h"

#define BASE	0x20000000ull
#define BLOCK	1024u	/* per device: the smallest image is one page */
#define BLOCKS	4u
#define MAXN	8u	/* devices per bank at most */
#define MAXSIZE	(BLOCK * BLOCKS * MAXN)
#define BUFDEV	(1u << CFI_WRITE_BUFFER_SHIFT)	/* write buffer per device */

static const struct { unsigned bw, dw; } geo[] = {
	{ 1, 1 }, { 2, 1 }, { 2, 2 }, { 4, 1 }, { 4, 2 }, { 4, 4 },
	{ 8, 1 }, { 8, 2 }, { 8, 4 },
};

/* ---- the reference model ---- */

enum { M_ARRAY, M_STATUS, M_ID, M_QUERY };
enum { P_NONE, P_PROGRAM, P_ERASE, P_LOCK, P_COUNT, P_DATA, P_CONFIRM };

struct model {
	unsigned bw, dw, n;
	uint64_t size, block;
	bool ro, map;
	uint8_t img[MAXSIZE];
	uint8_t lock[BLOCKS];		/* bit 0 locked, bit 1 locked down */
	int mode, pend;
	uint8_t sr;
	bool mapped;
	unsigned fail;			/* slot changes still to fail */
	/* the write buffer */
	uint64_t bstart;
	bool bstarted, bbad;
	unsigned bleft;
	uint8_t bdata[MAXN * BUFDEV];
	bool bvalid[MAXN * BUFDEV];
};

/* The state a dropped cycle must leave untouched. */
struct snap {
	int mode, pend;
	uint8_t sr;
};

static bool m_writable(struct model *m, uint64_t a, uint8_t err)
{
	if (m->ro) {
		m->sr |= err | 0x08;		/* VPP low */
		return false;
	}
	if (m->lock[a / m->block] & 1) {
		m->sr |= err | 0x02;		/* block locked */
		return false;
	}
	return true;
}

static void m_buffer_data(struct model *m, uint64_t a, unsigned len,
			  const uint8_t *d)
{
	uint64_t cap = (uint64_t)m->n * BUFDEV;

	if (!m->bstarted) {
		m->bstart = a;
		m->bstarted = true;
	}
	if (a >= m->bstart && a + len <= m->bstart + cap &&
	    a / m->block == m->bstart / m->block) {
		for (unsigned i = 0; i < len; i++) {
			m->bdata[a - m->bstart + i] = d[i];
			m->bvalid[a - m->bstart + i] = true;
		}
	} else {
		m->bbad = true;
	}
	if (--m->bleft == 0)
		m->pend = P_CONFIRM;
}

static void m_buffer_commit(struct model *m)
{
	if (m->bbad) {
		m->sr |= 0x30;
		return;
	}
	if (!m_writable(m, m->bstart, 0x10))
		return;
	for (unsigned i = 0; i < m->n * BUFDEV; i++)
		if (m->bvalid[i])
			m->img[m->bstart + i] &= m->bdata[i];
}

/* The second cycle of a setup command (always a whole bus word). */
static void m_second(struct model *m, uint64_t a, uint8_t c)
{
	int p = m->pend;
	uint64_t blk = a / m->block;

	m->pend = P_NONE;
	switch (p) {
	case P_ERASE:
		if (c != 0xd0)
			m->sr |= 0x30;
		else if (m_writable(m, a, 0x20))
			memset(m->img + blk * m->block, 0xff, m->block);
		break;
	case P_LOCK:
		if (c == 0x01)
			m->lock[blk] |= 1;
		else if (c == 0x2f)
			m->lock[blk] = 3;
		else if (c == 0xd0) {
			if (!(m->lock[blk] & 2))	/* WP# low: down stays */
				m->lock[blk] = 0;
		} else
			m->sr |= 0x30;
		break;
	case P_COUNT:
		if (((unsigned)c + 1) * m->dw > BUFDEV) {
			m->sr |= 0x30;
			break;
		}
		m->bleft = (unsigned)c + 1;
		m->bstarted = m->bbad = false;
		memset(m->bvalid, 0, sizeof(m->bvalid));
		m->pend = P_DATA;
		break;
	case P_CONFIRM:
		if (c == 0xd0)
			m_buffer_commit(m);
		else
			m->sr |= 0x30;
		break;
	}
}

/* One write cycle: `len` bytes at bank offset `a`, all in one bus word. */
static void m_cycle(struct model *m, uint64_t a, unsigned len, const uint8_t *d)
{
	uint8_t c = d[0];

	if (m->pend == P_PROGRAM) {
		m->pend = P_NONE;
		if (m_writable(m, a, 0x10))
			for (unsigned i = 0; i < len; i++)
				m->img[a + i] &= d[i];
		return;
	}
	if (m->pend == P_DATA) {
		m_buffer_data(m, a, len, d);
		return;
	}
	if (len != m->bw)
		return;			/* reaches only some devices */
	if (m->pend != P_NONE) {
		m_second(m, a, c);
		return;
	}
	switch (c) {
	case 0xff: case 0xf0: case 0x00: m->mode = M_ARRAY; break;
	case 0x90: m->mode = M_ID; break;
	case 0x98: m->mode = M_QUERY; break;
	case 0x70: m->mode = M_STATUS; break;
	case 0x50: m->sr = 0; break;
	case 0x40: case 0x10: m->mode = M_STATUS; m->pend = P_PROGRAM; break;
	case 0x20: m->mode = M_STATUS; m->pend = P_ERASE; break;
	case 0x60: m->mode = M_STATUS; m->pend = P_LOCK; break;
	case 0xe8: m->mode = M_STATUS; m->pend = P_COUNT; break;
	case 0xb0: case 0xd0: m->mode = M_STATUS; break;	/* nothing to suspend */
	case 0xaa: case 0x55: break;				/* AMD unlock cycles */
	default: m->mode = M_STATUS; m->sr |= 0x30; break;
	}
}

/* Bring the mapping in line after a cycle; a failed unmap drops the cycle. */
static void m_mapping(struct model *m, const struct snap *before)
{
	bool want = m->map && m->mode == M_ARRAY && m->pend == P_NONE;

	if (want == m->mapped)
		return;
	if (m->fail) {
		m->fail--;
		if (m->mapped) {
			m->mode = before->mode;
			m->pend = before->pend;
			m->sr = before->sr;
		}
		return;
	}
	m->mapped = want;
}

static void m_write(struct model *m, uint64_t off, unsigned len, uint64_t val)
{
	uint8_t d[8];

	for (unsigned i = 0; i < 8; i++)
		d[i] = (uint8_t)(val >> (8 * i));
	for (unsigned i = 0; i < len;) {
		uint64_t a = off + i;
		unsigned n = m->bw - (unsigned)(a % m->bw);
		struct snap s = { m->mode, m->pend, m->sr };

		if (a < off)
			break;		/* past the top of the address space */
		if (n > len - i)
			n = len - i;
		if (a < m->size)
			m_cycle(m, a, n, d + i);
		m_mapping(m, &s);
		i += n;
	}
}

/* The query fields the model knows; -1: any value. */
static int m_query(const struct model *m, uint64_t k)
{
	uint64_t dev_blocks = m->size / m->block;
	unsigned log2 = 0;

	while ((1ull << log2) < m->size / m->n)
		log2++;
	switch (k) {
	case 0x10: return 'Q';
	case 0x11: return 'R';
	case 0x12: return 'Y';
	case 0x13: return 0x01;
	case 0x14: return 0x00;
	case 0x27: return (int)log2;
	case 0x2a: return CFI_WRITE_BUFFER_SHIFT;
	case 0x2c: return 1;
	case 0x2d: return (int)((dev_blocks - 1) & 0xff);
	case 0x2e: return (int)((dev_blocks - 1) >> 8);
	case 0x2f: return (int)((m->block / m->n >> 8) & 0xff);
	case 0x30: return (int)(m->block / m->n >> 16);
	default: return -1;
	}
}

/* The byte a read returns at bank offset `a` (in the image); -1: any. */
static int m_read_byte(const struct model *m, uint64_t a)
{
	uint64_t k;

	if (m->mode == M_ARRAY)
		return m->img[a];
	if (a % m->bw % m->dw)
		return 0;		/* a device answers in its low byte */
	switch (m->mode) {
	case M_STATUS:
		return 0x80 | m->sr;
	case M_ID:
		k = a % m->block / m->bw;
		return k == 0 ? CFI_MANUFACTURER_ID : k == 1 ? CFI_DEVICE_ID :
		       k == 2 ? m->lock[a / m->block] : 0;
	default:
		return m_query(m, a / m->bw);
	}
}

static void m_reset(struct model *m)
{
	struct snap s = { M_ARRAY, P_NONE, 0 };

	m->mode = M_ARRAY;
	m->pend = P_NONE;
	m->sr = 0;
	memset(m->lock, 0, sizeof(m->lock));
	m_mapping(m, &s);
}

/* ---- the harness ---- */

static struct vm vm;
static struct model m;

/* What was done so far, printed when the device and the model disagree. */
static char trail[64][96];
static unsigned ntrail;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(trail[ntrail % 64], sizeof(trail[0]), fmt, ap);
	va_end(ap);
	ntrail++;
}

static void mismatch(const char *what, uint64_t got, uint64_t want)
{
	static const char *const modes[] = { "array", "status", "id", "query" };
	static const char *const pends[] = { "none", "program", "erase", "lock",
		"count", "data", "confirm" };

	fprintf(stderr, "\nflash model mismatch: %s: device 0x%" PRIx64
		", model 0x%" PRIx64 "\n", what, got, want);
	fprintf(stderr, "bank width %u, device width %u, %s, mapping %s; model: "
		"mode %s, pending %s, SR 0x%02x\n", m.bw, m.dw,
		m.ro ? "read-only" : "writable", m.map ? "on" : "off",
		modes[m.mode], pends[m.pend], 0x80 | m.sr);
	for (unsigned i = ntrail > 64 ? ntrail - 64 : 0; i < ntrail; i++)
		fprintf(stderr, "  %3u: %s\n", i, trail[i % 64]);
	abort();
}

static void check_state(struct cfi_flash *f, int fd)
{
	static uint8_t file[MAXSIZE];
	const struct fake_slot *s = fake_slot_at(BASE);
	int mode = m.pend ? M_STATUS : m.mode;

	/* The file itself, not the device's mapping of it. */
	if (pread(fd, file, m.size, 0) != (ssize_t)m.size)
		abort();
	if (memcmp(file, m.img, m.size)) {
		uint64_t i = 0;
		char what[64];

		while (file[i] == m.img[i])
			i++;
		snprintf(what, sizeof(what), "image byte 0x%" PRIx64, i);
		mismatch(what, file[i], m.img[i]);
	}
	if ((int)cfi_flash_mode(f) != mode)
		mismatch("mode", cfi_flash_mode(f), (uint64_t)mode);
	if (cfi_flash_mapped(f) != m.mapped || !!s != m.mapped)
		mismatch("mapped (device, slot)", cfi_flash_mapped(f) | !!s << 1,
			 m.mapped);
	if (s && (s->size != m.size || !(s->flags & MEM_FLAG_READONLY)))
		mismatch("slot size", s->size, m.size);
}

/* A command byte: mostly the ones the part knows, else any byte. */
static uint8_t pick(const uint8_t *p)
{
	static const uint8_t cmds[] = {
		0xff, 0x90, 0x98, 0x70, 0x50, 0x40, 0x10, 0xe8, 0x20, 0xd0,
		0x60, 0x01, 0x2f, 0xb0, 0x00, 0xf0, 0x03, 0xaa, 0x55,
	};

	return p[0] >= 0xe0 ? p[1] : cmds[p[0] % sizeof(cmds)];
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* One image file for the whole run, rewritten for every input. */
static char path[] = "/tmp/norvm-fuzz-XXXXXX";
static int image_fd = -1;
static uint8_t pattern[MAXSIZE];	/* the image's first contents */

static void remove_image(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static struct cfi_part part;
	struct cfi_flash_config c;
	struct cfi_flash *f;
	char err[256];

	if (n < 1)
		return 0;
	memset(&m, 0, sizeof(m));
	m.bw = geo[(data[0] & 15) % 9].bw;
	m.dw = geo[(data[0] & 15) % 9].dw;
	m.n = m.bw / m.dw;
	m.ro = data[0] & 0x80;
	m.map = !(data[0] & 0x40);
	m.block = (uint64_t)BLOCK * m.n;
	m.size = m.block * BLOCKS;
	m.mapped = m.map;
	if (image_fd < 0) {
		for (unsigned i = 0; i < MAXSIZE; i++)
			pattern[i] = (uint8_t)(i * 37 + 11);
		image_fd = mkstemp(path);
		if (image_fd < 0)
			abort();
		atexit(remove_image);
	}
	memcpy(m.img, pattern, m.size);
	if (ftruncate(image_fd, (off_t)m.size) ||
	    pwrite(image_fd, m.img, m.size, 0) != (ssize_t)m.size)
		abort();
	fake_vm_init(&vm, 1);
	part = *cfi_part_default();
	part.device_width = m.dw;
	part.interleave = m.n;
	part.region[0] = (struct cfi_region){ 0, BLOCK };
	c = (struct cfi_flash_config){ .base = BASE, .window = 1 << 20,
		.path = path, .readonly = m.ro, .map = m.map, .part = &part,
		.slot = 2 };
	f = cfi_flash_create(&vm, &c, err, sizeof(err));
	if (!f) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	ntrail = 0;
	note("bank width %u, device width %u, %s, mapping %s", m.bw, m.dw,
	     m.ro ? "read-only" : "writable", m.map ? "on" : "off");
	check_state(f, image_fd);
	for (size_t p = 1; p < n;) {
		static const unsigned off_bytes[4] = { 2, 2, 1, 8 };
		const uint8_t *r = data + p, *o = r + 1, *v;
		unsigned op = r[0] & 7, len = 1u << ((r[0] >> 3) & 3), kind = (r[0] >> 5) & 3;
		unsigned val_bytes;
		uint64_t off, val = 0, got, want = 0, any = 0;

		op = (const unsigned[8]){ 0, 1, 2, 3, 0, 3, 2, 4 }[op];
		if (op == 4 && (kind & 1))
			op = 0;			/* half the resets read */
		if (op == 2 || op == 3)
			len = len == 8 ? 8 : m.bw;	/* a command, or two */
		val_bytes = op == 1 ? len : op == 2 ? 2 : op == 3 ? 4 : 0;
		v = o + off_bytes[kind];
		if (p + 1 + off_bytes[kind] + val_bytes > n)
			break;
		p += 1 + off_bytes[kind] + val_bytes;
		for (unsigned i = 0; i < val_bytes; i++)
			val |= (uint64_t)v[i] << (8 * i);
		switch (kind) {
		case 0: off = o[0] % BLOCKS * m.block + o[1] % 8 * m.bw; break;
		case 1: off = (o[0] | o[1] << 8) % m.size; break;
		case 2: off = m.size - 16 + o[0] % 32; break;
		default: off = get64(o); break;
		}
		m.fail = fake_slot_failures = (r[0] & 0x80) ? 1 : 0;
		if (op == 2 || op == 3) {
			uint64_t c0 = 0, c1 = 0;

			for (unsigned l = 0; l < 8 / m.dw; l++) {
				c0 |= (uint64_t)pick(v) << (8 * m.dw * l);
				if (op == 3)
					c1 |= (uint64_t)pick(v + 2) << (8 * m.dw * l);
			}
			val = c0;
			if (op == 3) {
				note("write %u bytes at 0x%" PRIx64 ": 0x%" PRIx64 "%s", len,
				     off, c0, m.fail ? " (slot change fails)" : "");
				cfi_flash_write(f, off, len, c0);
				m_write(&m, off, len, c0);
				val = c1;
			}
		}
		if (op == 4) {
			note("reset%s", m.fail ? " (slot change fails)" : "");
			cfi_flash_reset(f);
			m_reset(&m);
		} else if (op) {
			note("write %u bytes at 0x%" PRIx64 ": 0x%" PRIx64 "%s", len,
			     off, val, m.fail ? " (slot change fails)" : "");
			cfi_flash_write(f, off, len, val);
			m_write(&m, off, len, val);
		} else {
			got = cfi_flash_read(f, off, len);
			for (unsigned i = 0; i < len; i++) {
				uint64_t a = off + i;
				int b = a < off || a >= m.size ? 0 : m_read_byte(&m, a);

				if (b < 0)
					any |= 0xffull << (8 * i);
				else
					want |= (uint64_t)b << (8 * i);
			}
			note("read %u bytes at 0x%" PRIx64 ": 0x%" PRIx64 "%s", len, off, got,
			     m.fail ? " (slot change fails)" : "");
			if ((got & ~any) != want)
				mismatch("read value", got, want);
			/* A read maps the array again if a mapping was refused. */
			m_mapping(&m, &(struct snap){ m.mode, m.pend, m.sr });
		}
		fake_slot_failures = 0;
		check_state(f, image_fd);
	}
	cfi_flash_destroy(f);
	return 0;
}
