/*
 * Flash parts: presets of real devices (IDs, erase regions, write buffer,
 * datasheet times), the default bank, and the --flash options that
 * describe a device or change a preset.
 *
 * Times are the data sheets' typical figures (the timing model runs
 * operations for exactly these) and maxima; the CFI table gives both as
 * powers of two, rounded up, as the parts' own tables do.  Where this
 * model does less than the part (no program suspend, no program during
 * erase suspend, no Secured Silicon region), the primary table says what
 * the model does, not what the part does.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hw/cfi_cmdset.h"
#include "util.h"

#define K	1024u
#define MS	1000u		/* microseconds per millisecond */
#define S	1000000u	/* microseconds per second */

static const struct cfi_part parts[] = {
	{
		/* What norvm has always been: two x16 Intel devices on a 32-bit
		 * bus, 128 KiB blocks per device, sized by the image. */
		.name = "virt", .vendor = "norvm",
		.cmdset = 0x0001, .mfr = 0x89, .id = { 0x0018 },
		.device_width = 2, .interleave = 2, .interface = 0x01,
		.nregions = 1, .region = { { 0, 128 * K } },
		.buffer = 256,
		.typ = { 64, 512, 1024 * MS, 0 }, .max = { 256, 2048, 4096 * MS, 0 },
		.vcc_min = 0x27, .vcc_max = 0x36, .pri_minor = 0, .lockable = true,
		.note = "the QEMU virt board's bank (Intel 28F128J3 IDs), sized by its image",
	},
	{
		/* Intel 28F320B3 (Smart 3 Advanced Boot Block, 290580): IDs and
		 * geometry as Linux's jedec_probe.c lists them; no write buffer,
		 * no block locking (WP# guards the boot blocks). */
		.name = "28F320B3B", .vendor = "Intel",
		.cmdset = 0x0003, .mfr = 0x89, .id = { 0x8897 },
		.device_width = 2, .interleave = 1, .interface = 0x01,
		.nregions = 2, .region = { { 8, 8 * K }, { 63, 64 * K } },
		.typ = { 22, 0, 1 * S, 0 }, .max = { 200, 0, 5 * S, 0 },
		.vcc_min = 0x27, .vcc_max = 0x36, .pri_minor = 0,
		.note = "Intel 28F320B3 data sheet (290580); IDs from Linux jedec_probe.c",
	},
	{
		.name = "28F320B3T", .vendor = "Intel",
		.cmdset = 0x0003, .mfr = 0x89, .id = { 0x8896 },
		.device_width = 2, .interleave = 1, .interface = 0x01,
		.nregions = 2, .region = { { 63, 64 * K }, { 8, 8 * K } },
		.typ = { 22, 0, 1 * S, 0 }, .max = { 200, 0, 5 * S, 0 },
		.vcc_min = 0x27, .vcc_max = 0x36, .pri_minor = 0,
		.note = "Intel 28F320B3 data sheet (290580); IDs from Linux jedec_probe.c",
	},
	{
		/* Spansion S29GL256P (S29GL-P data sheet): 256 uniform 128 KiB
		 * sectors, 32-word write buffer, three-word device ID. */
		.name = "S29GL256P", .vendor = "Spansion",
		.cmdset = 0x0002, .mfr = 0x01, .id = { 0x227e, 0x2222, 0x2201 },
		.device_width = 2, .interleave = 1, .interface = 0x02,
		.nregions = 1, .region = { { 256, 128 * K } },
		.buffer = 64,
		.typ = { 60, 480, 500 * MS, 128 * S },
		.max = { 512, 16384, 4096 * MS, 1048576 * MS },
		.vcc_min = 0x27, .vcc_max = 0x36, .pri_minor = 3,
		.note = "Spansion S29GL-P data sheet (S29GL-P_00)",
	},
	{
		/* AMD Am29LV320D (publication 23579): bottom and top boot,
		 * 8 x 8 KiB boot sectors and 63 x 64 KiB, no write buffer
		 * (unlock bypass is its fast path). */
		.name = "Am29LV320DB", .vendor = "AMD/Spansion",
		.cmdset = 0x0002, .mfr = 0x01, .id = { 0x22f9 },
		.device_width = 2, .interleave = 1, .interface = 0x02,
		.nregions = 2, .region = { { 8, 8 * K }, { 63, 64 * K } },
		.typ = { 7, 0, 700 * MS, 45 * S }, .max = { 210, 0, 15 * S, 180 * S },
		.vcc_min = 0x27, .vcc_max = 0x36, .pri_minor = 1,
		.note = "AMD Am29LV320D data sheet (23579)",
	},
	{
		.name = "Am29LV320DT", .vendor = "AMD/Spansion",
		.cmdset = 0x0002, .mfr = 0x01, .id = { 0x22f6 },
		.device_width = 2, .interleave = 1, .interface = 0x02,
		.nregions = 2, .region = { { 63, 64 * K }, { 8, 8 * K } },
		.typ = { 7, 0, 700 * MS, 45 * S }, .max = { 210, 0, 15 * S, 180 * S },
		.vcc_min = 0x27, .vcc_max = 0x36, .pri_minor = 1,
		.note = "AMD Am29LV320D data sheet (23579)",
	},
};

