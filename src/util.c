#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* The number at the start of s, its end in *end; -EINVAL if none. */
static int number(const char *s, uint64_t *out, const char **end)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *p = hex ? s + 2 : s;
	uint64_t v = 0;
	unsigned base = hex ? 16 : 10, d;

	if (!isxdigit((unsigned char)*p) || (!hex && !isdigit((unsigned char)*p)))
		return -EINVAL;
	for (; *p; p++) {
		if (isdigit((unsigned char)*p))
			d = (unsigned)(*p - '0');
		else if (hex && isxdigit((unsigned char)*p))
			d = (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*out = v;
	*end = p;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	const char *end;

	if (!s || number(s, out, &end) || *end)
		return -EINVAL;
	return 0;
}

int parse_size(const char *s, uint64_t bare, uint64_t *out)
{
	static const char suffixes[] = "BKMGT";
	const char *end, *at;
	uint64_t v, unit = bare;

	if (!s || number(s, &v, &end))
		return -EINVAL;
	if (*end) {
		at = strchr(suffixes, toupper((unsigned char)*end));
		if (!at)
			return -EINVAL;
		unit = UINT64_C(1) << (10 * (at - suffixes));
		end++;
		if (unit > 1 && (*end == 'i' || *end == 'I'))
			end++;
		if (unit > 1 && (*end == 'b' || *end == 'B'))
			end++;
		if (*end)
			return -EINVAL;
	}
	if (unit && v > UINT64_MAX / unit)
		return -EINVAL;
	*out = v * unit;
	return 0;
}

uint32_t crc32_ieee(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (unsigned k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

void say_once(atomic_bool *said, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (atomic_exchange(said, true))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "norvm: %s\n", line);
}

const char *size_text(uint64_t v, enum size_style style, char *buf, size_t len)
{
	bool words = style == SIZE_WORDS;

	if (v && !(v % (1u << 20)))
		snprintf(buf, len, "%" PRIu64 "%s", v >> 20, words ? " MiB" : "M");
	else if (v && !(v % 1024))
		snprintf(buf, len, "%" PRIu64 "%s", v >> 10, words ? " KiB" : "K");
	else if (words)
		snprintf(buf, len, "%" PRIu64 " byte%s", v, v == 1 ? "" : "s");
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}
