/* `norvm flash pack`: build a bootable flash image around stage-0. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "loader.h"
#include "pack.h"
#include "util.h"
#include "vm.h"

extern const uint8_t stage0_code[], stage0_code_end[];

/* Images are erased in 256 KiB blocks (the default bank geometry). */
#define PACK_BLOCK	(256u << 10)
#define PACK_RAM	(256ull << 20)	/* scratch RAM, as the default -m */

struct payload {
	uint64_t addr, size;
};

static int check_size(const struct pack_config *pc, char *err, size_t errlen)
{
	if (!pc->size || pc->size % PACK_BLOCK || pc->size > VIRT_FLASH_WINDOW ||
	    (pc->size & (pc->size - 1))) {
		snprintf(err, errlen, "flash pack: size %" PRIu64 " bytes: must be a "
			 "power of two, a multiple of 256K and at most 32M", pc->size);
		return -EINVAL;
	}
	return 0;
}

static bool overlaps(const struct payload *a, const struct payload *b)
{
	return a->addr < b->addr + b->size && b->addr < a->addr + a->size;
}

/* Load firmware and kernel into a scratch RAM, as the board would. */
static int load_payloads(const struct pack_config *pc, struct vm *vm,
			 struct payload *p, unsigned *n, uint64_t *entry,
			 char *err, size_t errlen)
{
	const char *paths[2] = { pc->firmware, pc->kernel };
	const uint64_t at[2] = { VIRT_FW_LOAD, VIRT_KERNEL_LOAD };
	struct loaded_image li;
	int ret;

	*n = 0;
	for (unsigned i = 0; i < 2; i++) {
		if (!paths[i])
			continue;	/* a kernel alone: an S-mode payload */
		ret = load_image(vm, paths[i], i ? "--kernel" : "--firmware", at[i], &li,
				 err, errlen);
		if (ret)
			return ret;
		if (*n == 0)
			*entry = li.entry;
		p[*n] = (struct payload){ li.start, (li.end - li.start + 7) & ~7ull };
		if (*n && overlaps(&p[0], &p[*n])) {
			snprintf(err, errlen, "%s overlaps %s in RAM", paths[i], paths[0]);
			return -EINVAL;
		}
		(*n)++;
	}
	return 0;
}

static int build_image(const struct pack_config *pc, const struct vm *vm,
		       const struct payload *p, unsigned n, uint64_t entry,
		       uint8_t *img, char *err, size_t errlen)
{
	uint64_t off = PACK_PAYLOAD_OFFSET;
	struct pack_header h = {
		.entry = entry,
		/* Stage-0 wakes harts through the CLINT; an S-mode payload has none. */
		.clint = pc->firmware ? VIRT_CLINT_BASE : 0,
		.count = n,
	};

	memcpy(h.magic, PACK_MAGIC, sizeof(h.magic));
	memset(img, 0xff, pc->size);
	memcpy(img, stage0_code, (size_t)(stage0_code_end - stage0_code));
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *bytes = vm->ram + (p[i].addr - VIRT_RAM_BASE);

		if (p[i].size > pc->size - off) {
			snprintf(err, errlen, "flash pack: the payloads need more than "
				 "the %" PRIu64 " MiB image", pc->size >> 20);
			return -EFBIG;
		}
		memcpy(img + off, bytes, p[i].size);
		h.payload[i] = (struct pack_payload){
			.offset = off, .size = p[i].size, .addr = p[i].addr,
			.crc32 = crc32_ieee(0, bytes, p[i].size),
		};
		off = (off + p[i].size + 0xfff) & ~0xfffull;
	}
	memcpy(img + PACK_HEADER_OFFSET, &h, sizeof(h));
	return 0;
}

int flash_pack(const struct pack_config *pc, char *err, size_t errlen)
{
	struct payload p[PACK_MAX_PAYLOADS];
	struct vm vm = { .ram_base = VIRT_RAM_BASE, .ram_size = PACK_RAM };
	uint64_t entry = 0;
	uint8_t *img = NULL;
	unsigned n;
	int ret;

	ret = check_size(pc, err, errlen);
	if (!ret)
		ret = output_check(pc->out, "flash pack", err, errlen);
	if (ret)
		return ret;
	vm.ram = mmap(NULL, vm.ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm.ram == MAP_FAILED) {
		snprintf(err, errlen, "flash pack: out of memory");
		return -ENOMEM;
	}
	ret = load_payloads(pc, &vm, p, &n, &entry, err, errlen);
	if (!ret) {
		img = malloc(pc->size);
		if (!img) {
			snprintf(err, errlen, "flash pack: out of memory");
			ret = -ENOMEM;
		}
	}
	if (!ret)
		ret = build_image(pc, &vm, p, n, entry, img, err, errlen);
	/* An image in use by a VM is locked: output_write refuses it. */
	if (!ret)
		ret = output_write(pc->out, "flash pack", img, pc->size, false, err, errlen);
	free(img);
	munmap(vm.ram, vm.ram_size);
	return ret;
}

