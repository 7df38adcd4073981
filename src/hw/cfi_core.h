/*
 * Between the files of the flash core; command sets see cfi_cmdset.h
 * only.  From the bottom up: cfi_cmdsets.c (the registry), cfi_geometry.c,
 * cfi_image.c, cfi_faults.c, cfi_flash.c (operations, mapping, the bus),
 * cfi_stats.c.
 */
#ifndef NORVM_HW_CFI_CORE_H
#define NORVM_HW_CFI_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/cfi_cmdset.h"

/* What reads return in each mode, as --stats and --trace name it. */
extern const char *const cfi_mode_names[CFI_MODES];

/* cfi_geometry.c */
unsigned cfi_log2_ceil(uint64_t v);
/* f->blocks from the part; nonzero: out of memory. */
int cfi_build_blocks(struct cfi_flash *f);
/* f->query from the part and its command set. */
void cfi_build_query(struct cfi_flash *f);

/* cfi_image.c */
/* An erased bank of size bytes that costs memory only where written. */
uint8_t *cfi_map_erased(uint64_t size);
/* Open, check and lock cfg's image (its size in *size); -1: said in err. */
int cfi_open_image(const struct cfi_flash_config *c, const struct cfi_part *p,
		   uint64_t *size, uint64_t block, char *err, size_t errlen);
/* The size of a bank without an image. */
uint64_t cfi_volatile_size(const struct cfi_flash_config *c,
			   const struct cfi_part *p);
/* Write the image back, unmap and close it (cfi_flash_destroy). */
void cfi_release_image(struct cfi_flash *f);
/* Report host I/O errors on f's image (SIGBUS) while on. */
void cfi_watch_faults(struct cfi_flash *f, bool on);
/* Flush an operation's bytes to disk (`sync`); false: it failed. */
bool cfi_sync_range(struct cfi_flash *f, uint64_t off, uint64_t len);
/* Keep the image bytes a cycle is about to change, to undo the cycle. */
void cfi_undo_save(struct cfi_flash *f, uint64_t off, uint64_t len);

/* cfi_faults.c */
/*
 * The power fails during the operation set up in f->op: it is left
 * partial, everything before it is on disk, the bank takes no further
 * write and the VM stops with CFI_POWERCUT_STATUS.
 */
void cfi_power_cut(struct cfi_flash *f);
/* The operation fails (fail=N): left partial, its status says so. */
void cfi_fail_op(struct cfi_flash *f);

#endif
