/* `norvm flash pack`: build a bootable flash image around stage-0. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
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

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

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
	uint8_t *hdr = img + PACK_HEADER_OFFSET;

	memset(img, 0xff, pc->size);
	memcpy(img, stage0_code, (size_t)(stage0_code_end - stage0_code));
	memcpy(hdr, PACK_MAGIC, 8);
	put64(hdr + 0x08, entry);
	/* Stage-0 wakes harts through the CLINT; an S-mode payload has none. */
	put64(hdr + 0x10, pc->firmware ? VIRT_CLINT_BASE : 0);
	put64(hdr + 0x18, n);
	for (unsigned i = 0; i < n; i++) {
		if (p[i].size > pc->size - off) {
			snprintf(err, errlen, "flash pack: the payloads need more than "
				 "the %" PRIu64 " MiB image", pc->size >> 20);
			return -EFBIG;
		}
		memcpy(img + off, vm->ram + (p[i].addr - VIRT_RAM_BASE), p[i].size);
		put64(hdr + 0x20 + 24 * i, off);
		put64(hdr + 0x28 + 24 * i, p[i].size);
		put64(hdr + 0x30 + 24 * i, p[i].addr);
		off = (off + p[i].size + 0xfff) & ~0xfffull;
	}
	return 0;
}

int flash_pack(const struct pack_config *pc, char *err, size_t errlen)
{
	struct payload p[PACK_MAX_PAYLOADS];
	struct vm vm = { .ram_size = PACK_RAM };
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

int pack_check_boot(const char *path, const struct vm *vm, char *err,
		    size_t errlen)
{
	uint8_t hdr[0x20 + 24 * PACK_MAX_PAYLOADS];
	uint64_t ram_end = VIRT_RAM_BASE + vm->ram_size, n;
	int fd = input_open(path, "--flash", err, errlen);
	ssize_t got;

	if (fd < 0)
		return fd;
	got = pread(fd, hdr, sizeof(hdr), PACK_HEADER_OFFSET);
	close(fd);
	if (got != (ssize_t)sizeof(hdr) || memcmp(hdr, PACK_MAGIC, 8))
		return 0;	/* not norvm's: the firmware's own business */
	n = get64(hdr + 0x18);
	if (n > PACK_MAX_PAYLOADS) {
		snprintf(err, errlen, "%s: the boot header lists %" PRIu64 " payloads "
			 "(at most %d): rebuild it with norvm flash pack", path, n,
			 PACK_MAX_PAYLOADS);
		return -EINVAL;
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t size = get64(hdr + 0x28 + 24 * i);
		uint64_t addr = get64(hdr + 0x30 + 24 * i);

		if (addr < VIRT_RAM_BASE || addr > ram_end || size > ram_end - addr) {
			snprintf(err, errlen, "--boot flash: %s loads 0x%" PRIx64 "-0x%"
				 PRIx64 ", outside the %" PRIu64 " MiB of RAM at 0x%" PRIx64
				 ": give more memory with -m", path, addr, addr + size,
				 vm->ram_size >> 20, VIRT_RAM_BASE);
			return -ENOSPC;
		}
		if (addr < vm->fdt_addr + vm->fdt_size && vm->fdt_addr < addr + size) {
			snprintf(err, errlen, "--boot flash: %s loads 0x%" PRIx64 "-0x%"
				 PRIx64 ", over the device tree at the top of %" PRIu64
				 " MiB of RAM: give more memory with -m", path, addr,
				 addr + size, vm->ram_size >> 20);
			return -ENOSPC;
		}
	}
	return 0;
}
