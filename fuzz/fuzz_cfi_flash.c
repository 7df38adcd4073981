/*
 * libFuzzer target: the CFI flash against an independent reference model.
 *
 * The model below is written from the command sets' descriptions (CFI.md,
 * the data sheets, and the choices listed at the top of cfi_cmdset_0001.c
 * and cfi_cmdset_0002.c where parts differ), not from the device's code.
 * It splits each access into bus cycles itself (a bus word is bank-width
 * bytes; a cycle carries the bytes of one bus word, and only a cycle of
 * the whole bank width can be a command), runs the Intel/Sharp or the
 * AMD/Fujitsu command sequences on those cycles, and keeps its own image:
 * program clears bits only, erase sets whole blocks to 0xFF, locked or
 * PPB-protected blocks and read-only images never change, and the status
 * register (Intel) or status bits read through the array (AMD: DQ7, DQ6,
 * DQ5, DQ1) say what happened.  Blocks come from the geometry's erase
 * regions: uniform, or small boot blocks at the bottom or the top.
 *
 * After every operation the device must agree with the model: every read
 * returns what the model predicts (array, status, identifier and the
 * query fields the model knows), the image file holds exactly the model's
 * bytes, the mode is the same, and the array is mapped exactly when the
 * model says it is (a slot change may be made to fail; the device must
 * then never stay mapped where reads return anything but the array, and
 * a cycle whose unmap fails is undone whole).
 *
 * Interrupted operations (powercut=N, fail=N) are checked the same way:
 * the model numbers the program and erase operations as the device must
 * (from 1, those a protected block or read-only image refuses left out),
 * and where one is interrupted it knows only bounds, not bytes: each
 * byte the operation was to change may hold any mix of its old and new
 * bits, every other byte is unchanged.  A failed operation's status says
 * so (Intel SR4 or SR5; AMD DQ5) and the device goes on; a power cut
 * stops the VM with status 99 and the bank takes no further write.
 *
 * Input: byte 0: bits 0-3 geometry (mod 9; 9-15: also top boot), bit 4
 * the AMD set, bit 5 boot-block regions (4 x BLOCK/4 + 3 x BLOCK per
 * device, at the bottom, or at the top for 9-15), bit 6 mapping off, bit
 * 7 read-only image; byte 1: bits 0-2 the operation the power cuts (0:
 * none), bits 3-5 the operation that fails (0: none), bits 6-7 the seed
 * of their partial states; then records of a flags byte, an offset and a
 * value (little-endian), as long as the input lasts:
 *   flags bits 0-2  0, 4 read; 1 write (value: as many bytes as the
 *                   access is wide); 2, 6 write a command on every device
 *                   lane (value: 2 bytes, see pick()); 3, 5 two such
 *                   commands at the same offset (Intel), or the AMD
 *                   unlock cycles then the second command at the offset
 *                   (4 bytes); 7 reset (a read if the offset kind is odd)
 *         bits 3-4  log2 of the access width: 1, 2, 4 or 8 bytes (for a
 *                   command: 8, or else the bank width)
 *         bits 5-6  offset: 0 one of the first 8 bus words of a block
 *                   (2 bytes: block, word; for an AMD command, word 0-2
 *                   are device words 0x555, 0x2AA and 0x55 instead), 1
 *                   anywhere in the image (2 bytes), 2 within 16 bytes of
 *                   its end, straddling it (1 byte), 3 any 64-bit offset:
 *                   far out, wrapping (8)
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
#define DEVSIZE	(4 * BLOCK)
#define MAXN	8u	/* devices per bank at most */
#define MAXSIZE	(DEVSIZE * MAXN)
#define MAXBLK	8u
#define BUF_INTEL	256u	/* write buffer per device */
#define BUF_AMD		64u

static const struct { unsigned bw, dw; } geo[] = {
	{ 1, 1 }, { 2, 1 }, { 2, 2 }, { 4, 1 }, { 4, 2 }, { 4, 4 },
	{ 8, 1 }, { 8, 2 }, { 8, 4 },
};

/* ---- the reference model ---- */

enum { M_ARRAY, M_STATUS, M_ID, M_QUERY };
enum { P_NONE, P_PROGRAM, P_ERASE, P_LOCK, P_COUNT, P_DATA, P_CONFIRM };
/* AMD states */
enum { A_READ, A_AUTO, A_CFI, A_PROG, A_ERASE, A_COUNT, A_DATA, A_CONFIRM,
       A_ABORT, A_WINDOW, A_FAILED, A_PPB, A_PPB_PROG, A_PPB_ERASE };

