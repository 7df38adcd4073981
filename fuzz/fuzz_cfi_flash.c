/*
 * libFuzzer target: random sequences of MMIO accesses to the CFI flash, in
 * every geometry, writable and read-only.  After each write the image may
 * only have changed as NOR flash can: bits cleared (program) or one whole
 * erase block set to 0xFF (erase); a read-only image never changes.
 * ASan and UBSan catch accesses outside the image.
 *
 * Input: byte 0 picks the geometry and read-only; then 8-byte records:
 *   [0] bit 0 write, bits 1-2 log2(len), bit 3 replicate byte [1] on lanes
 *   [1] value byte   [2..3] value high bytes   [4..7] offset
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tests/unit/fakevm.h"
#include "hw/cfi_flash.h"

#define BLOCK	256u	/* per device: small, so whole-image checks are cheap */
#define BLOCKS	4u

static const struct { unsigned bw, dw; } geo[] = {
	{ 1, 1 }, { 2, 1 }, { 2, 2 }, { 4, 1 }, { 4, 2 }, { 4, 4 },
	{ 8, 2 }, { 8, 4 },
};

static struct vm vm;

static void check_change(const uint8_t *old, const uint8_t *now, uint64_t size,
			 uint64_t block, bool readonly)
{
	uint64_t first = size, last = 0;
	bool erased = true;

	for (uint64_t i = 0; i < size; i++) {
		if (old[i] == now[i])
			continue;
		if (readonly)
			abort();		/* a read-only image changed */
		first = i < first ? i : first;
		last = i;
		if (now[i] != 0xff)
			erased = false;
		if (now[i] & ~old[i] && now[i] != 0xff)
			abort();		/* a program set bits */
	}
	if (first == size)
		return;
	/* Bits set: only an erase, of exactly one block, may do that. */
	for (uint64_t i = first; i <= last; i++)
		if ((now[i] & ~old[i]) && (!erased || first / block != last / block))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char path[] = "/tmp/norvm-fuzz-XXXXXX", err[256];
	struct cfi_flash_config c;
	struct cfi_flash *f;
	const struct fake_slot *s;
	uint64_t size, block;
	uint8_t *shadow, *img;
	unsigned bw, dw;
	bool ro;
	int fd;

	if (n < 1)
		return 0;
	bw = geo[data[0] % 8].bw;
	dw = geo[data[0] % 8].dw;
	ro = data[0] & 0x80;
	block = (uint64_t)BLOCK * (bw / dw);
	size = block * BLOCKS;
	fd = mkstemp(path);
	if (fd < 0)
		return 0;
	img = malloc(size);
	for (uint64_t i = 0; i < size; i++)
		img[i] = (uint8_t)(i * 37 + 11);
	if (write(fd, img, size) != (ssize_t)size)
		abort();
	close(fd);
	fake_vm_init(&vm, 1);
	c = (struct cfi_flash_config){ .base = 0x20000000, .window = 1 << 20,
		.path = path, .readonly = ro, .map = true, .bank_width = bw,
		.device_width = dw, .block_size = BLOCK, .slot = 2 };
	f = cfi_flash_create(&vm, &c, err, sizeof(err));
	if (!f)
		abort();
	shadow = malloc(size);
	for (size_t p = 1; p + 8 <= n; p += 8) {
		const uint8_t *r = data + p;
		unsigned len = 1u << ((r[0] >> 1) & 3);
		uint64_t off = (r[4] | r[5] << 8 | (uint64_t)r[6] << 16) % size;
		uint64_t val = r[1] | (uint64_t)r[2] << 8 | (uint64_t)r[3] << 16;

		if (off + len > size)
			off = size - len;
		if (r[0] & 8) {
			val = 0;
			for (unsigned l = 0; l < bw / dw; l++)
				val |= (uint64_t)r[1] << (8 * dw * l);
		}
		if (!(r[0] & 1)) {
			(void)cfi_flash_read(f, off, len);
			continue;
		}
		cfi_flash_write(f, off, len, val);
		/* Mapped exactly when the array is what a read returns. */
		s = fake_slot_at(c.base);
		if (!!s != (cfi_flash_mode(f) == CFI_MODE_ARRAY &&
			    cfi_flash_mapped(f)))
			abort();
		if (s && (s->size != size || !(s->flags & MEM_FLAG_READONLY)))
			abort();
		/* The file is the image: MAP_SHARED, no copies. */
		fd = open(path, O_RDONLY);
		if (fd < 0 || pread(fd, shadow, size, 0) != (ssize_t)size)
			abort();
		close(fd);
		check_change(img, shadow, size, block, ro);
		memcpy(img, shadow, size);
	}
	free(shadow);
	cfi_flash_destroy(f);
	unlink(path);
	free(img);
	return 0;
}
