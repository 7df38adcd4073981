/* Raw and ELF64 image loading into guest RAM. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board.h"
#include "files.h"
#include "loader.h"
#include "vm.h"

int read_file(const char *path, const char *role, uint8_t **buf, size_t *len,
	      size_t max, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *p;
	size_t got = 0;
	int fd, ret;

	fd = input_open(path, role, err, errlen);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	if (st.st_size == 0) {
		snprintf(err, errlen, "%s: file is empty", path);
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%s: %" PRIu64 " bytes does not fit in the %zu bytes of guest RAM available for it",
			 path, (uint64_t)st.st_size, max);
		close(fd);
		return -EFBIG;
	}
	p = malloc((size_t)st.st_size);
	if (!p) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, p + got, (size_t)st.st_size - got);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			snprintf(err, errlen, "%s: read failed: %s", path,
				 n < 0 ? strerror(errno) : "file shrank");
			free(p);
			close(fd);
			return ret;
		}
		got += (size_t)n;
	}
	close(fd);
	*buf = p;
	*len = got;
	return 0;
}

/* Does guest range [gpa, gpa+len) lie inside RAM? */
static bool in_ram(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	return gpa >= vm->ram_base && len <= vm->ram_size &&
	       gpa - vm->ram_base <= vm->ram_size - len;
}

static int load_elf(struct vm *vm, const char *path, const uint8_t *buf,
		    size_t len, struct loaded_image *out, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = (const void *)buf;
	bool arm64 = !strcmp(vm->board->arch, "arm64");
	uint64_t lo = UINT64_MAX, hi = 0;

	if (len < sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != (arm64 ? EM_AARCH64 : EM_RISCV)) {
		snprintf(err, errlen, "%s: not a 64-bit little-endian %s ELF file (the %s board's "
			 "guests are %s)", path, arm64 ? "AArch64" : "RISC-V", vm->board->name,
			 vm->board->arch);
		return -ENOEXEC;
	}
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > len ||
	    (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff) {
		snprintf(err, errlen, "%s: bad ELF program header table", path);
		return -ENOEXEC;
	}
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, buf + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (ph.p_filesz > ph.p_memsz) {
			snprintf(err, errlen, "%s: segment %u has 0x%" PRIx64 " bytes in the "
				 "file but 0x%" PRIx64 " in memory: a bad ELF file", path, i,
				 (uint64_t)ph.p_filesz, (uint64_t)ph.p_memsz);
			return -ENOEXEC;
		}
		if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset) {
			snprintf(err, errlen, "%s: segment %u lies outside the file", path, i);
			return -ENOEXEC;
		}
		if (!in_ram(vm, ph.p_paddr, ph.p_memsz)) {
			/* base + size, not an end that may wrap past 2^64 */
			snprintf(err, errlen, "%s: segment %u (0x%" PRIx64 " bytes at 0x%"
				 PRIx64 ") does not fit in the %" PRIu64 " MiB of RAM at 0x%"
				 PRIx64, path, i, (uint64_t)ph.p_memsz, (uint64_t)ph.p_paddr,
				 vm->ram_size >> 20, vm->ram_base);
			return -EFBIG;
		}
		uint8_t *dst = vm->ram + (ph.p_paddr - vm->ram_base);

		memcpy(dst, buf + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		lo = ph.p_paddr < lo ? ph.p_paddr : lo;
		hi = ph.p_paddr + ph.p_memsz > hi ? ph.p_paddr + ph.p_memsz : hi;
	}
	if (lo == UINT64_MAX) {
		snprintf(err, errlen, "%s: ELF file has nothing to load", path);
		return -ENOEXEC;
	}
	if (!in_ram(vm, eh->e_entry, 2)) {
		snprintf(err, errlen, "%s: its entry point 0x%" PRIx64 " is outside the %"
			 PRIu64 " MiB of RAM at 0x%" PRIx64, path, (uint64_t)eh->e_entry,
			 vm->ram_size >> 20, vm->ram_base);
		return -ENOEXEC;
	}
	out->entry = eh->e_entry;
	out->start = lo;
	out->end = hi;
	return 0;
}

int load_image(struct vm *vm, const char *path, const char *role,
	       uint64_t raw_addr, struct loaded_image *out, char *err, size_t errlen)
{
	uint64_t room = in_ram(vm, raw_addr, 0) ?
			vm->ram_size - (raw_addr - vm->ram_base) : 0;
	uint8_t *buf;
	size_t len;
	int ret;

	/* An ELF file may load anywhere in RAM, so allow it all RAM to start. */
	ret = read_file(path, role, &buf, &len, vm->ram_size, err, errlen);
	if (ret)
		return ret;
	if (len >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG)) {
		ret = load_elf(vm, path, buf, len, out, err, errlen);
	} else if (len > room) {
		snprintf(err, errlen, "%s: %zu bytes loaded at 0x%" PRIx64 " does not fit in RAM (%" PRIu64 " MiB from 0x%" PRIx64 ")",
			 path, len, raw_addr, vm->ram_size >> 20, vm->ram_base);
		ret = -EFBIG;
	} else {
		memcpy(vm->ram + (raw_addr - vm->ram_base), buf, len);
		out->entry = raw_addr;
		out->start = raw_addr;
		out->end = raw_addr + len;
	}
	free(buf);
	return ret;
}
