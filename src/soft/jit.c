/*
 * The x86-64 code generator (jit.h).  Register use in generated code:
 *
 *   rbx        the hart (struct hart; x[] at offset 0)
 *   r13        instructions of budget left
 *   rax, rcx, rdx  scratch
 *   rbp rsi rdi r8-r12 r14 r15  guest registers a block caches
 *
 * Entered from C through a trampoline that saves the callee-saved
 * registers; left through one of two epilogues with the next pc in rax:
 * `exit_plain`, or `exit_chain` with rcx pointing at the rel32 of the
 * jump that was taken, which jit_link() later points at the target block.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpu.h"
#include "decode.h"
#include "jit.h"
#include "jit_emit.h"

#if defined(__x86_64__) && defined(__linux__)

#define JIT_BUF_SIZE	(16u << 20)	/* the default */
#define JIT_ROOM	(48u << 10)	/* more than one block can need */

struct jit {
	int fd;
	uint8_t *w, *x;		/* one buffer: writable view, executable view */
	size_t size, used, start;
	size_t enter, exit_plain, exit_chain, jump_lookup;
	struct jit_stats stats;
};

/* Host registers that hold guest registers, in the order they are given. */
static const uint8_t cache_regs[] = { RSI, RDI, R8, R9, R10, R11, RBP, R12, R14, R15 };
#define NCACHE (sizeof(cache_regs))

/* Decode the entry at page offset `off` if need be; false: not cacheable. */
static bool decode_at(struct hart *h, struct insn *in, unsigned off)
{
	uint16_t lo;
	uint32_t bits;

	if (in->op != OP_UNDECODED)
		return true;
	guest_read(&lo, h->win_host + off, 2);
	bits = lo;
	if ((lo & 3) == 3) {
		if (off == PAGE_SIZE - 2)
			return false;
		guest_read(&bits, h->win_host + off, 4);
	}
	decode(in, bits);
	return true;
}

/* Does the block's last instruction, at pc, jump to the block's start? */
static bool loops_to_itself(const struct insn *in, uint64_t pc, uint64_t start)
{
	bool direct = in->op == OP_JAL || op_regs(in->op) == OPR_BR;

	return direct && pc_imm(in, pc) == start;
}

/* Pick host registers for the guest registers the block uses most. */
static void allocate(struct emit *e, struct insn *const *ins, unsigned n,
		     uint32_t *live_in, uint32_t *written)
{
	unsigned uses[32] = { 0 };

	*live_in = *written = 0;
	for (unsigned k = 0; k < n; k++) {
		uint32_t rd, wr;

		regs_of(ins[k], &rd, &wr);
		*live_in |= rd & ~*written;
		*written |= wr;
		for (unsigned r = 1; r < 32; r++)
			uses[r] += !!(rd & (1u << r)) + !!(wr & (1u << r));
	}
	memset(e->host, -1, sizeof(e->host));
	for (unsigned i = 0; i < NCACHE; i++) {
		unsigned best = 0;

		for (unsigned r = 1; r < 32; r++)
			if (uses[r] > uses[best])
				best = r;
		if (!uses[best])
			break;
		/* Used once: a cache would cost more than it saves. */
		if (uses[best] < 2)
			break;
		e->host[best] = (int8_t)cache_regs[i];
		uses[best] = 0;
	}
}