struct model {
	bool amd;
	unsigned bw, dw, n;
	uint64_t size;
	unsigned nblk;
	uint64_t boff[MAXBLK], bsize[MAXBLK];
	int boot;			/* 0 uniform, 2 bottom, 3 top */
	unsigned buf;			/* write buffer per device */
	bool ro, map;
	uint8_t img[MAXSIZE];
	uint8_t lock[MAXBLK];		/* Intel: bit 0 locked, bit 1 down; AMD: PPB */
	int mode, pend;
	uint8_t sr;
	bool mapped;
	unsigned fail;			/* slot changes still to fail */
	/* the write buffer */
	uint64_t bstart;
	bool bstarted, bbad;
	unsigned bleft;
	uint8_t bdata[MAXN * BUF_INTEL];
	bool bvalid[MAXN * BUF_INTEL];
	/* AMD */
	int st, from;
	unsigned unl;			/* unlock cycles seen */
	bool bypass, exit90;
	uint64_t sa;
	uint8_t d7[8];
	bool sel[MAXBLK];		/* sectors in the erase window */
	unsigned tog;			/* non-array read cycles so far */
	/* interrupted operations */
	unsigned ops, cut_at, fail_at;	/* operations so far; 0: none */
	bool cut;			/* the power was cut */
	bool bounded;			/* the last operation left bytes partial */
	uint8_t pre[MAXSIZE];		/* the image before it */
};

/*
 * A program or erase starts: number it.  True when it is the one to be
 * interrupted: its effect is then bounded (m_op_end), not exact.
 */
static bool m_op_start(struct model *m)
{
	m->ops++;
	if (m->ops != m->cut_at && m->ops != m->fail_at)
		return false;
	if (!m->bounded)	/* a second one in the same access widens it */
		memcpy(m->pre, m->img, m->size);
	return true;
}

/*
 * After it was applied in full: the model's image is now one bound, the
 * image before it (pre) the other, until the access is checked.
 */
static void m_op_end(struct model *m, bool interrupted)
{
	if (!interrupted)
		return;
	m->bounded = true;
	m->cut = m->ops == m->cut_at;
}

static unsigned m_blk(const struct model *m, uint64_t a)
{
	unsigned b = 0;

	while (b + 1 < m->nblk && m->boff[b + 1] <= a)
		b++;
	return b;
}

static bool m_prot(const struct model *m, uint64_t a)
{
	return m->ro || (m->lock[m_blk(m, a)] & 1);
}

/* ---- Intel/Sharp ---- */

static bool m_writable(struct model *m, uint64_t a, uint8_t err)
{
	if (m->ro) {
		m->sr |= err | 0x08;		/* VPP low */
		return false;
	}
	if (m->lock[m_blk(m, a)] & 1) {
		m->sr |= err | 0x02;		/* block locked */
		return false;
	}
	return true;
}

