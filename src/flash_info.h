/*
 * `norvm flash info`: what a flash image holds, for a person or (--json)
 * a script: its size, the part's erase blocks and which of them are
 * erased, and for a bootable image (`norvm flash pack`) its header and
 * payloads with their CRC-32s.
 */
#ifndef NORVM_FLASH_INFO_H
#define NORVM_FLASH_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cfi_part;

/*
 * Describe the image at `path` with `part`'s geometry on `out`, as text or
 * as one JSON object.  The image is only read (pread, no lock), so an image
 * a running VM uses can be looked at.  Returns 0; or -errno with one line
 * in `err` and nothing printed for an image that cannot be read or does not
 * fit the part; or -EINVAL with one line in `err` after the whole report
 * for a damaged boot header.
 */
int flash_info(const char *path, const struct cfi_part *part, bool json,
	       FILE *out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
