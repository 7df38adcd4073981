#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "trace.h"

unsigned trace_kinds;
static struct timespec start;

int trace_parse(const char *list, char *err, size_t errlen)
{
	static const struct { const char *name; unsigned kind; } kinds[] = {
		{ "mmio", TRACE_MMIO }, { "flash", TRACE_FLASH }, { "map", TRACE_MAP },
		{ "all", TRACE_MMIO | TRACE_FLASH | TRACE_MAP },
	};
	unsigned mask = 0;
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned i;

		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (strlen(kinds[i].name) == n && !strncmp(p, kinds[i].name, n))
				break;
		if (i == sizeof(kinds) / sizeof(kinds[0])) {
			snprintf(err, errlen, "--trace %s: unknown kind '%.*s' (mmio, flash, "
				 "map or all, joined by commas)", list, (int)n, p);
			return -EINVAL;
		}
		mask |= kinds[i].kind;
		p += n + (p[n] == ',');
	}
	if (!mask) {
		snprintf(err, errlen, "--trace: no kind given (mmio, flash, map or all)");
		return -EINVAL;
	}
	trace_kinds = mask;
	clock_gettime(CLOCK_MONOTONIC, &start);
	return 0;
}

void trace(const char *fmt, ...)
{
	struct timespec now;
	char line[256];
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &now);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line: lines of several harts do not interleave. */
	fprintf(stderr, "trace: %.6f %s\n", (double)(now.tv_sec - start.tv_sec) +
		(double)(now.tv_nsec - start.tv_nsec) / 1e9, line);
}