#define NPARTS	(sizeof(parts) / sizeof(parts[0]))

const struct cfi_part *cfi_part_find(const char *name)
{
	for (unsigned i = 0; i < NPARTS; i++)
		if (!strcasecmp(parts[i].name, name))
			return &parts[i];
	return NULL;
}

const struct cfi_part *cfi_part_default(void)
{
	return &parts[0];
}

const struct cfi_part *cfi_part_at(unsigned i)
{
	return i < NPARTS ? &parts[i] : NULL;
}

uint64_t cfi_part_block_size(const struct cfi_part *p, unsigned r)
{
	return (uint64_t)p->region[r].size * p->interleave;
}

uint64_t cfi_part_region_blocks(const struct cfi_part *p, unsigned r, uint64_t image)
{
	return p->region[r].blocks ? p->region[r].blocks : image / cfi_part_block_size(p, r);
}

uint64_t cfi_part_size(const struct cfi_part *p)
{
	uint64_t size = 0;

	for (unsigned r = 0; r < p->nregions; r++) {
		if (!p->region[r].blocks)
			return 0;
		size += (uint64_t)p->region[r].blocks * p->region[r].size;
	}
	return size * p->interleave;
}

static bool pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* regions=8x8K+63x64K, lowest address first; a lone size fills the image. */
static int parse_regions(struct cfi_part *p, const char *v, char *err, size_t errlen)
{
	char buf[128], *rest = buf, *one;
	unsigned n = 0;

	if (strlen(v) >= sizeof(buf))
		goto bad;
	strcpy(buf, v);
	while ((one = strsep(&rest, "+"))) {
		char *x = strchr(one, 'x');
		uint64_t count = 0, size;

		if (n == CFI_MAX_REGIONS) {
			snprintf(err, errlen, "regions=%s: at most %d erase regions", v,
				 CFI_MAX_REGIONS);
			return -EINVAL;
		}
		if (x) {
			*x = 0;
			if (parse_u64(one, &count) || !count || count > 65536)
				goto bad;
			one = x + 1;
		} else if (rest || n) {
			goto bad;	/* only a lone region may omit its count */
		}
		if (parse_size(one, 1, &size) || size < 256 || size % 256 || size > (16u << 20))
			goto bad;
		p->region[n].blocks = (uint32_t)count;
		p->region[n++].size = (uint32_t)size;
	}
	p->nregions = n;
	return 0;
bad:
	snprintf(err, errlen, "regions=%s: expected erase regions of one device, lowest "
		 "address first, as COUNTxSIZE joined by + (e.g. 8x8K+63x64K; a lone "
		 "SIZE fills the image; sizes are multiples of 256 bytes)", v);
	return -EINVAL;
}