static void m_buffer_data(struct model *m, uint64_t a, unsigned len,
			  const uint8_t *d)
{
	uint64_t cap = (uint64_t)m->n * m->buf;

	if (!m->bstarted) {
		m->bstart = a;
		m->bstarted = true;
	}
	if (a >= m->bstart && a + len <= m->bstart + cap &&
	    m_blk(m, a) == m_blk(m, m->bstart)) {
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
	bool cut;

	if (m->bbad) {
		m->sr |= 0x30;
		return;
	}
	if (!m_writable(m, m->bstart, 0x10))
		return;
	cut = m_op_start(m);
	for (unsigned i = 0; i < m->n * m->buf; i++)
		if (m->bvalid[i] && m->bstart + i < m->size)
			m->img[m->bstart + i] &= m->bdata[i];
	m_op_end(m, cut);
	if (cut && m->ops == m->fail_at)
		m->sr |= 0x10;
}

/* The second cycle of a setup command (always a whole bus word). */
static void m_second(struct model *m, uint64_t a, uint8_t c)
{
	int p = m->pend;
	unsigned blk = m_blk(m, a);

	m->pend = P_NONE;
	switch (p) {
	case P_ERASE:
		if (c != 0xd0) {
			m->sr |= 0x30;
		} else if (m_writable(m, a, 0x20)) {
			bool cut = m_op_start(m);

			memset(m->img + m->boff[blk], 0xff, m->bsize[blk]);
			m_op_end(m, cut);
			if (cut && m->ops == m->fail_at)
				m->sr |= 0x20;
		}
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
		if (((unsigned)c + 1) * m->dw > m->buf) {
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

/* One Intel write cycle: `len` bytes at bank offset `a`, in one bus word. */
static void m_intel(struct model *m, uint64_t a, unsigned len, const uint8_t *d)
{
	uint8_t c = d[0];

	if (m->pend == P_PROGRAM) {
		m->pend = P_NONE;
		if (m_writable(m, a, 0x10)) {
			bool cut = m_op_start(m);

			for (unsigned i = 0; i < len; i++)
				m->img[a + i] &= d[i];
			m_op_end(m, cut);
			if (cut && m->ops == m->fail_at)
				m->sr |= 0x10;
		}
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

/* ---- AMD/Fujitsu ---- */

static unsigned a_addr(const struct model *m, uint64_t a)
{
	return (unsigned)(a / m->bw) & 0x7ff;
}

static void a_d7(struct model *m, uint64_t a, unsigned len, const uint8_t *d)
{
	for (unsigned i = 0; i < len; i++)
		if ((a + i) % m->bw % m->dw == 0)
			m->d7[(a + i) % m->bw / m->dw] = d[i] & 0x80;
}

static void a_read_mode(struct model *m)
{
	m->st = A_READ;
	m->unl = 0;
}

/* Program `len` bytes: a failure to clear to the datum is DQ5. */
static void a_program(struct model *m, uint64_t a, unsigned len, const uint8_t *d,
		      const bool *valid)
{
	bool bad = false, cut;

	a_read_mode(m);
	if (!len || m_prot(m, a))
		return;			/* busy for a moment, nothing changes */
	cut = m_op_start(m);
	for (unsigned i = 0; i < len; i++) {
		if (valid && !valid[i])
			continue;
		if (d[i] & ~m->img[a + i])
			bad = true;
		m->img[a + i] &= d[i];
	}
	m_op_end(m, cut);
	if (bad || (cut && m->ops == m->fail_at))
		m->st = A_FAILED;
}

static void a_erase(struct model *m)
{
	bool any = false, cut = false;

	for (unsigned b = 0; b < m->nblk; b++)
		any |= m->sel[b] && !m->ro && !(m->lock[b] & 1);
	if (any)
		cut = m_op_start(m);
	for (unsigned b = 0; b < m->nblk; b++)
		if (m->sel[b] && !m->ro && !(m->lock[b] & 1))
			memset(m->img + m->boff[b], 0xff, m->bsize[b]);
	m_op_end(m, cut);
	memset(m->sel, 0, sizeof(m->sel));
	a_read_mode(m);
	/* A failed erase: DQ5, and DQ7 reads 0 (the complement of an erased 1). */
	memset(m->d7, cut && m->ops == m->fail_at ? 0x80 : 0, sizeof(m->d7));
	if (cut && m->ops == m->fail_at)
		m->st = A_FAILED;
}

static bool a_unlock(struct model *m, uint64_t a, uint8_t c)
{
	if (m->unl == 0 && c == 0xaa && a_addr(m, a) == 0x555) {
		m->unl = 1;
		return true;
	}
	if (m->unl == 1) {
		if (c == 0x55 && a_addr(m, a) == 0x2aa)
			m->unl = 2;
		else
			a_read_mode(m);
		return true;
	}
	return false;
}

static void a_start_buffer(struct model *m, uint64_t a)
{
	m->sa = a;
	m->st = A_COUNT;
}

static void a_read_cycle(struct model *m, uint64_t a, uint8_t c)
{
	if (m->bypass) {
		if (m->exit90) {
			m->exit90 = false;
			if (c == 0x00)
				m->bypass = false;
		} else if (c == 0xa0)
			m->st = A_PROG;
		else if (c == 0x80)
			m->st = A_ERASE;
		else if (c == 0x25)
			a_start_buffer(m, a);
		else if (c == 0x90)
			m->exit90 = true;
		return;
	}
	if (m->unl == 2) {
		m->unl = 0;
		if (c == 0x25)
			a_start_buffer(m, a);
		else if (a_addr(m, a) != 0x555)
			a_read_mode(m);
		else if (c == 0x90)
			m->st = A_AUTO;
		else if (c == 0xa0)
			m->st = A_PROG;
		else if (c == 0x80)
			m->st = A_ERASE;
		else if (c == 0x20)
			m->bypass = true;
		else if (c == 0xc0)
			m->st = A_PPB;
		return;
	}
	if (a_unlock(m, a, c))
		return;
	if (c == 0x98 && a_addr(m, a) == 0x55) {
		m->from = A_READ;
		m->st = A_CFI;
	}
}

/* One AMD write cycle. */
static void m_amd(struct model *m, uint64_t a, unsigned len, const uint8_t *d)
{
	uint8_t c = d[0];

	if (m->st == A_PROG) {
		a_d7(m, a, len, d);
		a_program(m, a, len, d, NULL);
		return;
	}
	if (m->st == A_DATA) {
		uint64_t page = (uint64_t)m->buf * m->n;

		if (!m->bstarted) {
			m->bstart = a - a % page;
			m->bstarted = true;
		}
		if (a < m->bstart || a + len > m->bstart + page ||
		    m_blk(m, a) != m_blk(m, m->sa)) {
			m->st = A_ABORT;
			m->unl = 0;
			return;
		}
		for (unsigned i = 0; i < len; i++) {
			m->bdata[a - m->bstart + i] = d[i];
			m->bvalid[a - m->bstart + i] = true;
		}
		a_d7(m, a, len, d);
		if (--m->bleft == 0)
			m->st = A_CONFIRM;
		return;
	}
	if (len != m->bw)
		return;
	switch (m->st) {
	case A_READ:
		a_read_cycle(m, a, c);
		break;
	case A_AUTO:
		if (c == 0xf0)
			a_read_mode(m);
		else if (c == 0x98 && a_addr(m, a) == 0x55) {
			m->from = A_AUTO;
			m->st = A_CFI;
		} else if (!a_unlock(m, a, c) && m->unl == 2)
			m->unl = 0;
		break;
	case A_CFI:
		if (c == 0xf0 || c == 0xff) {
			m->st = m->from;
			m->unl = 0;
		}
		break;
	case A_ERASE:
		if (!m->bypass && m->unl < 2) {
			if (!a_unlock(m, a, c))
				a_read_mode(m);
			break;
		}
		m->unl = 0;
		memset(m->sel, 0, sizeof(m->sel));
		if (c == 0x10 && (m->bypass || a_addr(m, a) == 0x555)) {
			memset(m->sel, 1, sizeof(m->sel));
			a_erase(m);
		} else if (c == 0x30) {
			m->sel[m_blk(m, a)] = true;
			m->st = A_WINDOW;
		} else {
			a_read_mode(m);
		}
		break;
	case A_COUNT:
		if (((unsigned)c + 1) * m->dw > m->buf || m_blk(m, a) != m_blk(m, m->sa)) {
			m->st = A_ABORT;
			m->unl = 0;
			break;
		}
		m->bleft = (unsigned)c + 1;
		m->bstarted = false;
		memset(m->bvalid, 0, sizeof(m->bvalid));
		m->st = A_DATA;
		break;
	case A_CONFIRM:
		if (c == 0x29 && m_blk(m, a) == m_blk(m, m->sa))
			a_program(m, m->bstart, m->buf * m->n, m->bdata, m->bvalid);
		else {
			m->st = A_ABORT;
			m->unl = 0;
		}
		break;
	case A_ABORT:
		if (m->unl == 2) {
			m->unl = 0;
			if (c == 0xf0 && a_addr(m, a) == 0x555)
				a_read_mode(m);
		} else if (m->unl == 1)
			m->unl = c == 0x55 && a_addr(m, a) == 0x2aa ? 2 : 0;
		else if (c == 0xaa && a_addr(m, a) == 0x555)
			m->unl = 1;
		break;
	case A_WINDOW:
		if (c == 0x30)
			m->sel[m_blk(m, a)] = true;
		else if (c == 0xb0)
			a_erase(m);	/* no time to suspend in */
		else {
			memset(m->sel, 0, sizeof(m->sel));
			a_read_mode(m);
		}
		break;
	case A_FAILED:
		if (c == 0xf0)
			a_read_mode(m);
		break;
	case A_PPB:
		if (c == 0xa0)
			m->st = A_PPB_PROG;
		else if (c == 0x80)
			m->st = A_PPB_ERASE;
		else if (c == 0x90)
			m->exit90 = true;
		else if (c == 0x00 && m->exit90) {
			m->exit90 = false;
			a_read_mode(m);
		}
		break;
	case A_PPB_PROG:
		m->st = A_PPB;
		if (c == 0x00)
			m->lock[m_blk(m, a)] = 1;
		break;
	case A_PPB_ERASE:
		m->st = A_PPB;
		if (c == 0x30)
			memset(m->lock, 0, sizeof(m->lock));
		break;
	}
}

static int a_mode(const struct model *m)
{
	switch (m->st) {
	case A_READ: case A_PROG: case A_ERASE: case A_COUNT: case A_DATA:
	case A_CONFIRM:
		return M_ARRAY;
	case A_AUTO: case A_PPB: case A_PPB_PROG: case A_PPB_ERASE:
		return M_ID;
	case A_CFI:
		return M_QUERY;
	default:
		return M_STATUS;
	}
}

static int m_mode(const struct model *m)
{
	if (m->amd)
		return a_mode(m);
	return m->pend ? M_STATUS : m->mode;
}

/* Bring the mapping in line; a failed unmap undoes the cycle whole. */
static void m_mapping(struct model *m, const struct model *before)
{
	bool want = m->map && m_mode(m) == M_ARRAY;
	unsigned fail = m->fail;

	if (want == m->mapped)
		return;
	if (fail) {
		if (m->mapped && before && !m->cut)	/* no power: nothing undone */
			memcpy(m, before, sizeof(*m));
		m->fail = fail - 1;
		return;
	}
	m->mapped = want;
}

static void m_write(struct model *m, uint64_t off, unsigned len, uint64_t val)
{
	static struct model before;
	uint8_t d[8];

	if (m->cut)
		return;			/* no power: nothing reaches the array */
	for (unsigned i = 0; i < 8; i++)
		d[i] = (uint8_t)(val >> (8 * i));
	for (unsigned i = 0; i < len && !m->cut;) {
		uint64_t a = off + i;
		unsigned n = m->bw - (unsigned)(a % m->bw);

		if (a < off)
			break;		/* past the top of the address space */
		if (n > len - i)
			n = len - i;
		if (m->mapped)
			memcpy(&before, m, sizeof(before));
		if (a < m->size) {
			if (m->amd)
				m_amd(m, a, n, d + i);
			else
				m_intel(m, a, n, d + i);
		}
		m_mapping(m, m->mapped ? &before : NULL);
		i += n;
	}
}

static unsigned log2u(uint64_t v)
{
	unsigned n = 0;

	while ((1ull << n) < v)
		n++;
	return n;
}

/* The query fields the model knows; -1: any value. */
static int m_query(const struct model *m, uint64_t k)
{
	unsigned nreg = m->boot ? 2 : 1, r;
	uint64_t bl[2], sz[2];

	/* regions of one device, lowest address first */
	if (m->boot == 0) {
		bl[0] = DEVSIZE / BLOCK; sz[0] = BLOCK;
	} else if (m->boot == 2) {
		bl[0] = 4; sz[0] = BLOCK / 4; bl[1] = 3; sz[1] = BLOCK;
	} else {
		bl[0] = 3; sz[0] = BLOCK; bl[1] = 4; sz[1] = BLOCK / 4;
	}
	switch (k) {
	case 0x10: return 'Q';
	case 0x11: return 'R';
	case 0x12: return 'Y';
	case 0x13: return m->amd ? 0x02 : 0x01;
	case 0x14: return 0x00;
	case 0x15: return m->amd ? 0x40 : -1;
	case 0x27: return (int)log2u(m->size / m->n);
	case 0x2a: return (int)log2u(m->buf);
	case 0x2c: return (int)nreg;
	}
	if (k >= 0x2d && k < 0x2d + 4 * nreg) {
		r = (unsigned)(k - 0x2d) / 4;
		if (m->amd && m->boot == 3)
			r = nreg - 1 - r;	/* AMD top boot: listed reversed */
		switch ((k - 0x2d) % 4) {
		case 0: return (int)((bl[r] - 1) & 0xff);
		case 1: return (int)((bl[r] - 1) >> 8);
		case 2: return (int)((sz[r] >> 8) & 0xff);
		default: return (int)(sz[r] >> 16);
		}
	}
	if (m->amd && k == 0x40 + 15)
		return m->boot ? m->boot : 4;
	return -1;
}

/* A device's answer word in the AMD non-array modes. */
static uint32_t a_word(const struct model *m, uint64_t a, unsigned lane, unsigned tog)
{
	uint64_t k = a / m->bw;
	uint8_t dq6 = tog & 1 ? 0x40 : 0;

	switch (m->st) {
	case A_AUTO:
		switch (k & 0xff) {
		case 0: return 0x01;
		case 1: return m->dw == 1 ? 0x7e : 0x227e;
		case 2: return m->lock[m_blk(m, a)] & 1;
		case 0x0e: return m->dw == 1 ? 0x22 : 0x2222;
		case 0x0f: return m->dw == 1 ? 0x01 : 0x2201;
		default: return 0;
		}
	case A_PPB: case A_PPB_PROG: case A_PPB_ERASE:
		return m->lock[m_blk(m, a)] & 1 ? 0 : 1;
	case A_FAILED:
		return (uint32_t)((m->d7[lane] ^ 0x80) | dq6 | 0x20);
	default:	/* A_ABORT */
		return (uint32_t)((m->d7[lane] ^ 0x80) | dq6 | 0x02);
	}
}

/* The byte a read returns at bank offset `a` (in the image); -1: any. */
static int m_read_byte(const struct model *m, uint64_t a, unsigned tog)
{
	uint64_t k, in;
	unsigned b;

	if (m_mode(m) == M_ARRAY)
		return m->img[a];
	if (m->amd && m->st != A_CFI)
		return (int)(uint8_t)(a_word(m, a - a % m->bw, (unsigned)(a % m->bw / m->dw),
					     tog) >> (8 * (a % m->bw % m->dw)));
	if (a % m->bw % m->dw)
		return 0;		/* a device answers in its low byte */
	switch (m_mode(m)) {
	case M_STATUS:
		return 0x80 | m->sr;
	case M_ID:
		b = m_blk(m, a);
		in = (a - m->boff[b]) / m->bw;
		return in == 0 ? CFI_MANUFACTURER_ID : in == 1 ? CFI_DEVICE_ID :
		       in == 2 ? m->lock[b] : 0;
	default:
		k = a / m->bw;
		return m_query(m, k);
	}
}

static void m_reset(struct model *m)
{
	if (m->amd) {
		a_read_mode(m);		/* an open erase window is cancelled */
		m->bypass = m->exit90 = false;
		memset(m->sel, 0, sizeof(m->sel));
		memset(m->d7, 0, sizeof(m->d7));
		/* PPBs are non-volatile */
	} else {
		m->mode = M_ARRAY;
		m->pend = P_NONE;
		m->sr = 0;
		memset(m->lock, 0, sizeof(m->lock));
	}
	m->tog = 0;
	m_mapping(m, NULL);
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

	fprintf(stderr, "\nflash model mismatch: %s: device 0x%" PRIx64
		", model 0x%" PRIx64 "\n", what, got, want);
	fprintf(stderr, "%s set, bank width %u, device width %u, boot %d, %s, mapping %s; "
		"model: mode %s, pending %d, AMD state %d, unlock %u, SR 0x%02x\n",
		m.amd ? "AMD" : "Intel", m.bw, m.dw, m.boot,
		m.ro ? "read-only" : "writable", m.map ? "on" : "off",
		modes[m_mode(&m)], m.pend, m.st, m.unl, 0x80 | m.sr);
	for (unsigned i = ntrail > 64 ? ntrail - 64 : 0; i < ntrail; i++)
		fprintf(stderr, "  %3u: %s\n", i, trail[i % 64]);
	abort();
}

/* The image file holds the model's bytes (within bounds after an interruption). */
static void check_image(int fd)
{
	static uint8_t file[MAXSIZE];

	/* The file itself, not the device's mapping of it. */
	if (pread(fd, file, m.size, 0) != (ssize_t)m.size)
		abort();
	/*
	 * An interrupted operation: each byte keeps the bits its old and new
	 * values agree on, the others are the device's choice.  From then on
	 * the model takes the device's bytes.
	 */
	if (m.bounded) {
		for (uint64_t i = 0; i < m.size; i++)
			if ((file[i] ^ m.pre[i]) & ~(m.pre[i] ^ m.img[i])) {
				char what[80];

				snprintf(what, sizeof(what), "interrupted operation %u, image "
					 "byte 0x%" PRIx64 " (before 0x%02x, after 0x%02x)",
					 m.ops, i, m.pre[i], m.img[i]);
				mismatch(what, file[i], m.img[i]);
			}
		memcpy(m.img, file, m.size);
		m.bounded = false;
	}
	if (memcmp(file, m.img, m.size)) {
		uint64_t i = 0;
		char what[64];

		while (file[i] == m.img[i])
			i++;
		snprintf(what, sizeof(what), "image byte 0x%" PRIx64, i);
		mismatch(what, file[i], m.img[i]);
	}
}

static void check_state(struct cfi_flash *f, int fd)
{
	const struct fake_slot *s = fake_slot_at(BASE);
	int mode = m_mode(&m);

	check_image(fd);
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
	static const uint8_t intel[] = {
		0xff, 0x90, 0x98, 0x70, 0x50, 0x40, 0x10, 0xe8, 0x20, 0xd0,
		0x60, 0x01, 0x2f, 0xb0, 0x00, 0xf0, 0x03, 0xaa, 0x55,
	};
	static const uint8_t amd[] = {
		0xaa, 0x55, 0x90, 0x98, 0xf0, 0xa0, 0x80, 0x10, 0x30, 0x25,
		0x29, 0x20, 0x00, 0xb0, 0xc0, 0x01, 0x03, 0xff, 0x1f,
	};

	if (p[0] >= 0xe0)
		return p[1];
	return m.amd ? amd[p[0] % sizeof(amd)] : intel[p[0] % sizeof(intel)];
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

/*
 * After a power cut: the interrupted operation's bytes within bounds, the
 * VM stopping with status 99, and no later write reaching the image.
 */
static void check_bounded_cut(struct cfi_flash *f)
{
	static uint8_t file[MAXSIZE];
	uint64_t all = 0;

	check_image(image_fd);		/* the bounds; then the model is the file */
	if (vm.exit_reason != VM_EXIT_POWEROFF || vm.exit_code != CFI_POWERCUT_STATUS)
		mismatch("exit after a power cut (reason, status)",
			 (uint64_t)vm.exit_reason << 8 | (unsigned)vm.exit_code,
			 VM_EXIT_POWEROFF << 8 | CFI_POWERCUT_STATUS);
	for (unsigned l = 0; l < m.n; l++)
		all |= (m.amd ? 0xa0ull : 0x40ull) << (8 * m.dw * l);
	if (m.amd) {
		uint64_t aa = 0, x55 = 0;

		for (unsigned l = 0; l < m.n; l++) {
			aa |= 0xaaull << (8 * m.dw * l);
			x55 |= 0x55ull << (8 * m.dw * l);
		}
		cfi_flash_write(f, 0x555 * m.bw, m.bw, aa);
		cfi_flash_write(f, 0x2aa * m.bw, m.bw, x55);
		cfi_flash_write(f, 0x555 * m.bw, m.bw, all);
	} else {
		cfi_flash_write(f, 0, m.bw, all);
	}
	cfi_flash_write(f, 0, m.bw, 0);
	if (pread(image_fd, file, m.size, 0) != (ssize_t)m.size)
		abort();
	if (memcmp(file, m.img, m.size))
		mismatch("a write after the power cut changed the image", 1, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static struct cfi_part part;
	struct cfi_flash_config c;
	struct cfi_flash *f;
	char err[256];

	if (n < 2)
		return 0;
	memset(&m, 0, sizeof(m));
	m.cut_at = data[1] & 7;
	m.fail_at = (data[1] >> 3) & 7;
	if (m.fail_at == m.cut_at)
		m.fail_at = 0;		/* a cut wins */
	m.bw = geo[(data[0] & 15) % 9].bw;
	m.dw = geo[(data[0] & 15) % 9].dw;
	m.n = m.bw / m.dw;
	m.amd = data[0] & 0x10;
	m.boot = !(data[0] & 0x20) ? 0 : (data[0] & 15) >= 9 ? 3 : 2;
	m.buf = m.amd ? BUF_AMD : BUF_INTEL;
	m.ro = data[0] & 0x80;
	m.map = !(data[0] & 0x40);
	m.size = (uint64_t)DEVSIZE * m.n;
	m.mapped = m.map;
	for (uint64_t off = 0; off < m.size; m.nblk++) {
		bool small = (m.boot == 2 && off < BLOCK * m.n) ||
			     (m.boot == 3 && off >= m.size - BLOCK * m.n);

		m.boff[m.nblk] = off;
		m.bsize[m.nblk] = (uint64_t)(small ? BLOCK / 4 : BLOCK) * m.n;
		off += m.bsize[m.nblk];
	}
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
	part = *cfi_part_find(m.amd ? "S29GL256P" : "virt");
	part.device_width = m.dw;
	part.interleave = m.n;
	part.nregions = m.boot ? 2 : 1;
	part.region[0] = (struct cfi_region){ DEVSIZE / BLOCK, BLOCK };
	if (m.boot == 2) {
		part.region[0] = (struct cfi_region){ 4, BLOCK / 4 };
		part.region[1] = (struct cfi_region){ 3, BLOCK };
	} else if (m.boot == 3) {
		part.region[0] = (struct cfi_region){ 3, BLOCK };
		part.region[1] = (struct cfi_region){ 4, BLOCK / 4 };
	}
	c = (struct cfi_flash_config){ .base = BASE, .window = 1 << 20,
		.path = path, .readonly = m.ro, .map = m.map, .part = &part,
		.slot = 2, .powercut = m.cut_at, .fail = m.fail_at,
		.seed = 1 + (data[1] >> 6) };
	f = cfi_flash_create(&vm, &c, err, sizeof(err));
	if (!f) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	ntrail = 0;
	note("%s set, bank width %u, device width %u, boot %d, %s, mapping %s, "
	     "power cut at operation %u, failure at %u", m.amd ? "AMD" : "Intel",
	     m.bw, m.dw, m.boot, m.ro ? "read-only" : "writable",
	     m.map ? "on" : "off", m.cut_at, m.fail_at);
	check_state(f, image_fd);
	for (size_t p = 2; p < n && !m.cut;) {
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
		case 0:
			if (m.amd && (op == 2 || op == 3) && o[1] % 8 < 3)
				off = (uint64_t)(const unsigned[3]){ 0x555, 0x2aa, 0x55 }[o[1] % 8] * m.bw;
			else
				off = m.boff[o[0] % m.nblk] + o[1] % 8 * m.bw;
			break;
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
			if (op == 3 && m.amd) {
				/* the unlock cycles, then the command */
				uint64_t aa = 0, x55 = 0;

				for (unsigned l = 0; l < m.n; l++) {
					aa |= 0xaaull << (8 * m.dw * l);
					x55 |= 0x55ull << (8 * m.dw * l);
				}
				note("unlock%s", m.fail ? " (slot change fails)" : "");
				cfi_flash_write(f, 0x555 * m.bw, m.bw, aa);
				m_write(&m, 0x555 * m.bw, m.bw, aa);
				cfi_flash_write(f, 0x2aa * m.bw, m.bw, x55);
				m_write(&m, 0x2aa * m.bw, m.bw, x55);
				val = c1;
			} else if (op == 3) {
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
			unsigned tog = 0;

			got = cfi_flash_read(f, off, len);
			/* A read ends an open erase window (no timing model), and
			 * maps the array again if a mapping was refused. */
			if (m.amd && m.st == A_WINDOW)
				a_erase(&m);
			m_mapping(&m, NULL);

			for (unsigned i = 0; i < len; i++) {
				uint64_t a = off + i;
				int b;

				if (a < off)
					break;
				if (a >= m.size)
					continue;
				/* a new bus cycle: non-array reads toggle DQ6 */
				if (i == 0 || a % m.bw == 0) {
					tog = m.tog;
					if (m_mode(&m) != M_ARRAY)
						m.tog++;
				}
				b = m_read_byte(&m, a, tog);
				if (b < 0)
					any |= 0xffull << (8 * i);
				else
					want |= (uint64_t)b << (8 * i);
			}
			note("read %u bytes at 0x%" PRIx64 ": 0x%" PRIx64 "%s", len, off, got,
			     m.fail ? " (slot change fails)" : "");
			/* Once the power went (the read closed an erase window
			 * whose erase it cut), the read predicts nothing. */
			if (!m.cut && (got & ~any) != want)
				mismatch("read value", got, want);
		}
		fake_slot_failures = 0;
		if (m.cut) {
			/* The image within its bounds, then the power is gone. */
			check_bounded_cut(f);
			break;
		}
		check_state(f, image_fd);
	}
	cfi_flash_destroy(f);
	return 0;
}
