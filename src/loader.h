/* Loading guest images (raw binaries and ELF64 RISC-V files) into RAM. */
#ifndef NORVM_LOADER_H
#define NORVM_LOADER_H

#include <stddef.h>
#include <stdint.h>

struct vm;

struct loaded_image {
	uint64_t entry;		/* ELF entry, or the load address of a raw file */
	uint64_t start, end;	/* guest range written */
};

/*
 * Load `path` into guest RAM: an ELF file by its program headers, any other
 * file as a raw binary at `raw_addr`; `role` names the option that gave it
 * (files.h).  Returns 0, or a negative errno with a
 * one-line message in `err`.
 */
int load_image(struct vm *vm, const char *path, const char *role,
	       uint64_t raw_addr, struct loaded_image *out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * Read a whole file into a new buffer (for callers that place it
 * themselves); `role` names the option that gave it (files.h).
 */
int read_file(const char *path, const char *role, uint8_t **buf, size_t *len,
	      size_t max, char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