/* Start a description of our own from `p`, named after it. */
static void customise(struct cfi_part *p)
{
	char name[sizeof(p->name) + 8];

	if (!strncmp(p->name, "custom", 6))
		return;
	snprintf(name, sizeof(name), "custom:%s", p->name);
	memcpy(p->name, name, sizeof(p->name) - 1);
	p->name[sizeof(p->name) - 1] = 0;
	p->note = "described on the command line";
}

static int set_part(struct cfi_part *p, const char *key, const char *value,
		    char *err, size_t errlen)
{
	const struct cfi_part *q = cfi_part_find(value);

	if (!q) {
		snprintf(err, errlen, "%s=%s: unknown part (norvm flash parts lists "
			 "them)", key, value);
		return -EINVAL;
	}
	*p = *q;
	return 0;
}

static int set_cmdset(struct cfi_part *p, const char *key, const char *value,
		      char *err, size_t errlen)
{
	const struct cfi_cmdset *set = cfi_cmdset_named(value);
	char names[64] = "";

	if (!set) {
		for (unsigned i = 0; cfi_cmdset_at(i); i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names),
				 "%s%s", i ? ", " : "", cfi_cmdset_at(i)->name);
		snprintf(err, errlen, "cmdset=%s: unknown command set (%s)", value, names);
		return -EINVAL;
	}
	if (set != cfi_cmdset_for(p->cmdset)) {
		customise(p);
		p->cmdset = set->ids[0];
		p->mfr = set->part.mfr;
		memcpy(p->id, set->part.id, sizeof(p->id));
		p->pri_minor = set->part.pri_minor;
		p->lockable = set->part.lockable;
	}
	return 0;
}

static int set_width(struct cfi_part *p, const char *key, const char *value,
		     char *err, size_t errlen)
{
	if (!strcasecmp(value, "x8") || !strcmp(value, "8"))
		p->device_width = 1, p->interface = 0x00;
	else if (!strcasecmp(value, "x16") || !strcmp(value, "16"))
		p->device_width = 2, p->interface = 0x01;
	else if (!strcasecmp(value, "x32") || !strcmp(value, "32"))
		p->device_width = 4, p->interface = 0x03;
	else {
		snprintf(err, errlen, "width=%s: a device is x8, x16 or x32", value);
		return -EINVAL;
	}
	return 0;
}

static int set_interleave(struct cfi_part *p, const char *key, const char *value,
			  char *err, size_t errlen)
{
	uint64_t v;

	if (parse_u64(value, &v) || !pow2(v) || v > 8) {
		snprintf(err, errlen, "interleave=%s: devices side by side: 1, 2, 4 "
			 "or 8", value);
		return -EINVAL;
	}
	p->interleave = (unsigned)v;
	return 0;
}

static int set_regions(struct cfi_part *p, const char *key, const char *value,
		       char *err, size_t errlen)
{
	return parse_regions(p, value, err, errlen);
}

static int set_buffer(struct cfi_part *p, const char *key, const char *value,
		      char *err, size_t errlen)
{
	uint64_t v;

	if (parse_size(value, 1, &v) || (v && (!pow2(v) || v > 2048))) {
		snprintf(err, errlen, "buffer=%s: write buffer bytes per device: 0 "
			 "(none) or a power of two up to 2048", value);
		return -EINVAL;
	}
	p->buffer = (uint32_t)v;
	if (v && !p->typ[CFI_T_BUFFER])
		p->typ[CFI_T_BUFFER] = 8 * p->typ[CFI_T_WORD];
	return 0;
}

static int set_mfr(struct cfi_part *p, const char *key, const char *value,
		   char *err, size_t errlen)
{
	uint64_t v;

	if (parse_u64(value, &v) || v > 0xff) {
		snprintf(err, errlen, "mfr=%s: a manufacturer ID byte (e.g. 0x01)",
			 value);
		return -EINVAL;
	}
	p->mfr = (uint16_t)v;
	return 0;
}

