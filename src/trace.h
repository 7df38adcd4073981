/*
 * Tracing: one line on stderr per event of the kinds asked for with
 * --trace LIST or NORVM_TRACE=LIST (comma-separated; "all"):
 *   mmio   every access a device answers: device, kind, offset, size, value
 *   flash  every write cycle a flash bank takes, and the mode it leaves
 *          the bank in (array, status, id, query)
 *   map    a flash bank's array mapped into the guest or taken out
 * Each line starts with "trace: " and the seconds since the VM started.
 */
#ifndef NORVM_TRACE_H
#define NORVM_TRACE_H

#include <stdbool.h>
#include <stddef.h>

enum { TRACE_MMIO = 1, TRACE_FLASH = 2, TRACE_MAP = 4 };

extern unsigned trace_kinds;

/* Parse LIST into trace_kinds: 0, or -EINVAL with a message in err. */
int trace_parse(const char *list, char *err, size_t errlen);

static inline bool tracing(unsigned kind)
{
	return __builtin_expect(trace_kinds & kind, 0);
}

void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
