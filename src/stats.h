/* Exit statistics: a table for people (--stats), JSON for scripts. */
#ifndef NORVM_STATS_H
#define NORVM_STATS_H

#include <stddef.h>
#include <stdio.h>

struct vm;

void stats_print(struct vm *vm, FILE *f, double seconds);
int stats_write_json(struct vm *vm, const char *path, double seconds,
		     char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