static int set_id(struct cfi_part *p, const char *key, const char *value,
		  char *err, size_t errlen)
{
	char buf[64], *rest = buf, *one;
	unsigned n = 0;
	uint64_t v;

	memset(p->id, 0, sizeof(p->id));
	snprintf(buf, sizeof(buf), "%s", value);
	while ((one = strsep(&rest, "/"))) {
		if (n == 3 || parse_u64(one, &v) || v > 0xffff) {
			snprintf(err, errlen, "id=%s: one device ID word, or three "
				 "joined by / (e.g. 0x227e/0x2222/0x2201)", value);
			return -EINVAL;
		}
		p->id[n++] = (uint16_t)v;
	}
	return 0;
}

/* The part options, in the order messages list them. */
static const struct part_option {
	const char *key;
	const char *alias;	/* another name for it, or NULL */
	int (*set)(struct cfi_part *p, const char *key, const char *value,
		   char *err, size_t errlen);
	bool customises;	/* the part becomes one of our own */
} part_options[] = {
	{ "part", "chip", set_part, false },
	{ "cmdset", NULL, set_cmdset, false },
	{ "width", NULL, set_width, true },
	{ "interleave", NULL, set_interleave, true },
	{ "regions", NULL, set_regions, true },
	{ "buffer", NULL, set_buffer, true },
	{ "mfr", NULL, set_mfr, true },
	{ "id", NULL, set_id, true },
};

#define PART_OPTIONS	(sizeof(part_options) / sizeof(part_options[0]))

int cfi_part_option(struct cfi_part *p, const char *key, const char *value,
		    char *err, size_t errlen)
{
	for (size_t i = 0; i < PART_OPTIONS; i++) {
		const struct part_option *o = &part_options[i];

		if (strcmp(key, o->key) && (!o->alias || strcmp(key, o->alias)))
			continue;
		if (o->customises)
			customise(p);
		return o->set(p, key, value, err, errlen);
	}
	snprintf(err, errlen, "unknown option '%s'", key);
	return -ENOENT;
}

void cfi_part_option_names(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < PART_OPTIONS && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s=", i ? ", " : "",
				      part_options[i].key);
}

int cfi_part_check(const struct cfi_part *p, char *err, size_t errlen)
{
	uint64_t size = cfi_part_size(p);
	unsigned bw = p->device_width * p->interleave;

	if (!cfi_cmdset_for(p->cmdset)) {
		snprintf(err, errlen, "%s: no command set implements primary algorithm "
			 "0x%04x", p->name, p->cmdset);
		return -EINVAL;
	}
	if (bw > 8) {
		snprintf(err, errlen, "%s: %u x%u devices make a %u-bit bus; at most 64 bits",
			 p->name, p->interleave, 8 * p->device_width, 8 * bw);
		return -EINVAL;
	}
	for (unsigned r = 0; r < p->nregions; r++)
		if (p->region[r].size < p->device_width * 64u) {
			snprintf(err, errlen, "%s: %u-byte erase blocks are too small for a "
				 "x%u device", p->name, p->region[r].size,
				 8 * p->device_width);
			return -EINVAL;
		}
	if (!p->nregions || (!p->region[0].blocks && p->nregions > 1)) {
		snprintf(err, errlen, "%s: only a lone erase region may be sized by the "
			 "image", p->name);
		return -EINVAL;
	}
	if (p->region[0].blocks && (!pow2(size) || size < 4096)) {
		snprintf(err, errlen, "%s: the erase regions add up to %" PRIu64 " bytes a "
			 "bank; a CFI bank is a power of two of at least 4 KiB", p->name, size);
		return -EINVAL;
	}
	if (p->buffer && p->buffer < p->device_width) {
		snprintf(err, errlen, "%s: a %u-byte write buffer is narrower than the device",
			 p->name, p->buffer);
		return -EINVAL;
	}
	for (unsigned r = 0; p->buffer && r < p->nregions; r++)
		if (p->region[r].size % p->buffer) {
			snprintf(err, errlen, "%s: %u-byte blocks are not a whole number of "
				 "%u-byte write buffers", p->name, p->region[r].size, p->buffer);
			return -EINVAL;
		}
	return 0;
}

