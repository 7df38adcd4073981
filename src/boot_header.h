/*
 * The header of a bootable flash image (`norvm flash pack`), defined once:
 * pack.c writes it, pack.c and flash_info.c read it, and guest/stage0.S
 * gets its offsets from this file at build time (guest/stage0_layout.c).
 *
 * Image layout: stage-0 at offset 0, this header at PACK_HEADER_OFFSET,
 * the payloads from PACK_PAYLOAD_OFFSET (each 4 KiB aligned), the rest
 * erased.  Every field is little-endian, as every host norvm runs on.
 */
#ifndef NORVM_BOOT_HEADER_H
#define NORVM_BOOT_HEADER_H

#include <stddef.h>
#include <stdint.h>

#define PACK_HEADER_OFFSET	0x200
#define PACK_PAYLOAD_OFFSET	0x1000
#define PACK_MAGIC		"NORVMBT1"
#define PACK_MAGIC_V0		"NORVMBT0"	/* before payload CRCs: refused */
#define PACK_MAX_PAYLOADS	4

struct pack_payload {
	uint64_t offset;	/* in the image */
	uint64_t size;		/* bytes, a multiple of 8 */
	uint64_t addr;		/* load address in RAM */
	uint32_t crc32;		/* CRC-32 (IEEE) of its bytes */
	uint32_t reserved;	/* 0 */
};

struct pack_header {
	char magic[8];		/* PACK_MAGIC */
	uint64_t entry;		/* where every hart starts, after the copy */
	uint64_t clint;		/* CLINT base to wake harts; 0: an S-mode payload */
	uint64_t count;		/* payloads, at most PACK_MAX_PAYLOADS */
	struct pack_payload payload[PACK_MAX_PAYLOADS];
};

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the header is little-endian");
_Static_assert(offsetof(struct pack_header, entry) == 0x08, "header layout");
_Static_assert(offsetof(struct pack_header, clint) == 0x10, "header layout");
_Static_assert(offsetof(struct pack_header, count) == 0x18, "header layout");
_Static_assert(offsetof(struct pack_header, payload) == 0x20, "header layout");
_Static_assert(sizeof(struct pack_payload) == 0x20, "payload descriptor layout");
_Static_assert(PACK_HEADER_OFFSET + sizeof(struct pack_header) <= PACK_PAYLOAD_OFFSET,
	       "the header ends before the payloads");

#endif
