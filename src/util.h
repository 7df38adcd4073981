/* Small helpers shared by the CLI and the board. */
#ifndef NORVM_UTIL_H
#define NORVM_UTIL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Parse a number: decimal, or hexadecimal after 0x (never octal: a
 * leading 0 is decimal's).  No sign, no spaces.  Returns 0 or -EINVAL.
 */
int parse_u64(const char *s, uint64_t *out);

/*
 * Parse a size: a number (as parse_u64) with an optional suffix K, M, G
 * or T (powers of 1024; KiB and KB alike) or B.  A bare number counts
 * `bare` bytes each: 1 everywhere but -m, whose bare number is MiB as in
 * QEMU.  Returns 0 or -EINVAL (also when the size does not fit 64 bits).
 */
int parse_size(const char *s, uint64_t bare, uint64_t *out);

/*
 * CRC-32 of IEEE 802.3 (reflected polynomial 0xEDB88320), as gzip and
 * U-Boot's `crc32` compute it.  Start with 0; pass the result back in to
 * go on over more bytes.
 */
uint32_t crc32_ieee(uint32_t crc, const void *buf, size_t len);

/*
 * A problem worth one line, not one per occurrence: "norvm: " and the
 * message on stderr the first time `said` is found false (it is set, by
 * whichever thread gets there first).
 */
void say_once(atomic_bool *said, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A size exactly, in the largest unit that divides it: as words ("256
 * KiB", "32 MiB", "5 bytes") or as the options take it ("256K", "32M",
 * "5").  Returns buf.
 */
enum size_style { SIZE_WORDS, SIZE_OPTION };
const char *size_text(uint64_t v, enum size_style style, char *buf, size_t len);

/* Little-endian values in byte buffers (guest structures, images). */
static inline uint64_t le_get(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void le_put(uint8_t *p, unsigned bytes, uint64_t v)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#endif
