/*
 * The code generator of the built-in CPU (x86-64 hosts).
 *
 * A translated block is guest code from one decoded page: up to
 * JIT_MAX_INSNS instructions the generator knows, ending at a branch or
 * computed jump, before an instruction it does not know, or at the end of
 * the page; a direct jump within the page is followed (once per target).
 * Its entry is in the `jit` field of the first instruction's
 * decoded entry, so a block lives exactly as long as the decoded code it
 * came from: whatever drops decoded code (a slot change, FENCE.I, a page
 * reused for another one) drops the translations with it.
 *
 * Blocks keep the interpreter's state exact at every instruction
 * boundary: guest registers live in struct hart (host registers cache
 * them within a block and are written back at every exit), and anything
 * off the fast path -- a TLB miss, a device access, an unknown
 * instruction -- leaves the block at that instruction, which the
 * interpreter then runs.  (Accesses to the hart's RAM window, hart.ram_*,
 * skip the TLB: they cannot fault.)  A block whose exits go to another block of the
 * same page is linked to it once both exist, so loops stay in generated
 * code; computed jumps (returns) and jumps to other pages look their
 * target up in a small per-hart table of blocks entered before, valid
 * until translations change.  Each block charges its instructions to the
 * budget on entry.
 *
 * The code buffer is mapped twice, writable and executable, never both
 * (W^X); each hart has its own, so generated code is only ever changed
 * by the thread that runs it.
 */
#ifndef NORVM_SOFT_JIT_H
#define NORVM_SOFT_JIT_H

#include <stdbool.h>
#include <stdint.h>

struct hart;
struct insn;
struct jit_stats;		/* accel.h */

/* in->jit: 0 unseen; JIT_NONE no block can start here; JIT_COUNT | n
 * visited n times; anything else a block's offset in the code buffer. */
#define JIT_NONE	1u
#define JIT_COUNT	(1u << 31)
#define JIT_THRESHOLD	32	/* runs before a block is translated */

static inline bool jit_is_block(uint32_t j)
{
	return j > JIT_NONE && !(j & JIT_COUNT);
}

/* Whether this build has a code generator for its host. */
bool jit_available(void);
/* 0, or a negative errno: the hart then runs on the interpreter alone. */
int jit_create(struct hart *h);
void jit_destroy(struct hart *h);
/*
 * Translate the block starting at `in` (pc, in the current code window).
 * False when the code buffer was full and has been emptied: every
 * decoded page is then stale, the window included.
 */
bool jit_translate(struct hart *h, struct insn *in, uint64_t pc);
/*
 * What precedes each block's code in the buffer: the guest page it was
 * made for (the window's must be the same to run it) and its length in
 * instructions (the budget it needs).  `code` is the buffer's executable
 * view (hart.jit_code), `block` an offset in it.
 */
struct jit_head {
	uint64_t page;
	uint32_t n, unused;
};

static inline const struct jit_head *jit_head(const uint8_t *code, uint32_t block)
{
	return (const struct jit_head *)(const void *)(code + block) - 1;
}

/*
 * Run from `block` with `left` instructions of budget; returns what is
 * left, with h->pc the next instruction.  h->jit_patch then names the
 * exit taken when it can be linked to the block of that pc.
 */
unsigned jit_run(struct hart *h, uint32_t block, unsigned left);
void jit_link(struct hart *h, uint32_t target);
/* Let generated code jump straight to `block` when it wants pc. */
void jit_note_jump(struct hart *h, uint64_t pc, uint32_t block);

void jit_get_stats(const struct hart *h, struct jit_stats *s);

#endif
