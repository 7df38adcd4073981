/*
 * CFI parallel NOR flash, backed by an image file mapped MAP_SHARED.
 *
 * A bank is made of `interleave` identical devices side by side, each
 * `device_width` bytes wide; commands arrive replicated on every device
 * lane and status, identifier and query answers are replicated the same
 * way.  What the devices are (command set, IDs, erase regions, write
 * buffer, datasheet times) is a `struct cfi_part`: a preset of a real part
 * (`norvm flash parts`) or one described option by option.
 *
 * Operations complete at once unless the timing model is on; then they
 * take the part's typical time in guest time, status shows them busy and
 * an erase can be suspended.  A program or erase is in the image (the page
 * cache) when its status reads ready.
 *
 * While reads return array data and mapping is on, the image is mapped
 * into the guest as a read-only memory slot: array reads and fetches never
 * reach this device, writes always do.  A cycle after which reads would
 * return something else removes the slot before it returns, and the return
 * to array data maps it again; the device lock is held across both.
 */
#ifndef NORVM_HW_CFI_FLASH_H
#define NORVM_HW_CFI_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "device.h"

struct vm;
struct cfi_flash;

#define CFI_MAX_REGIONS	4
/* The largest bank any board has (its flash window). */
#define CFI_MAX_BANK	(UINT64_C(64) << 20)

/* An erase region of one device: `blocks` blocks of `size` bytes. */
struct cfi_region {
	uint32_t blocks;	/* 0: as many as the image holds (one region) */
	uint32_t size;
};

enum cfi_time { CFI_T_WORD, CFI_T_BUFFER, CFI_T_BLOCK, CFI_T_CHIP, CFI_TIMES };

/* A part: what one device of the bank is.  Times in microseconds. */
struct cfi_part {
	char name[32];
	const char *vendor;
	uint16_t cmdset;		/* primary algorithm ID: 1, 2, 3 */
	uint16_t mfr;			/* manufacturer ID */
	uint16_t id[3];			/* device ID words (id[0] 0x7E: three) */
	unsigned device_width;		/* bytes: 1, 2 or 4 */
	unsigned interleave;		/* devices side by side: 1, 2, 4 or 8 */
	uint8_t interface;		/* CFI interface code (0x28) */
	unsigned nregions;
	struct cfi_region region[CFI_MAX_REGIONS];	/* lowest address first */
	uint32_t buffer;		/* write buffer bytes per device, 0: none */
	uint64_t typ[CFI_TIMES];	/* typical times, 0: not supported */
	uint64_t max[CFI_TIMES];	/* maximum times */
	uint8_t vcc_min, vcc_max;	/* BCD volts.tenths */
	uint8_t pri_minor;		/* primary table version 1.x */
	bool lockable;			/* Intel: block lock commands */
	const char *note;		/* where its facts come from */
};

struct cfi_flash_config {
	uint64_t base;		/* guest physical address of the bank */
	uint64_t window;	/* largest image the bank can hold */
	const char *path;	/* image file; its size is the bank's size.
				 * NULL: a volatile erased bank of the part's
				 * size (or of `window` for a sized-by-image
				 * part) */
	bool readonly;		/* open read-only: program and erase fail */
	bool sync;		/* msync each completed program or erase */
	bool map;		/* map the array while it returns array data */
	bool timing;		/* operations take the part's typical time */
	/*
	 * Fault injection.  Program and erase operations are numbered from 1
	 * per bank, in the order they start (those a protected block or a
	 * read-only image refuses are not operations: they change nothing).
	 * 0: off.
	 */
	uint64_t powercut;	/* power fails during this operation */
	uint64_t fail;		/* this operation ends in a failure status */
	uint64_t seed;		/* the partial states' random seed */
	const struct cfi_part *part;	/* NULL: the default part */
	/* the guest time, in VM_TIMEBASE_HZ ticks; NULL: vm_mtime */
	uint64_t (*clock)(void *opaque);
	void *clock_opaque;
	unsigned slot;		/* memory slot used for the mapping */
	const char *name;	/* bus region name, e.g. "flash0" */
};

enum cfi_mode {
	CFI_MODE_ARRAY, CFI_MODE_STATUS, CFI_MODE_ID, CFI_MODE_QUERY,
	CFI_MODES
};

#define CFI_CMD_SLOTS	24

struct cfi_flash_stats {
	uint64_t reads[CFI_MODES];	/* trapped reads, by mode */
	uint64_t busy_reads;		/* reads while an operation ran */
	uint64_t writes;		/* trapped writes */
	uint64_t maps, unmaps;		/* mapping changes */
	uint64_t map_errors;		/* slot changes the accelerator refused */
	uint64_t ops;			/* program + erase operations: the last
					 * one's number (powercut=, fail=) */
	uint64_t programs;		/* program operations (word or buffer) */
	uint64_t words;			/* bus words they programmed */
	uint64_t program_map_changes;	/* unmap + map around programs */
	uint64_t erases;		/* erase operations */
	uint64_t erased_blocks;		/* blocks they erased */
	uint64_t suspends;		/* operations suspended */
	uint64_t cmds[CFI_CMD_SLOTS];	/* by the command set's kinds */
};

