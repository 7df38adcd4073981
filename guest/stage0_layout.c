/*
 * Prints the boot header's layout (src/boot_header.h) as assembler .equ
 * lines for guest/stage0.S, so the two cannot disagree.  Built and run on
 * the build host: the header is little-endian with fixed-width fields, the
 * same on every host and guest.
 */
#include <stddef.h>
#include <stdio.h>

#include "boot_header.h"

#define EQU(name, value) printf("\t.equ %s, 0x%zx\n", name, (size_t)(value))

int main(void)
{
	printf("/* Generated from src/boot_header.h by guest/stage0_layout.c. */\n");
	EQU("HDR", PACK_HEADER_OFFSET);
	EQU("HDR_ENTRY", offsetof(struct pack_header, entry));
	EQU("HDR_CLINT", offsetof(struct pack_header, clint));
	EQU("HDR_COUNT", offsetof(struct pack_header, count));
	EQU("HDR_PAYLOADS", offsetof(struct pack_header, payload));
	EQU("PAYLOAD_SIZE", sizeof(struct pack_payload));
	EQU("PL_OFFSET", offsetof(struct pack_payload, offset));
	EQU("PL_SIZE", offsetof(struct pack_payload, size));
	EQU("PL_ADDR", offsetof(struct pack_payload, addr));
	return 0;
}