static void emit_stubs(struct jit *j, struct emit *e, uint64_t pc0, unsigned n)
{
	for (unsigned i = 0; i < e->nstubs; i++) {
		struct stub *s = &e->stubs[i];

		x86_patch_rel32(&e->code, s->at, e->code.pos);
		if (s->at2)
			x86_patch_rel32(&e->code, s->at2, e->code.pos);
		if (s->kind == STUB_TLB) {
			/* Not an exit: the TLB path, then back to the block;
			 * its miss is one more stub, emitted in its turn. */
			size_t miss;

			e->dirty = s->dirty;
			miss = tlb_access(e, s->in);
			x86_patch_rel32(&e->code, x86_jump(&e->code, -1), s->back);
			add_stub(e, miss, STUB_SIDE, s->pc, s->done);
			e->stubs[e->nstubs - 1].dirty = s->dirty;
			continue;
		}
		write_back(e, s->dirty);
		switch (s->kind) {
		case STUB_LOOP:		/* s->dirty: what the loop writes */
		case STUB_BUDGET:
			op_ri(&e->code, true, G_ADD, R13, (int32_t)n);
			mov_ri(&e->code, RAX, pc0);
			x86_patch_rel32(&e->code, x86_jump(&e->code, -1), j->exit_plain);
			break;
		case STUB_SIDE:
			/* Give back what the block charged and did not run. */
			op_ri(&e->code, true, G_ADD, R13, (int32_t)(n - s->done));
			mov_ri(&e->code, RAX, s->pc);
			x86_patch_rel32(&e->code, x86_jump(&e->code, -1), j->exit_plain);
			break;
		case STUB_CHAIN:
			mov_ri(&e->code, RAX, s->pc);
			/* lea rcx, [rip + rel32 of the jump taken] */
			x86_byte(&e->code, 0x48); x86_byte(&e->code, 0x8d); x86_byte(&e->code, 0x0d);
			x86_u32(&e->code, (uint32_t)(int32_t)((int64_t)s->at - (int64_t)(e->code.pos + 4)));
			/* lea rdx, [rip + the block's code] */
			x86_byte(&e->code, 0x48); x86_byte(&e->code, 0x8d); x86_byte(&e->code, 0x15);
			x86_u32(&e->code, (uint32_t)(int32_t)((int64_t)e->start - (int64_t)(e->code.pos + 4)));
			x86_patch_rel32(&e->code, x86_jump(&e->code, -1), j->exit_chain);
			break;
		case STUB_FAR:
			mov_ri(&e->code, RAX, s->pc);
			x86_patch_rel32(&e->code, x86_jump(&e->code, -1), j->jump_lookup);
			break;
		case STUB_TLB:
			break;
		}
	}
}

/*
 * Whether the block, n instructions so far, goes on at `to` after a jump:
 * same page, not its start (that is a loop), not taken in already, and
 * an instruction the generator knows is there.
 */
static bool follow(struct hart *h, struct emit *e, struct insn *page,
		   unsigned n, uint64_t to)
{
	struct insn *c = page + ((to & PAGE_MASK) >> 1);

	if ((to & ~PAGE_MASK) != (e->pcs[0] & ~PAGE_MASK) || n == JIT_MAX_INSNS)
		return false;
	for (unsigned k = 0; k < n; k++)
		if (e->pcs[k] == to)
			return false;
	return decode_at(h, c, (unsigned)(to & PAGE_MASK)) && translates(c);
}

static void flush(struct hart *h, struct jit *j)
{
	j->used = j->start;
	j->stats.flushes++;
	h->code_gen++;
	h->jit_jump_gen++;
	h->win_base = WIN_NONE;
}

