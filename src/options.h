/*
 * The command line's tables (options.c).
 */
#ifndef NORVM_OPTIONS_H
#define NORVM_OPTIONS_H

#include <stdio.h>

struct option;

/* What getopt_long returns for a run option without a short form. */
enum {
	OPT_FIRMWARE = 256, OPT_KERNEL, OPT_INITRD, OPT_APPEND, OPT_DUMP_DTB,
	OPT_STATS, OPT_STATS_JSON, OPT_HELP, OPT_FLASH, OPT_FLASH_MAP, OPT_BOOT,
	OPT_GDB, OPT_GDB_WAIT, OPT_ACCEL, OPT_STATS_INTERVAL, OPT_JIT, OPT_CLOCK,
	OPT_UEFI, OPT_UEFI_CODE, OPT_DRIVE, OPT_MACHINE, OPT_TRACE,
};

/* norvm --help. */
void print_usage(FILE *f);
/* getopt_long's table of the run options. */
const struct option *run_getopt(void);

#endif
