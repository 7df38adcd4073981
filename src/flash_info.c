/*
 * `norvm flash info IMG [--part NAME] [--json]`.
 *
 * The image is read with pread, a chunk at a time, and never locked or
 * mapped: a running VM may hold it (and a file truncated meanwhile is an
 * error line, not a SIGBUS).  A block is erased when every byte is 0xFF.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flash_info.h"
#include "hw/cfi_flash.h"
#include "pack.h"
#include "util.h"

extern const uint8_t stage0_code[], stage0_code_end[];

#define CHUNK	(1u << 20)	/* bytes read at a time */
#define HDR_LEN	sizeof(struct pack_header)

/* Consecutive blocks: an erase region, or a run of used blocks. */
struct range {
	uint64_t first, blocks;		/* block indices */
	uint64_t offset, size;		/* bytes in the image */
	uint64_t block_size;		/* regions: bytes per block (bank) */
};

struct payload_info {
	uint64_t offset, size, load;
	bool inside;			/* within the image: crc is valid */
	uint32_t crc;			/* of its bytes in the image */
	uint32_t header_crc;		/* what the header says it is */
};

struct boot_info {
	bool present;			/* the magic is there */
	bool stage0_current;		/* the same bytes this norvm packs */
	bool fields;			/* entry, clint and count were read */
	uint64_t entry, clint, count;
	unsigned n;			/* descriptors read */
	struct payload_info p[PACK_MAX_PAYLOADS];
	char error[192];		/* what is damaged, "" when nothing */
};

struct image_info {
	const char *path;
	int fd;
	uint64_t size, tail;		/* tail: bytes after the last whole block */
	const struct cfi_part *part;
	struct range region[CFI_MAX_REGIONS + 1];	/* + the tail */
	unsigned nregions;
	uint64_t blocks, erased;
	struct range *used;
	unsigned nused, used_cap;
	struct boot_info boot;
	uint8_t *buf;			/* CHUNK bytes */
};

/* `len` bytes at `off`, all of them, or -errno with `err` set. */
static int read_at(struct image_info *ii, uint64_t off, void *buf, size_t len,
		   char *err, size_t errlen)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t got = pread(ii->fd, p, len, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (got < 0)
				snprintf(err, errlen, "%s: cannot read: %s", ii->path,
					 strerror(errno));
			else
				snprintf(err, errlen, "%s: the image shrank while it was "
					 "read", ii->path);
			return got < 0 ? -errno : -EIO;
		}
		p += got;
		off += (uint64_t)got;
		len -= (size_t)got;
	}
	return 0;
}