bool jit_translate(struct hart *h, struct insn *in, uint64_t pc)
{
	struct jit *j = h->jit;
	struct insn *ins[JIT_MAX_INSNS];
	struct insn *page = in - ((pc & PAGE_MASK) >> 1);
	struct emit em, *e = &em;
	uint64_t next = pc;
	uint32_t live_in, written;
	unsigned n = 0;

	if (j->size - j->used < JIT_ROOM) {
		flush(h, j);
		return false;
	}
	/*
	 * Gather the block.  A jump to elsewhere in the page is followed
	 * (once per target), so a loop whose body jumps back to a test at
	 * its top becomes one block that loops to itself.
	 */
	while (n < JIT_MAX_INSNS) {
		struct insn *c = page + ((next & PAGE_MASK) >> 1);
		uint64_t to;

		if (!decode_at(h, c, (unsigned)(next & PAGE_MASK)) || !translates(c))
			break;
		e->pcs[n] = next;
		ins[n++] = c;
		next += c->len;
		if (c->op == OP_JAL) {
			to = pc_imm(c, next - c->len);
			if (!follow(h, e, page, n, to))
				break;
			next = to;
			continue;
		}
		if (ends_block(c) || (next & PAGE_MASK) == 0)
			break;
	}
	if (!n) {
		in->jit = JIT_NONE;
		return true;
	}
	e->code.buf = j->w;
	e->exit_plain = j->exit_plain;
	e->jump_lookup = j->jump_lookup;
	e->nstubs = 0;
	e->dirty = 0;
	e->ram = h->ram_end != 0;
	/* A header: the page the block is for, its length; then the code. */
	e->code.pos = (j->used + 15) & ~(size_t)15;
	_Static_assert(sizeof(struct jit_head) == 16, "the header below");
	x86_u64(&e->code, pc & ~PAGE_MASK);
	x86_u32(&e->code, n);
	x86_u32(&e->code, 0);
	in->jit = (uint32_t)e->code.pos;
	e->start = e->code.pos;
	x86_byte(&e->code, 0xf3); x86_byte(&e->code, 0x0f); x86_byte(&e->code, 0x1e); x86_byte(&e->code, 0xfa);	/* endbr64 */
	op_ri(&e->code, true, G_SUB, R13, (int32_t)n);
	add_stub(e, x86_jump(&e->code, CC_B), STUB_BUDGET, pc, 0);
	allocate(e, ins, n, &live_in, &written);
	e->pc0 = pc;
	e->n = n;
	/*
	 * A block that loops to itself keeps the guest registers in host
	 * registers across iterations: all of them are loaded here, and
	 * whatever the block writes counts as written from the start, so
	 * every exit writes it back (the same value at worst).
	 */
	if (loops_to_itself(ins[n - 1], e->pcs[n - 1], pc))
		live_in = ~0u;
	for (unsigned r = 1; r < 32; r++)
		if (e->host[r] >= 0 && (live_in & (1u << r)))
			op_rm(&e->code, true, X_MOV, (unsigned)e->host[r], RBX, NOREG,
			      xoff(r));
	if (live_in == ~0u)
		for (unsigned r = 1; r < 32; r++)
			if (e->host[r] >= 0 && (written & (1u << r)))
				e->dirty |= 1u << r;
	e->loop_head = e->code.pos;
	for (unsigned k = 0; k < n; k++)
		emit_insn(e, ins[k], e->pcs[k], k);
	if (!ends_block(ins[n - 1])) {
		write_back(e, e->dirty);
		e->dirty = 0;
		exit_to(e, -1, pc, next);
	}
	emit_stubs(j, e, pc, n);
	j->stats.blocks++;
	j->stats.insns += n;
	j->stats.bytes += e->code.pos - j->used;
	j->used = e->code.pos;
	return true;
}

unsigned jit_run(struct hart *h, uint32_t block, unsigned left)
{
	struct jit *j = h->jit;
	uint64_t (*enter)(struct hart *, void *, uint64_t);
	void *entry = j->x + j->enter;

	memcpy(&enter, &entry, sizeof(enter));
	return (unsigned)enter(h, j->x + block, left);
}

void jit_note_jump(struct hart *h, uint64_t pc, uint32_t block)
{
	struct jit_jump *t = &h->jit_jumps[(pc >> 1) & (JIT_JUMPS - 1)];

	t->pc = pc;
	t->code = h->jit->x + block;
	t->gen = h->jit_jump_gen;
}

void jit_link(struct hart *h, uint32_t target)
{
	struct jit *j = h->jit;
	size_t at = (size_t)((uint8_t *)h->jit_patch - j->x);
	struct x86_code e = { .buf = j->w };

	x86_patch_rel32(&e, at, target);
	h->jit_patch = NULL;
}

