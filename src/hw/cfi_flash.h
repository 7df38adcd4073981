/*
 * CFI parallel NOR flash, Intel/Sharp extended command set (primary
 * algorithm 0x0001), backed by an image file mapped MAP_SHARED.
 *
 * A bank is `bank_width` bytes wide and made of bank_width / device_width
 * identical devices side by side; commands arrive replicated on every
 * device lane and status, identifier and query answers are replicated the
 * same way.  Operations complete at once: a program or erase is in the
 * image (the page cache) when its status reads ready.
 *
 * While the bank is in read-array mode with no command cycle pending, and
 * mapping is on, the image is mapped into the guest as a read-only memory
 * slot: array reads and fetches never reach this device, writes always do.
 * A write that leaves read-array mode removes the slot before it returns,
 * and the return to read-array maps it again; the device lock is held
 * across both.
 */
#ifndef NORVM_HW_CFI_FLASH_H
#define NORVM_HW_CFI_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct vm;
struct cfi_flash;

struct cfi_flash_config {
	uint64_t base;		/* guest physical address of the bank */
	uint64_t window;	/* largest image the bank can hold */
	const char *path;	/* image file; its size is the bank's size.
				 * NULL: a volatile erased bank of `window` */
	bool readonly;		/* open read-only: program and erase fail */
	bool sync;		/* msync each completed program or erase */
	bool map;		/* map the array while in read-array mode */
	unsigned bank_width;	/* 1, 2, 4 or 8 bytes */
	unsigned device_width;	/* 1, 2 or 4 bytes, at most bank_width */
	uint64_t block_size;	/* erase block of one device */
	unsigned slot;		/* memory slot used for the mapping */
	const char *name;	/* bus region name, e.g. "flash0" */
};

enum cfi_mode {
	CFI_MODE_ARRAY, CFI_MODE_STATUS, CFI_MODE_ID, CFI_MODE_QUERY,
	CFI_MODES
};

enum cfi_cmd_kind {
	CFI_CMD_READ_ARRAY, CFI_CMD_READ_ID, CFI_CMD_QUERY, CFI_CMD_STATUS,
	CFI_CMD_CLEAR_STATUS, CFI_CMD_PROGRAM, CFI_CMD_BUFFERED, CFI_CMD_ERASE,
	CFI_CMD_LOCK, CFI_CMD_UNLOCK, CFI_CMD_LOCK_DOWN, CFI_CMD_SUSPEND,
	CFI_CMD_RESUME,
	CFI_CMD_INVALID, CFI_CMD_KINDS
};

struct cfi_flash_stats {
	uint64_t reads[CFI_MODES];	/* trapped reads, by mode */
	uint64_t writes;		/* trapped writes */
	uint64_t maps, unmaps;		/* mapping changes */
	uint64_t map_errors;		/* slot changes the accelerator refused */
	uint64_t cmds[CFI_CMD_KINDS];
};

/* Status register bits. */
#define CFI_SR_LOCKED		0x02	/* block locked */
#define CFI_SR_PROG_SUSPENDED	0x04
#define CFI_SR_VPP_LOW		0x08
#define CFI_SR_PROG_ERROR	0x10
#define CFI_SR_ERASE_ERROR	0x20	/* with PROG_ERROR: sequence error */
#define CFI_SR_ERASE_SUSPENDED	0x40
#define CFI_SR_READY		0x80

/* Query table values a client may check. */
#define CFI_MANUFACTURER_ID	0x89	/* Intel */
#define CFI_DEVICE_ID		0x18
#define CFI_WRITE_BUFFER_SHIFT	8	/* 256-byte write buffer per device */

/*
 * Open, lock and map the image and register the bank on vm->bus.  Returns
 * NULL with a one-line reason in `err` (missing, directory, no permission,
 * empty, not a multiple of the erase block, too big, not a power of two,
 * in use, no space to allocate a writable image's blocks).
 */
struct cfi_flash *cfi_flash_create(struct vm *vm,
				   const struct cfi_flash_config *cfg,
				   char *err, size_t errlen);
void cfi_flash_destroy(struct cfi_flash *f);

/*
 * The entry points (the bus calls these): an access of 1 to 8 bytes at any
 * bank offset, little-endian, split into bus cycles of the bank width as
 * the bus would (lowest address first).  Bytes outside the image read as 0
 * and are not written.
 */
uint64_t cfi_flash_read(struct cfi_flash *f, uint64_t off, unsigned len);
void cfi_flash_write(struct cfi_flash *f, uint64_t off, unsigned len,
		     uint64_t val);

/*
 * Catch SIGBUS on the image mappings (a file truncated by another program,
 * a disk that filled up): one line naming the image, then the VM stops
 * with status 1 instead of norvm dying.  Other SIGBUS go to the handler
 * installed before, so call this after the console has installed its own.
 */
void cfi_flash_catch_faults(void);

/* Power-on state: read-array mode, status clear, blocks unlocked, mapped. */
void cfi_flash_reset(struct cfi_flash *f);

uint64_t cfi_flash_size(const struct cfi_flash *f);
enum cfi_mode cfi_flash_mode(struct cfi_flash *f);
bool cfi_flash_mapped(struct cfi_flash *f);
void cfi_flash_get_stats(struct cfi_flash *f, struct cfi_flash_stats *out);
void cfi_flash_print_stats(struct cfi_flash *f, FILE *out);
/* The statistics as one JSON object, no trailing newline. */
void cfi_flash_stats_json(struct cfi_flash *f, FILE *out);

/*
 * Write an erased (all 0xFF) image of `size` bytes: a power of two from
 * 256 KiB to 32 MiB.  An existing file is left alone and is an error.
 */
int cfi_flash_create_image(const char *path, uint64_t size, char *err,
			   size_t errlen);

#endif