static int open_image(struct image_info *ii, char *err, size_t errlen)
{
	struct stat st;
	int e;

	/* O_NONBLOCK: a FIFO must not hang the open; it is refused below. */
	ii->fd = open(ii->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (ii->fd < 0) {
		e = errno;
		snprintf(err, errlen, "%s: cannot open: %s", ii->path, strerror(e));
		return -e;
	}
	if (fstat(ii->fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", ii->path, S_ISDIR(st.st_mode) ?
			 "is a directory, not a flash image" : "not a regular file");
		return -EINVAL;
	}
	ii->size = (uint64_t)st.st_size;
	if (!ii->size) {
		snprintf(err, errlen, "%s: the image is empty (create one with norvm "
			 "flash create)", ii->path);
		return -EINVAL;
	}
	/* Read no more than any bank holds: a huge (sparse) file is not one. */
	if (ii->size > CFI_MAX_BANK) {
		snprintf(err, errlen, "%s: %" PRIu64 " bytes, larger than any flash bank "
			 "(at most %u MiB): not a flash image", ii->path, ii->size,
			 (unsigned)(CFI_MAX_BANK >> 20));
		return -EFBIG;
	}
	return 0;
}

/* Bytes in MiB, at most 6 decimals, no trailing zeros: "32", "0.000572". */
static const char *mib_str(uint64_t v, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%.6f", (double)v / (1 << 20));

	while (n > 1 && n < len && buf[n - 1] == '0')
		buf[--n] = 0;
	if (n > 1 && n < len && buf[n - 1] == '.')
		buf[--n] = 0;
	return buf;
}

/* The part's erase regions laid over the image, then a partial block. */
static int lay_out(struct image_info *ii, char *err, size_t errlen)
{
	const struct cfi_part *p = ii->part;
	uint64_t want = cfi_part_size(p), off = 0;

	if (want && ii->size != want) {
		char a[32];

		snprintf(err, errlen, "%s: size %" PRIu64 " bytes, but a bank of %s is %"
			 PRIu64 " bytes (%s): not an image of this part", ii->path,
			 ii->size, p->name, want, size_text(want, SIZE_WORDS, a, sizeof(a)));
		return -EINVAL;
	}
	for (unsigned r = 0; r < p->nregions; r++) {
		uint64_t bs = cfi_part_block_size(p, r);
		uint64_t n = cfi_part_region_blocks(p, r, ii->size);

		if (!n)
			continue;	/* an image smaller than one block */
		ii->region[ii->nregions++] = (struct range){ ii->blocks, n, off, n * bs, bs };
		ii->blocks += n;
		off += n * bs;
	}
	ii->tail = ii->size - off;
	if (ii->tail) {
		ii->region[ii->nregions++] = (struct range){ ii->blocks, 1, off, ii->tail,
							     ii->tail };
		ii->blocks++;
	}
	return 0;
}

static int block_erased(struct image_info *ii, uint64_t off, uint64_t len,
			bool *erased, char *err, size_t errlen)
{
	*erased = true;
	while (len && *erased) {
		size_t n = len < CHUNK ? (size_t)len : CHUNK;
		int ret = read_at(ii, off, ii->buf, n, err, errlen);

		if (ret)
			return ret;
		for (size_t i = 0; i < n; i++)
			if (ii->buf[i] != 0xff) {
				*erased = false;
				break;
			}
		off += n;
		len -= n;
	}
	return 0;
}

/* Block `index` at `off` is used: extend the last run or start one. */
static int add_used(struct image_info *ii, uint64_t index, uint64_t off,
		    uint64_t size)
{
	struct range *last = ii->nused ? &ii->used[ii->nused - 1] : NULL;

	if (last && last->first + last->blocks == index) {
		last->blocks++;
		last->size += size;
		return 0;
	}
	if (ii->nused == ii->used_cap) {
		unsigned cap = ii->used_cap ? 2 * ii->used_cap : 16;
		struct range *u = realloc(ii->used, cap * sizeof(*u));

		if (!u)
			return -ENOMEM;
		ii->used = u;
		ii->used_cap = cap;
	}
	ii->used[ii->nused++] = (struct range){ index, 1, off, size, 0 };
	return 0;
}

static int scan_blocks(struct image_info *ii, char *err, size_t errlen)
{
	for (unsigned r = 0; r < ii->nregions; r++) {
		const struct range *g = &ii->region[r];

		for (uint64_t b = 0; b < g->blocks; b++) {
			uint64_t off = g->offset + b * g->block_size;
			bool erased;
			int ret = block_erased(ii, off, g->block_size, &erased, err, errlen);

			if (!ret && !erased)
				ret = add_used(ii, g->first + b, off, g->block_size);
			if (ret == -ENOMEM)
				snprintf(err, errlen, "flash info: out of memory");
			if (ret)
				return ret;
			ii->erased += erased;
		}
	}
	return 0;
}

static int payload_crc(struct image_info *ii, struct payload_info *pl,
		       char *err, size_t errlen)
{
	uint64_t off = pl->offset, left = pl->size;

	pl->crc = 0;
	while (left) {
		size_t n = left < CHUNK ? (size_t)left : CHUNK;
		int ret = read_at(ii, off, ii->buf, n, err, errlen);

		if (ret)
			return ret;
		pl->crc = crc32_ieee(pl->crc, ii->buf, n);
		off += n;
		left -= n;
	}
	return 0;
}

/* Stage-0 as `flash pack` writes it: this norvm's code, then 0xFF. */
static bool stage0_current(const uint8_t *img)
{
	size_t len = (size_t)(stage0_code_end - stage0_code);

	if (memcmp(img, stage0_code, len))
		return false;
	for (size_t i = len; i < PACK_HEADER_OFFSET; i++)
		if (img[i] != 0xff)
			return false;
	return true;
}

static int read_payloads(struct image_info *ii, const struct pack_header *h,
			 char *err, size_t errlen)
{
	struct boot_info *b = &ii->boot;

	for (unsigned i = 0; i < b->count; i++) {
		struct payload_info *pl = &b->p[b->n++];
		const struct pack_payload *d = &h->payload[i];
		int ret;

		*pl = (struct payload_info){ .offset = d->offset, .size = d->size,
					     .load = d->addr, .header_crc = d->crc32 };
		pl->inside = pl->offset <= ii->size && pl->size <= ii->size - pl->offset;
		if (!pl->inside) {
			if (!b->error[0])
				snprintf(b->error, sizeof(b->error), "payload %u (flash 0x%"
					 PRIx64 ", 0x%" PRIx64 " bytes) lies outside the %"
					 PRIu64 "-byte image", i, pl->offset, pl->size, ii->size);
			continue;
		}
		ret = payload_crc(ii, pl, err, errlen);
		if (ret)
			return ret;
		if (pl->crc != pl->header_crc && !b->error[0])
			snprintf(b->error, sizeof(b->error), "payload %u has CRC-32 0x%08"
				 PRIx32 ", the header says 0x%08" PRIx32, i, pl->crc,
				 pl->header_crc);
	}
	return 0;
}

/* The header `norvm flash pack` writes at 0x200, if there is one. */
static int read_boot(struct image_info *ii, char *err, size_t errlen)
{
	struct boot_info *b = &ii->boot;
	struct pack_header h;
	uint8_t *s0 = ii->buf;
	uint64_t have;
	int ret;

	if (ii->size < PACK_HEADER_OFFSET + 8)
		return 0;
	have = ii->size - PACK_HEADER_OFFSET;
	have = have < HDR_LEN ? have : HDR_LEN;
	memset(&h, 0, sizeof(h));
	ret = read_at(ii, PACK_HEADER_OFFSET, &h, (size_t)have, err, errlen);
	if (ret || (memcmp(h.magic, PACK_MAGIC, 8) && memcmp(h.magic, PACK_MAGIC_V0, 8)))
		return ret;
	b->present = true;
	ret = read_at(ii, 0, s0, PACK_HEADER_OFFSET, err, errlen);
	if (ret)
		return ret;
	b->stage0_current = stage0_current(s0);
	if (!memcmp(h.magic, PACK_MAGIC_V0, 8)) {
		snprintf(b->error, sizeof(b->error), "packed by an older norvm, without "
			 "payload checksums: pack it again");
		return 0;
	}
	if (have < offsetof(struct pack_header, payload)) {
		snprintf(b->error, sizeof(b->error), "the image ends inside the header");
		return 0;
	}
	b->fields = true;
	b->entry = h.entry;
	b->clint = h.clint;
	b->count = h.count;
	if (b->count > PACK_MAX_PAYLOADS) {
		snprintf(b->error, sizeof(b->error), "the header lists %" PRIu64
			 " payloads (at most %d)", b->count, PACK_MAX_PAYLOADS);
		return 0;
	}
	if (have < offsetof(struct pack_header, payload) + b->count * sizeof(struct pack_payload)) {
		snprintf(b->error, sizeof(b->error), "the image ends inside the header");
		return 0;
	}
	return read_payloads(ii, &h, err, errlen);
}

/* ---- text ---- */

/*
 * "0x00001000-0x00001fff", the last byte included; "0x00001000 (empty)";
 * or, for a range that would run past 2^64, "0xffffffffffff0000 +0x20000
 * (past the end of the address space)".
 */
static const char *range_str(uint64_t off, uint64_t size, char *buf, size_t len)
{
	if (!size)
		snprintf(buf, len, "0x%08" PRIx64 " (empty)", off);
	else if (off + (size - 1) < off)
		snprintf(buf, len, "0x%08" PRIx64 " +0x%" PRIx64 " (past the end of the "
			 "address space)", off, size);
	else
		snprintf(buf, len, "0x%08" PRIx64 "-0x%08" PRIx64, off, off + size - 1);
	return buf;
}

/* "blocks 0-7" or "block 8", padded to a column. */
static void print_blocks(FILE *out, const struct range *g)
{
	char s[48], r[80];

	if (g->blocks == 1)
		snprintf(s, sizeof(s), "block %" PRIu64, g->first);
	else
		snprintf(s, sizeof(s), "blocks %" PRIu64 "-%" PRIu64, g->first,
			 g->first + g->blocks - 1);
	fprintf(out, "%-16s  %s", s, range_str(g->offset, g->size, r, sizeof(r)));
}

static void print_geometry(FILE *out, const struct image_info *ii)
{
	const struct cfi_part *p = ii->part;
	char a[32], b[32];

	fprintf(out, "blocks   %" PRIu64 " in %u region%s\n", ii->blocks, ii->nregions,
		ii->nregions == 1 ? "" : "s");
	for (unsigned r = 0; r < ii->nregions; r++) {
		const struct range *g = &ii->region[r];

		fprintf(out, "  ");
		print_blocks(out, g);
		if (ii->tail && r == ii->nregions - 1)
			fprintf(out, "  a partial block of %s (the image is not a whole "
				"number of blocks)\n", size_text(g->size, SIZE_WORDS, a, sizeof(a)));
		else if (p->interleave > 1)
			fprintf(out, "  %" PRIu64 " x %s (%u devices x %s)\n", g->blocks,
				size_text(g->block_size, SIZE_WORDS, a, sizeof(a)), p->interleave,
				size_text(g->block_size / p->interleave, SIZE_WORDS, b, sizeof(b)));
		else
			fprintf(out, "  %" PRIu64 " x %s\n", g->blocks,
				size_text(g->block_size, SIZE_WORDS, a, sizeof(a)));
	}
	fprintf(out, "erased   %" PRIu64 " block%s\n", ii->erased, ii->erased == 1 ? "" : "s");
	fprintf(out, "used     %" PRIu64 " block%s\n", ii->blocks - ii->erased,
		ii->blocks - ii->erased == 1 ? "" : "s");
	for (unsigned i = 0; i < ii->nused; i++) {
		fprintf(out, "  ");
		print_blocks(out, &ii->used[i]);
		fprintf(out, "  %s\n", size_text(ii->used[i].size, SIZE_WORDS, a, sizeof(a)));
	}
}

static void print_payload(FILE *out, unsigned i, const struct payload_info *pl)
{
	char f[80], l[80];

	fprintf(out, "  payload %u  flash %s  size 0x%" PRIx64 " (%" PRIu64 ")  load %s",
		i, range_str(pl->offset, pl->size, f, sizeof(f)), pl->size, pl->size,
		range_str(pl->load, pl->size, l, sizeof(l)));
	if (pl->inside)
		fprintf(out, "  crc32 0x%08" PRIx32 "\n", pl->crc);
	else
		fprintf(out, "  outside the image\n");
}

static void print_boot(FILE *out, const struct image_info *ii)
{
	const struct boot_info *b = &ii->boot;

	if (!b->present) {
		fprintf(out, "boot     no (no norvm boot header at 0x%x)\n", PACK_HEADER_OFFSET);
		return;
	}
	fprintf(out, "boot     norvm flash pack image, header at 0x%x\n", PACK_HEADER_OFFSET);
	fprintf(out, "  stage-0    0x%08x-0x%08x (%s)\n", 0, PACK_HEADER_OFFSET - 1,
		b->stage0_current ? "this norvm's" : "not this norvm's: packed by "
		"another version, or changed");
	if (b->fields) {
		fprintf(out, "  entry      0x%08" PRIx64 "\n", b->entry);
		if (b->clint)
			fprintf(out, "  mode       M-mode firmware: stage-0 wakes the other "
				"harts through the CLINT at 0x%" PRIx64 "\n", b->clint);
		else
			fprintf(out, "  mode       S-mode payload (KVM): no CLINT, the payload "
				"starts the other harts\n");
		fprintf(out, "  payloads   %" PRIu64 "\n", b->count);
	}
	for (unsigned i = 0; i < b->n; i++)
		print_payload(out, i, &b->p[i]);
	if (b->error[0])
		fprintf(out, "  damaged    %s\n", b->error);
}

static void print_text(FILE *out, const struct image_info *ii)
{
	char desc[256], mib[48];

	cfi_part_describe(ii->part, desc, sizeof(desc));
	fprintf(out, "file     %s\n", ii->path);
	fprintf(out, "size     %" PRIu64 " bytes (%s MiB)\n", ii->size,
		mib_str(ii->size, mib, sizeof(mib)));
	fprintf(out, "part     %s\n", desc);
	print_geometry(out, ii);
	print_boot(out, ii);
}

/* ---- JSON ---- */

/* Bytes of the well-formed UTF-8 sequence at s (1-4), or 0 if it is not one. */
static unsigned utf8_len(const unsigned char *s)
{
	unsigned n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 :
		     s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
	uint32_t cp;

	if (!n)
		return 0;
	for (unsigned i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	cp = n == 2 ? (s[0] & 0x1fu) << 6 | (s[1] & 0x3fu) :
	     n == 3 ? (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu) :
		      (s[0] & 0x07u) << 18 | (s[1] & 0x3fu) << 12 | (s[2] & 0x3fu) << 6 |
		      (s[3] & 0x3fu);
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;	/* overlong, a surrogate, past Unicode */
	return n;
}

/* A JSON string: a byte that is not UTF-8 (a file name may hold any) is
 * written as U+FFFD, so the output stays valid JSON. */
static void json_str(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', out);
	while (*s) {
		unsigned char c = *s;
		unsigned n;

		if (c == '"' || c == '\\') {
			fprintf(out, "\\%c", c);
			s++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			s++;
		} else if (c < 0x80) {
			fputc(c, out);
			s++;
		} else if ((n = utf8_len(s))) {
			fwrite(s, 1, n, out);
			s += n;
		} else {
			fputs("\\ufffd", out);
			s++;
		}
	}
	fputc('"', out);
}

static void json_range(FILE *out, const struct range *g, bool region)
{
	fprintf(out, "{\"first\":%" PRIu64 ",\"blocks\":%" PRIu64 ",\"offset\":%" PRIu64
		",\"size\":%" PRIu64, g->first, g->blocks, g->offset, g->size);
	if (region)
		fprintf(out, ",\"block_size\":%" PRIu64, g->block_size);
	fputc('}', out);
}

static void json_boot(FILE *out, const struct boot_info *b)
{
	if (!b->present) {
		fprintf(out, "null");
		return;
	}
	fprintf(out, "{\"header\":%d,\"stage0\":{\"offset\":0,\"size\":%d,\"current\":%s},",
		PACK_HEADER_OFFSET, PACK_HEADER_OFFSET, b->stage0_current ? "true" : "false");
	if (b->fields)
		fprintf(out, "\"entry\":%" PRIu64 ",\"mode\":\"%s\",\"clint\":%" PRIu64
			",\"count\":%" PRIu64 ",", b->entry, b->clint ? "M" : "S", b->clint,
			b->count);
	else
		fprintf(out, "\"entry\":null,\"mode\":null,\"clint\":null,\"count\":null,");
	fprintf(out, "\"payloads\":[");
	for (unsigned i = 0; i < b->n; i++) {
		const struct payload_info *pl = &b->p[i];

		fprintf(out, "%s{\"offset\":%" PRIu64 ",\"size\":%" PRIu64 ",\"load\":%"
			PRIu64 ",\"crc32\":", i ? "," : "", pl->offset, pl->size, pl->load);
		if (pl->inside)
			fprintf(out, "\"0x%08" PRIx32 "\"}", pl->crc);
		else
			fprintf(out, "null}");
	}
	fprintf(out, "],\"error\":");
	if (b->error[0])
		json_str(out, b->error);
	else
		fprintf(out, "null");
	fputc('}', out);
}

static void print_json(FILE *out, const struct image_info *ii)
{
	char mib[48];

	fprintf(out, "{\"file\":");
	json_str(out, ii->path);
	fprintf(out, ",\"size\":%" PRIu64 ",\"mib\":%s,\"part\":", ii->size,
		mib_str(ii->size, mib, sizeof(mib)));
	json_str(out, ii->part->name);
	fprintf(out, ",\"interleave\":%u,\"blocks\":%" PRIu64 ",\"tail\":%" PRIu64
		",\"regions\":[", ii->part->interleave, ii->blocks, ii->tail);
	for (unsigned r = 0; r < ii->nregions; r++) {
		fputs(r ? "," : "", out);
		json_range(out, &ii->region[r], true);
	}
	fprintf(out, "],\"erased\":%" PRIu64 ",\"used\":%" PRIu64 ",\"used_ranges\":[",
		ii->erased, ii->blocks - ii->erased);
	for (unsigned i = 0; i < ii->nused; i++) {
		fputs(i ? "," : "", out);
		json_range(out, &ii->used[i], false);
	}
	fprintf(out, "],\"boot\":");
	json_boot(out, &ii->boot);
	fprintf(out, "}\n");
}

int flash_info(const char *path, const struct cfi_part *part, bool json,
	       FILE *out, char *err, size_t errlen)
{
	struct image_info ii = { .path = path, .fd = -1, .part = part };
	int ret;

	ii.buf = malloc(CHUNK);
	if (!ii.buf) {
		snprintf(err, errlen, "flash info: out of memory");
		return -ENOMEM;
	}
	ret = open_image(&ii, err, errlen);
	if (!ret)
		ret = lay_out(&ii, err, errlen);
	if (!ret)
		ret = scan_blocks(&ii, err, errlen);
	if (!ret)
		ret = read_boot(&ii, err, errlen);
	if (!ret) {
		(json ? print_json : print_text)(out, &ii);
		if (ii.boot.error[0]) {
			snprintf(err, errlen, "%s: damaged boot header: %s", path,
				 ii.boot.error);
			ret = -EINVAL;
		}
	}
	if (ii.fd >= 0)
		close(ii.fd);
	free(ii.used);
	free(ii.buf);
	return ret;
}
