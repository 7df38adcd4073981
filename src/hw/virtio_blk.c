/* virtio-blk on a raw image (virtio_blk.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "hw/virtio_blk.h"

#define SECTOR		512u

/* Features (5.2.3). */
#define BLK_F_SEG_MAX	2
#define BLK_F_RO	5
#define BLK_F_BLK_SIZE	6
#define BLK_F_FLUSH	9

/* Request types and status (5.2.6). */
enum { T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8 };
enum { ST_OK = 0, ST_IOERR = 1, ST_UNSUPP = 2 };

#define ID_BYTES	20

struct virtio_blk {
	int fd;
	bool readonly;
	uint64_t sectors;
	char id[ID_BYTES];
	char path[];
};

/* Configuration (5.2.4): capacity, size_max, seg_max, geometry, blk_size. */
static uint64_t config_read(void *opaque, unsigned off, unsigned len)
{
	struct virtio_blk *b = opaque;
	uint8_t cfg[24] = { 0 };
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		cfg[i] = (uint8_t)(b->sectors >> (8 * i));
	cfg[12] = VIRTIO_QUEUE_MAX - 2;			/* seg_max: a chain less */
	cfg[13] = (VIRTIO_QUEUE_MAX - 2) >> 8;		/* its header and status */
	cfg[20] = SECTOR & 0xff;			/* blk_size */
	cfg[21] = SECTOR >> 8;
	for (unsigned i = 0; i < len && off + i < sizeof(cfg); i++)
		v |= (uint64_t)cfg[off + i] << (8 * i);
	return v;
}

/* The data segments of a chain: after the header, before the status byte. */
static unsigned data_iov(const struct virtio_chain *c, bool to_guest, struct iovec *iov,
			 size_t *len)
{
	unsigned n = 0;

	*len = 0;
	if (to_guest) {
		/* writable: the data, then the status byte at the very end */
		for (unsigned i = 0; i < c->nwrite; i++)
			iov[n++] = c->write[i];
		if (n && iov[n - 1].iov_len) {
			iov[n - 1].iov_len--;
			if (!iov[n - 1].iov_len)
				n--;
		}
	} else {
		/* readable: the 16-byte header, then the data */
		size_t skip = 16;

		for (unsigned i = 0; i < c->nread; i++) {
			struct iovec v = c->read[i];

			if (skip >= v.iov_len) {
				skip -= v.iov_len;
				continue;
			}
			v.iov_base = (uint8_t *)v.iov_base + skip;
			v.iov_len -= skip;
			skip = 0;
			iov[n++] = v;
		}
	}
	for (unsigned i = 0; i < n; i++)
		*len += iov[i].iov_len;
	return n;
}

/* preadv/pwritev until done: the bytes moved, or -errno. */
static ssize_t io_all(int fd, bool write, struct iovec *iov, unsigned n, off_t off)
{
	ssize_t total = 0;

	while (n) {
		ssize_t r = write ? pwritev(fd, iov, (int)n, off) : preadv(fd, iov, (int)n, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : total;
		total += r;
		off += r;
		while (n && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return total;
}

/* One request: its status, and the bytes it wrote into the chain. */
static uint8_t request(struct virtio_blk *b, const struct virtio_chain *c,
		       uint32_t *written)
{
	uint8_t hdr[16];
	struct iovec iov[VIRTIO_CHAIN_MAX];
	uint32_t type;
	uint64_t sector;
	size_t len;
	unsigned n;
	ssize_t r;

	*written = 0;
	if (virtio_chain_read(c, 0, hdr, sizeof(hdr)) != sizeof(hdr))
		return ST_IOERR;
	type = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
	       (uint32_t)hdr[3] << 24;
	sector = 0;
	for (unsigned i = 0; i < 8; i++)
		sector |= (uint64_t)hdr[8 + i] << (8 * i);
	switch (type) {
	case T_IN:
	case T_OUT:
		if (type == T_OUT && b->readonly)
			return ST_IOERR;
		n = data_iov(c, type == T_IN, iov, &len);
		if (len % SECTOR || sector > b->sectors || len / SECTOR > b->sectors - sector)
			return ST_IOERR;
		r = io_all(b->fd, type == T_OUT, iov, n, (off_t)(sector * SECTOR));
		if (r != (ssize_t)len)
			return ST_IOERR;
		if (type == T_IN)
			*written = (uint32_t)len;
		return ST_OK;
	case T_FLUSH:
		return fdatasync(b->fd) ? ST_IOERR : ST_OK;
	case T_GET_ID:
		*written = (uint32_t)virtio_chain_write(c, 0, b->id,
							c->write_len > ID_BYTES ? ID_BYTES :
							c->write_len - 1);
		return ST_OK;
	default:
		return ST_UNSUPP;
	}
}

static void notify(void *opaque, struct virtio_mmio *t, unsigned q)
{
	struct virtio_blk *b = opaque;
	struct virtio_chain c;
	bool any = false;

	while (virtio_pop(t, q, &c) > 0) {
		uint32_t written = 0;
		uint8_t st = ST_IOERR;

		if (c.write_len)	/* room for the status byte */
			st = request(b, &c, &written);
		if (c.write_len)
			virtio_chain_write(&c, c.write_len - 1, &st, 1);
		virtio_push(t, q, &c, written + (c.write_len ? 1 : 0));
		any = true;
	}
	if (any)
		virtio_interrupt(t, q);
}

static void destroy(void *opaque)
{
	virtio_blk_close(opaque);
}

struct virtio_blk *virtio_blk_open(const char *path, bool readonly,
				   struct virtio_dev *dev, char *err, size_t errlen)
{
	struct virtio_blk *b;
	struct stat st;
	int fd = image_open(path, readonly, "--drive image", err, errlen);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !st.st_size || st.st_size % SECTOR) {
		if (!st.st_size)
			snprintf(err, errlen, "%s: the disk image is empty", path);
		else
			snprintf(err, errlen, "%s: size %" PRIu64 " bytes is not a whole number "
				 "of 512-byte sectors", path, (uint64_t)st.st_size);
		image_close(fd);
		return NULL;
	}
	b = calloc(1, sizeof(*b) + strlen(path) + 1);
	if (!b) {
		snprintf(err, errlen, "%s: out of memory", path);
		image_close(fd);
		return NULL;
	}
	b->fd = fd;
	b->readonly = readonly;
	b->sectors = (uint64_t)st.st_size / SECTOR;
	strcpy(b->path, path);
	snprintf(b->id, sizeof(b->id), "norvm-%" PRIx64, (uint64_t)st.st_ino);
	*dev = (struct virtio_dev){
		.device_id = 2,
		.features = 1ull << BLK_F_SEG_MAX | 1ull << BLK_F_BLK_SIZE |
			    1ull << BLK_F_FLUSH | (readonly ? 1ull << BLK_F_RO : 0),
		.nqueues = 1,
		.config_size = 24,
		.config_read = config_read,
		.notify = notify,
		.destroy = destroy,
		.opaque = b,
	};
	return b;
}

void virtio_blk_close(struct virtio_blk *b)
{
	if (!b)
		return;
	if (!b->readonly)
		fdatasync(b->fd);
	image_close(b->fd);
	free(b);
}