/*
 * norvm's exit status when a power cut (powercut=N) stopped the VM.  A
 * guest can power off with any status, so the stderr line naming the cut
 * is what proves it; 99 is only unlikely to be a firmware's own.
 */
#define CFI_POWERCUT_STATUS	99

/* Intel status register bits. */
#define CFI_SR_LOCKED		0x02	/* block locked */
#define CFI_SR_PROG_SUSPENDED	0x04
#define CFI_SR_VPP_LOW		0x08
#define CFI_SR_PROG_ERROR	0x10
#define CFI_SR_ERASE_ERROR	0x20	/* with PROG_ERROR: sequence error */
#define CFI_SR_ERASE_SUSPENDED	0x40
#define CFI_SR_READY		0x80

/* AMD status bits (DQ), read through the array while busy. */
#define CFI_DQ1_ABORT		0x02	/* write-to-buffer abort */
#define CFI_DQ2_TOGGLE		0x04	/* toggles in an erasing sector */
#define CFI_DQ3_ERASING		0x08	/* 0: erase window open */
#define CFI_DQ5_TIMEOUT		0x20	/* exceeded timing limits */
#define CFI_DQ6_TOGGLE		0x40	/* toggles while busy */
#define CFI_DQ7_POLL		0x80	/* complement of data bit 7 */

/* The default part (QEMU virt's bank): values a client may check. */
#define CFI_MANUFACTURER_ID	0x89	/* Intel */
#define CFI_DEVICE_ID		0x18
#define CFI_WRITE_BUFFER_SHIFT	8	/* 256-byte write buffer per device */

/*
 * Open, lock and map the image and register the bank on vm->bus.  Returns
 * NULL with a one-line reason in `err` (missing, directory, no permission,
 * empty, not the part's size, not a multiple of the erase block, too big,
 * not a power of two, in use, no space to allocate a writable image's
 * blocks, a part no command set implements).
 */
struct cfi_flash *cfi_flash_create(struct vm *vm,
				   const struct cfi_flash_config *cfg,
				   char *err, size_t errlen);
void cfi_flash_destroy(struct cfi_flash *f);
/* Its descriptor: a "cfi-flash" node with the bank's widths. */
struct device cfi_flash_device(struct cfi_flash *f);

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

/*
 * Power-on state: an operation in flight completes first (the supply
 * holds up), then read-array mode, status clear, volatile protection
 * cleared, mapped.
 */
void cfi_flash_reset(struct cfi_flash *f);

uint64_t cfi_flash_size(const struct cfi_flash *f);
unsigned cfi_flash_bank_width(const struct cfi_flash *f);
unsigned cfi_flash_device_width(const struct cfi_flash *f);
enum cfi_mode cfi_flash_mode(struct cfi_flash *f);
bool cfi_flash_mapped(struct cfi_flash *f);
void cfi_flash_get_stats(struct cfi_flash *f, struct cfi_flash_stats *out);
/* A command kind's count by its name ("program", "unlock_bypass"). */
uint64_t cfi_flash_cmd_count(struct cfi_flash *f, const char *kind);
void cfi_flash_print_stats(struct cfi_flash *f, FILE *out);
/* The statistics as one JSON object, no trailing newline. */
void cfi_flash_stats_json(struct cfi_flash *f, FILE *out);

/* ---- parts ---- */

/* The preset called `name` (case does not matter), or NULL. */
const struct cfi_part *cfi_part_find(const char *name);
/* The default part: QEMU virt's bank, sized by its image. */
const struct cfi_part *cfi_part_default(void);
/* Presets in order, NULL past the last. */
const struct cfi_part *cfi_part_at(unsigned i);
/* The size of a part's bank, 0 when its image decides. */
uint64_t cfi_part_size(const struct cfi_part *p);
/* Erase region r of a bank of this part: bytes per block (all devices). */
uint64_t cfi_part_block_size(const struct cfi_part *p, unsigned r);
/* Its blocks over an image of `image` bytes (as many as fit when the
 * part is sized by its image). */
uint64_t cfi_part_region_blocks(const struct cfi_part *p, unsigned r, uint64_t image);
/*
 * Apply one `key=value` option of --flash to a part (part, cmdset, width,
 * interleave, regions, buffer, mfr, id); -EINVAL with one line in `err`,
 * -ENOENT when the key is none of them.
 */
int cfi_part_option(struct cfi_part *p, const char *key, const char *value,
		    char *err, size_t errlen);
/* Those keys for a message: "part=, cmdset=, ..." (cut to len). */
void cfi_part_option_names(char *buf, size_t len);
/* Is the part consistent and can a command set drive it? */
int cfi_part_check(const struct cfi_part *p, char *err, size_t errlen);
/* One line describing the part (geometry, buffer, IDs). */
void cfi_part_describe(const struct cfi_part *p, char *buf, size_t len);
/* Print the presets as a table. */
void cfi_part_list(FILE *out);

/*
 * Write an image of `size` bytes, a power of two from 256 KiB to 32 MiB:
 * `from_len` bytes of `from` (a template, e.g. EDK2's variable store),
 * then erased (0xFF) to the end.  An existing file is left alone and is
 * an error.
 */
int cfi_flash_create_image(const char *path, uint64_t size, const void *from,
			   size_t from_len, char *err, size_t errlen);

#endif