/* The trampoline in and the two ways out, at the start of the buffer. */
static void emit_glue(struct jit *j)
{
	static const uint8_t saved[] = { RBX, RBP, R12, R13, R14, R15 };
	int32_t jumps = (int32_t)offsetof(struct hart, jit_jumps);
	struct x86_code e = { .buf = j->w };

	j->exit_plain = e.pos;
	op_rr(&e, false, X_XOR, RCX, RCX);
	j->exit_chain = e.pos;
	op_rm(&e, true, X_STORE, RCX, RBX, NOREG,
	      (int32_t)offsetof(struct hart, jit_patch));
	op_rm(&e, true, X_STORE, RDX, RBX, NOREG,
	      (int32_t)offsetof(struct hart, jit_from));
	op_rm(&e, true, X_STORE, RAX, RBX, NOREG,
	      (int32_t)offsetof(struct hart, pc));
	op_rr(&e, true, X_MOV, RAX, R13);
	for (int i = (int)sizeof(saved) - 1; i >= 0; i--) {
		rex(&e, false, 0, 0, saved[i], false);
		x86_byte(&e, 0x58 + (saved[i] & 7));		/* pop */
	}
	x86_byte(&e, 0xc3);					/* ret */
	e.pos = (e.pos + 15) & ~(size_t)15;
	j->enter = e.pos;
	x86_byte(&e, 0xf3); x86_byte(&e, 0x0f); x86_byte(&e, 0x1e); x86_byte(&e, 0xfa);	/* endbr64 */
	for (unsigned i = 0; i < sizeof(saved); i++) {
		rex(&e, false, 0, 0, saved[i], false);
		x86_byte(&e, 0x50 + (saved[i] & 7));		/* push */
	}
	op_rr(&e, true, X_MOV, RBX, RDI);
	op_rr(&e, true, X_MOV, R13, RDX);
	x86_byte(&e, 0xff); x86_byte(&e, 0xe6);			/* jmp rsi */

	/* The jump table: rax the target pc, guest registers written back. */
	_Static_assert(sizeof(struct jit_jump) == 32 && JIT_JUMPS == 512,
		       "the index below is ((pc >> 1) & 511) * 32");
	e.pos = (e.pos + 15) & ~(size_t)15;
	j->jump_lookup = e.pos;
	op_rr(&e, false, X_MOV, RCX, RAX);
	shift_ri(&e, false, S_SHR, RCX, 1);
	op_ri(&e, false, G_AND, RCX, JIT_JUMPS - 1);
	shift_ri(&e, false, S_SHL, RCX, 5);
	op_rm(&e, true, X_CMP, RAX, RBX, RCX, jumps);
	x86_patch_rel32(&e, x86_jump(&e, CC_NE), j->exit_plain);
	op_rm(&e, true, X_MOV, RDX, RBX, NOREG,
	      (int32_t)offsetof(struct hart, jit_jump_gen));
	op_rm(&e, true, X_CMP, RDX, RBX, RCX, jumps + 16);
	x86_patch_rel32(&e, x86_jump(&e, CC_NE), j->exit_plain);
	op_rm(&e, false, 0xff, 4, RBX, RCX, jumps + 8);	/* jmp [...] */
	j->start = j->used = (e.pos + 15) & ~(size_t)15;
}

bool jit_available(void)
{
	return true;
}

int jit_create(struct hart *h)
{
	struct jit *j = calloc(1, sizeof(*j));
	int err;

	if (!j)
		return -ENOMEM;
	j->size = h->vm->cfg.jit_buffer ? h->vm->cfg.jit_buffer : JIT_BUF_SIZE;
	j->fd = memfd_create("norvm-jit", MFD_CLOEXEC);
	if (j->fd < 0 || ftruncate(j->fd, (off_t)j->size))
		goto fail;
	j->w = mmap(NULL, j->size, PROT_READ | PROT_WRITE, MAP_SHARED, j->fd, 0);
	if (j->w == MAP_FAILED)
		goto fail;
	j->x = mmap(NULL, j->size, PROT_READ | PROT_EXEC, MAP_SHARED, j->fd, 0);
	if (j->x == MAP_FAILED) {
		munmap(j->w, j->size);
		goto fail;
	}
	emit_glue(j);
	h->jit = j;
	h->jit_code = j->x;
	h->jit_threshold = h->vm->cfg.jit_threshold ? h->vm->cfg.jit_threshold :
			   JIT_THRESHOLD;
	return 0;
fail:
	err = -errno;
	if (j->fd >= 0)
		close(j->fd);
	free(j);
	return err;
}

void jit_destroy(struct hart *h)
{
	struct jit *j = h->jit;

	if (!j)
		return;
	munmap(j->w, j->size);
	munmap(j->x, j->size);
	close(j->fd);
	free(j);
	h->jit = NULL;
}

void jit_get_stats(const struct hart *h, struct jit_stats *s)
{
	*s = h->jit ? h->jit->stats : (struct jit_stats){ 0 };
}

#else	/* no code generator for this host: the interpreter runs alone */

bool jit_available(void)
{
	return false;
}

int jit_create(struct hart *h)
{
	return -ENOTSUP;
}

void jit_destroy(struct hart *h)
{
}

bool jit_translate(struct hart *h, struct insn *in, uint64_t pc)
{
	return true;
}

unsigned jit_run(struct hart *h, uint32_t block, unsigned left)
{
	return left;
}

void jit_link(struct hart *h, uint32_t target)
{
}

void jit_note_jump(struct hart *h, uint64_t pc, uint32_t block)
{
}

void jit_get_stats(const struct hart *h, struct jit_stats *s)
{
	*s = (struct jit_stats){ 0 };
}

#endif
