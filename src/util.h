/* Small helpers shared by the CLI and the board. */
#ifndef NORVM_UTIL_H
#define NORVM_UTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse a size: a number with an optional K, M, G or T suffix (powers of
 * 1024, "B" for plain bytes); a bare number means MiB, as in QEMU's -m.
 * Returns 0 or -EINVAL.
 */
int parse_size(const char *s, uint64_t *out);

/*
 * Write `len` bytes to `path` so that it is either complete or untouched:
 * a temporary file in the same directory, fsync, then rename over `path`.
 */
int write_file_atomic(const char *path, const void *buf, size_t len,
		      char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