/* The CRC of `size` bytes of the image from `off`; -errno on a read error. */
static int image_crc(int fd, uint64_t off, uint64_t size, uint32_t *crc)
{
	uint8_t buf[65536];

	*crc = 0;
	while (size) {
		size_t n = size < sizeof(buf) ? (size_t)size : sizeof(buf);
		ssize_t got = pread(fd, buf, n, (off_t)off);

		if (got <= 0)
			return got < 0 ? -errno : -EIO;
		*crc = crc32_ieee(*crc, buf, (size_t)got);
		off += (uint64_t)got;
		size -= (uint64_t)got;
	}
	return 0;
}

static int check_payload(const char *path, int fd, uint64_t image_size, unsigned i,
			 const struct pack_payload *pl, const struct vm *vm,
			 char *err, size_t errlen)
{
	uint64_t ram_end = vm->ram_base + vm->ram_size;
	uint32_t crc;
	int ret;

	if (pl->offset > image_size || pl->size > image_size - pl->offset) {
		snprintf(err, errlen, "--boot flash: %s: payload %u (0x%" PRIx64 " bytes at "
			 "0x%" PRIx64 ") lies beyond the %" PRIu64 " KiB image: pack it "
			 "again with norvm flash pack", path, i, pl->size, pl->offset,
			 image_size >> 10);
		return -EINVAL;
	}
	ret = image_crc(fd, pl->offset, pl->size, &crc);
	if (ret) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-ret));
		return ret;
	}
	if (crc != pl->crc32) {
		snprintf(err, errlen, "--boot flash: %s: payload %u is damaged (CRC-32 "
			 "0x%08" PRIx32 ", the header says 0x%08" PRIx32 "): pack it again "
			 "with norvm flash pack", path, i, crc, pl->crc32);
		return -EINVAL;
	}
	if (pl->addr < vm->ram_base || pl->addr > ram_end || pl->size > ram_end - pl->addr) {
		snprintf(err, errlen, "--boot flash: %s loads 0x%" PRIx64 "-0x%" PRIx64
			 ", outside the %" PRIu64 " MiB of RAM at 0x%" PRIx64 ": give more "
			 "memory with -m", path, pl->addr, pl->addr + pl->size,
			 vm->ram_size >> 20, vm->ram_base);
		return -ENOSPC;
	}
	if (pl->addr < vm->fdt_addr + vm->fdt_size && vm->fdt_addr < pl->addr + pl->size) {
		snprintf(err, errlen, "--boot flash: %s loads 0x%" PRIx64 "-0x%" PRIx64
			 ", over the device tree at the top of %" PRIu64 " MiB of RAM: give "
			 "more memory with -m", path, pl->addr, pl->addr + pl->size,
			 vm->ram_size >> 20);
		return -ENOSPC;
	}
	return 0;
}

int pack_check_boot(const char *path, const struct vm *vm, char *err,
		    size_t errlen)
{
	struct pack_header h;
	uint8_t first[4];
	struct stat st;
	int fd = input_open(path, "--flash", err, errlen), ret = 0;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || pread(fd, first, sizeof(first), 0) != (ssize_t)sizeof(first)) {
		ret = -EIO;
		snprintf(err, errlen, "%s: cannot read its start", path);
	} else if (!memcmp(first, "\xff\xff\xff\xff", 4)) {
		ret = -EINVAL;
		snprintf(err, errlen, "--boot flash: %s is erased at its start: nothing to "
			 "boot (norvm flash pack writes a bootable image)", path);
	} else if (pread(fd, &h, sizeof(h), PACK_HEADER_OFFSET) != (ssize_t)sizeof(h)) {
		/* too short for a header: not norvm's */
	} else if (!memcmp(h.magic, PACK_MAGIC_V0, 8)) {
		ret = -EINVAL;
		snprintf(err, errlen, "--boot flash: %s was packed by an older norvm, "
			 "without payload checksums: pack it again with norvm flash pack",
			 path);
	} else if (!memcmp(h.magic, PACK_MAGIC, 8)) {
		if (h.count > PACK_MAX_PAYLOADS) {
			ret = -EINVAL;
			snprintf(err, errlen, "--boot flash: %s: the boot header lists %" PRIu64
				 " payloads (at most %d): pack it again with norvm flash pack",
				 path, h.count, PACK_MAX_PAYLOADS);
		}
		for (unsigned i = 0; !ret && i < h.count; i++)
			ret = check_payload(path, fd, (uint64_t)st.st_size, i, &h.payload[i],
					    vm, err, errlen);
	}
	/* else: not norvm's; the firmware's own business */
	close(fd);
	return ret;
}
