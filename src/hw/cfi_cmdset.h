/*
 * Between the CFI flash core (cfi_flash.c) and its command sets
 * (cfi_cmdset_0001.c, cfi_cmdset_0002.c, ...).  Not for the rest of norvm.
 *
 * The core owns everything a command set has in common with the others:
 * the image and its mapping into the guest, bus cycles and device lanes,
 * the erase-block table, per-block protection bytes, the CFI query table
 * (built from the part's description and the set's primary table), the
 * statistics, and the execution of program and erase operations (their
 * effect on the image, their duration under the timing model, suspend and
 * resume).  A command set decodes bus cycles into those operations and
 * says what a read returns while it is not returning array data.
 *
 * A command set is one file that defines a `struct cfi_cmdset` and
 * registers it with CFI_CMDSET_REGISTER(); parts name it by its primary
 * algorithm ID, the user by its name (cmdset=NAME).  Nothing else in
 * norvm changes when one is added.
 *
 * Every hook runs with the bank's lock held.
 */
#ifndef NORVM_HW_CFI_CMDSET_H
#define NORVM_HW_CFI_CMDSET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/cfi_flash.h"

#define CFI_QUERY_MAX		0x100	/* query table bytes per device */

/* What an operation does to the image. */
enum cfi_op_kind { CFI_OP_NONE, CFI_OP_PROGRAM, CFI_OP_ERASE };

/* Why an operation did not change the image as asked. */
enum cfi_op_result {
	CFI_OP_OK,
	CFI_OP_PROTECTED,	/* a target block is protected: nothing done */
	CFI_OP_READONLY,	/* the image is read-only (VPP low) */
	CFI_OP_NOT_ERASED,	/* program asked for 0 -> 1: bits left as AND */
	CFI_OP_FAILED,		/* failed: injected (fail=N), left partial,
				 * or its flush to disk failed (sync) */
};

/*
 * One program or erase operation, from its command to its completion.
 * The core applies it to the image when it completes (at once, or after
 * its duration in guest time with the timing model on); until then the
 * image holds what it held before.
 */
struct cfi_op {
	enum cfi_op_kind kind;
	uint64_t off, len;	/* program: bank bytes [off, off + len) */
	uint8_t *data;		/* program: bytes to AND in (core-owned) */
	uint8_t *valid;		/* program: which bytes were given, or NULL */
	uint8_t *valid_buf;	/* (core-owned storage for `valid`) */
	uint8_t *erase;		/* erase: 1 per selected block (core-owned) */
	uint64_t words;		/* program: bus words it programs */
	uint64_t number;	/* the bank's operation number, 0: refused */
	bool fail;		/* ends as CFI_OP_FAILED (fail=N) */
	enum cfi_op_result result;
	/* timing, in mtime ticks (0.1 us) */
	uint64_t done_at;	/* when it completes, if running */
	uint64_t left;		/* what remains while suspended */
	bool running;		/* started and not yet completed */
	bool suspended;
};

/* One erase block of the bank (all devices side by side). */
struct cfi_block {
	uint64_t off, size;
};

struct cfi_cmdset {
	const char *name;		/* "intel", "amd": cmdset=NAME */
	const char *title;		/* "Intel/Sharp extended" */
	uint16_t ids[3];		/* primary algorithm IDs it implements */
	unsigned pri_min;		/* lowest offset for its primary table */
	size_t state_size;		/* bytes of per-bank state (f->set_state) */
	const char *const *cmd_names;	/* command kinds it counts... */
	unsigned ncmds;			/* ...at most CFI_CMD_SLOTS */
	/*
	 * The CFI erase-region table lists regions in this order: false,
	 * lowest address first; true for a top-boot part of this set
	 * (AMD's convention: clients reverse it when the primary table
	 * says top boot).
	 */
	bool top_boot_reversed;
	/*
	 * The identity a part switched to this set takes (cmdset=NAME): a
	 * known part's IDs, so clients take their usual paths.
	 */
	struct {
		uint8_t mfr;
		uint16_t id[3];
		uint8_t pri_minor;	/* primary table version 1.x */
		bool lockable;		/* block lock commands */
	} part;

	/* Power-on state (the core has cleared f->set_state and the op). */
	void (*reset)(struct cfi_flash *f);
	/* One write cycle of `len` bytes at `off`, inside one bus word. */
	void (*write)(struct cfi_flash *f, uint64_t off, unsigned len,
		      uint64_t val);
	/*
	 * What reads return now: CFI_MODE_ARRAY only when every read
	 * returns array data (then the array is mapped).
	 */
	enum cfi_mode (*mode)(struct cfi_flash *f);
	/*
	 * Device `lane`'s answer (its device_width bytes) to a read at bank
	 * offset `off` when not in array mode.  f->toggle counts read
	 * cycles (DQ6 and DQ2 toggle with it).
	 */
	uint32_t (*read)(struct cfi_flash *f, uint64_t off, unsigned lane);
	/* The operation completed (f->op holds its result). */
	void (*op_done)(struct cfi_flash *f);
	/*
	 * Optional: called at the start of every access, after a due
	 * operation completed, for state that changes with time or with a
	 * read (`read`: the access is a read).
	 */
	void (*tick)(struct cfi_flash *f, bool read);
	/* Fill the primary vendor table at `p`, after its "PRI1x" header:
	 * at most pri_len bytes from p. */
	void (*pri)(struct cfi_flash *f, uint8_t *p);
	unsigned pri_len;
};

