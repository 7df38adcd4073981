/*
 * Between the files of the flash core (cfi_flash.c, cfi_faults.c,
 * cfi_stats.c); command sets see cfi_cmdset.h only.
 */
#ifndef NORVM_HW_CFI_CORE_H
#define NORVM_HW_CFI_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/cfi_cmdset.h"

/* What reads return in each mode, as --stats and --trace name it. */
extern const char *const cfi_mode_names[CFI_MODES];

/* Flush an operation's bytes to disk (`sync`); false: it failed. */
bool cfi_sync_range(struct cfi_flash *f, uint64_t off, uint64_t len);
/* Keep the image bytes a cycle is about to change, to undo the cycle. */
void cfi_undo_save(struct cfi_flash *f, uint64_t off, uint64_t len);

/*
 * The power fails during the operation set up in f->op: it is left
 * partial, everything before it is on disk, the bank takes no further
 * write and the VM stops with CFI_POWERCUT_STATUS.
 */
void cfi_power_cut(struct cfi_flash *f);
/* The operation fails (fail=N): left partial, its status says so. */
void cfi_fail_op(struct cfi_flash *f);

#endif