/* "8x8K+63x64K" */
static void regions_str(const struct cfi_part *p, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned r = 0; r < p->nregions && n < len; r++) {
		char s[16];

		size_text(p->region[r].size, SIZE_OPTION, s, sizeof(s));
		if (p->region[r].blocks)
			n += (size_t)snprintf(buf + n, len - n, "%s%ux%s", r ? "+" : "",
					      p->region[r].blocks, s);
		else
			n += (size_t)snprintf(buf + n, len - n, "%s (as many as fit)", s);
	}
}

void cfi_part_describe(const struct cfi_part *p, char *buf, size_t len)
{
	char regions[96], size[16], ids[32];

	regions_str(p, regions, sizeof(regions));
	size_text(cfi_part_size(p), SIZE_OPTION, size, sizeof(size));
	if (p->id[1])	/* a three-word device ID */
		snprintf(ids, sizeof(ids), "%02x/%04x/%04x/%04x", p->mfr, p->id[0], p->id[1],
			 p->id[2]);
	else
		snprintf(ids, sizeof(ids), "%02x/%04x", p->mfr, p->id[0]);
	snprintf(buf, len, "%s: %s, %u x%u (%u-bit bus), %s, blocks %s per device, "
		 "buffer %u B, IDs %s", p->name, cfi_cmdset_for(p->cmdset)->title,
		 p->interleave, 8 * p->device_width,
		 8 * p->device_width * p->interleave,
		 cfi_part_size(p) ? size : "size of the image", regions, p->buffer, ids);
}

static void time_str(uint64_t us, char *buf, size_t len)
{
	if (!us)
		snprintf(buf, len, "-");
	else if (us >= S)
		snprintf(buf, len, "%g s", (double)us / S);
	else if (us >= MS)
		snprintf(buf, len, "%g ms", (double)us / MS);
	else
		snprintf(buf, len, "%" PRIu64 " us", us);
}

void cfi_part_list(FILE *out)
{
	fprintf(out, "%-12s %-6s %-9s %-6s %-14s %-6s %-21s %s\n", "part", "cmdset",
		"bank", "size", "erase blocks", "buffer", "IDs (mfr/device)",
		"typical word / buffer / block / chip");
	for (unsigned i = 0; i < NPARTS; i++) {
		const struct cfi_part *p = &parts[i];
		char regions[64], size[16], bank[16], ids[32], t[4][16];

		regions_str(p, regions, sizeof(regions));
		if (!p->region[0].blocks) {
			size_text(cfi_part_block_size(p, 0), SIZE_OPTION, regions,
				  sizeof(regions));
			strcat(regions, " each");
		}
		size_text(cfi_part_size(p), SIZE_OPTION, size, sizeof(size));
		snprintf(bank, sizeof(bank), "%ux x%u", p->interleave, 8 * p->device_width);
		if (p->id[1])
			snprintf(ids, sizeof(ids), "%02x/%04x %04x %04x", p->mfr, p->id[0],
				 p->id[1], p->id[2]);
		else
			snprintf(ids, sizeof(ids), "%02x/%04x", p->mfr, p->id[0]);
		for (unsigned k = 0; k < 4; k++)
			time_str(k == CFI_T_BUFFER && !p->buffer ? 0 : p->typ[k], t[k],
				 sizeof(t[k]));
		fprintf(out, "%-12s %-6s %-9s %-6s %-14s %-6u %-21s %s / %s / %s / %s\n",
			p->name, cfi_cmdset_for(p->cmdset)->name, bank,
			cfi_part_size(p) ? size : "image", regions, p->buffer, ids,
			t[0], t[1], t[2], t[3]);
	}
}