void cfi_cmdset_register(const struct cfi_cmdset *set);
#define CFI_CMDSET_REGISTER(cs) \
	__attribute__((constructor)) static void register_##cs(void) \
	{ cfi_cmdset_register(&cs); }

/* The bank.  Command sets read it; they change only what is marked. */
struct cfi_flash {
	struct vm *vm;
	struct cfi_flash_config cfg;
	struct cfi_part part;		/* the part, geometry resolved */
	const struct cfi_cmdset *set;
	pthread_mutex_t lock;
	int fd;
	uint8_t *image;
	uint64_t size;
	unsigned bw, dw, interleave;	/* bank width, device width, devices */

	struct cfi_block *blocks;
	unsigned nblocks;
	unsigned block_shift;		/* every block 1 << it bytes; 0: not so */
	uint8_t *prot;			/* per block; the set's bits (set-owned) */
	bool timing;			/* operations take guest time */

	void *set_state;		/* the set's state (set-owned) */
	uint8_t *buf, *buf_valid;	/* write buffer scratch (set-owned):
					 * part.buffer * interleave bytes */
	struct cfi_op op;		/* the operation, if any */
	unsigned toggle;		/* read cycles so far (for DQ6/DQ2) */
	bool mapped;
	uint64_t unmapped_programs;	/* stats.programs when last unmapped */
	uint64_t cycle_programs;	/* stats.programs as the cycle began */

	uint8_t query[CFI_QUERY_MAX];
	struct cfi_flash_stats stats;
	atomic_bool faulted;		/* the image's file failed under us */
	bool power_lost;		/* the power was cut: writes are lost */
	bool sync_failed;		/* a flush to disk failed (said once) */
	bool map_failed;		/* a map or unmap failed (said once) */

	/* what a write cycle may change while mapped, to undo it */
	void *undo_set_state;
	struct cfi_op undo_op;
	struct cfi_flash_stats undo_stats;
	unsigned undo_toggle;
	uint8_t *undo;			/* image bytes an instant operation changed */
	uint64_t undo_off, undo_len, undo_cap;
	bool undo_armed;
};

/* Protection byte bit 0: the block refuses program and erase. */
#define CFI_PROT_WRITE	0x01

/* ---- services of the core for command sets ---- */

/* The erase block holding bank offset `off` (which must be in the image). */
unsigned cfi_block_index(const struct cfi_flash *f, uint64_t off);

/* The command set `name` implements, or NULL; the i-th registered one. */
const struct cfi_cmdset *cfi_cmdset_named(const char *name);
const struct cfi_cmdset *cfi_cmdset_for(uint16_t primary_id);
const struct cfi_cmdset *cfi_cmdset_at(unsigned i);

/* 0 one block size, 2 bottom boot (small blocks low), 3 top boot. */
unsigned cfi_part_boot(const struct cfi_part *p);

/* The guest time, in VM_TIMEBASE_HZ ticks (0.1 us). */
uint64_t cfi_now(const struct cfi_flash *f);
#define CFI_TICKS_PER_US	10

/* Can block `b` be changed now? */
enum cfi_op_result cfi_check(struct cfi_flash *f, unsigned b);

/* Device `lane`'s bytes of the array at bus word `word`. */
uint32_t cfi_array_word(const struct cfi_flash *f, uint64_t word, unsigned lane);

/* Count one command of kind `k` (an index into the set's cmd_names). */
static inline void cfi_count(struct cfi_flash *f, unsigned k)
{
	f->stats.cmds[k]++;
}

/*
 * Start a program of `len` bytes at `off` (one bus word, or a buffer of
 * `words` bus words, all in one block; `valid` may be NULL when every byte
 * is given).  It runs for `us` microseconds of guest time with the timing
 * model, else completes before this returns; either way op_done is called
 * when it completes.  Protected blocks and a read-only image change
 * nothing (the result says why, and the set passes the time the part
 * takes to give up); asking for 0 -> 1 ends as CFI_OP_NOT_ERASED with the
 * bits ANDed.  len 0 is an operation that only takes time.
 */
enum cfi_op_result cfi_op_program(struct cfi_flash *f, uint64_t off,
				  const uint8_t *data, const uint8_t *valid,
				  uint64_t len, uint64_t words, uint64_t us);
/*
 * An erase: clear the selection, select blocks, start it.  Protected
 * blocks are skipped; when all are, the result is CFI_OP_PROTECTED (or
 * CFI_OP_READONLY) and the operation still runs for `us`.
 */
void cfi_op_erase_clear(struct cfi_flash *f);
void cfi_op_erase_select(struct cfi_flash *f, unsigned block);
enum cfi_op_result cfi_op_erase(struct cfi_flash *f, uint64_t us);
/* Is an operation running (not suspended)?  Completes it when it is due. */
bool cfi_op_busy(struct cfi_flash *f);
/* Suspend / resume the running operation (timing model only). */
bool cfi_op_suspend(struct cfi_flash *f);
bool cfi_op_resume(struct cfi_flash *f);
/* Is block `b` one the current (or suspended) erase selected? */
static inline bool cfi_op_erasing(const struct cfi_flash *f, unsigned b)
{
	return f->op.kind == CFI_OP_ERASE && f->op.erase && f->op.erase[b];
}


/* A part's geometry per device, as the query table gives it. */
static inline uint64_t cfi_device_size(const struct cfi_flash *f)
{
	return f->size / f->interleave;
}

#endif
