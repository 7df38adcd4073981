/*
 * The built-in RV64GC CPU: per-hart state and the pieces the interpreter
 * is made of.  Everything here is private to src/soft/.
 *
 * Guest memory follows accel.h: a slot table, looked up only on a software
 * TLB miss.  Code is decoded once per guest-physical page into a block of
 * `struct insn`, one entry per 2-byte parcel, filled lazily.
 */
#ifndef NORVM_SOFT_CPU_H
#define NORVM_SOFT_CPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ops.h"
#include "vm.h"

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1ull << PAGE_SHIFT)
#define PAGE_MASK	(PAGE_SIZE - 1)

enum priv { PRIV_U = 0, PRIV_S = 1, PRIV_M = 3 };

/* Exception causes. */
enum {
	EXC_INSN_MISALIGNED = 0,
	EXC_INSN_ACCESS = 1,
	EXC_ILLEGAL = 2,
	EXC_BREAKPOINT = 3,
	EXC_LOAD_MISALIGNED = 4,
	EXC_LOAD_ACCESS = 5,
	EXC_STORE_MISALIGNED = 6,
	EXC_STORE_ACCESS = 7,
	EXC_ECALL_U = 8,
	EXC_ECALL_S = 9,
	EXC_ECALL_M = 11,
	EXC_INSN_PAGE_FAULT = 12,
	EXC_LOAD_PAGE_FAULT = 13,
	EXC_STORE_PAGE_FAULT = 15,
};

enum access { ACCESS_READ, ACCESS_WRITE, ACCESS_FETCH };

/* The access fault an access of this kind raises. */
static inline unsigned access_fault(enum access acc)
{
	return acc == ACCESS_READ ? EXC_LOAD_ACCESS :
	       acc == ACCESS_WRITE ? EXC_STORE_ACCESS : EXC_INSN_ACCESS;
}

static inline bool crosses_page(uint64_t addr, unsigned len)
{
	return (addr & PAGE_MASK) + len > PAGE_SIZE;
}

#define SATP_SV39	8ull

/* mstatus fields. */
#define MSTATUS_SIE	(1ull << 1)
#define MSTATUS_MIE	(1ull << 3)
#define MSTATUS_SPIE	(1ull << 5)
#define MSTATUS_MPIE	(1ull << 7)
#define MSTATUS_SPP	(1ull << 8)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP	(3ull << MSTATUS_MPP_SHIFT)
#define MSTATUS_MPRV	(1ull << 17)
#define MSTATUS_SUM	(1ull << 18)
#define MSTATUS_MXR	(1ull << 19)
#define MSTATUS_TVM	(1ull << 20)
#define MSTATUS_TW	(1ull << 21)
#define MSTATUS_TSR	(1ull << 22)
#define MSTATUS_FS	(3ull << 13)	/* 3: Dirty */
#define MSTATUS_UXL	(3ull << 32)
#define MSTATUS_SXL	(3ull << 34)
#define MSTATUS_SD	(1ull << 63)

#define PMP_ENTRIES	16
#define PMP_L		0x80u

#define MIP_SSIP	(1ull << IRQ_S_SOFT)
#define MIP_MSIP	(1ull << IRQ_M_SOFT)
#define MIP_STIP	(1ull << IRQ_S_TIMER)
#define MIP_MTIP	(1ull << IRQ_M_TIMER)
#define MIP_SEIP	(1ull << IRQ_S_EXT)
#define MIP_MEIP	(1ull << IRQ_M_EXT)

/*
 * One decoded instruction.  rd is never 0: writes to x0 go to a sink
 * register (x[32]) so the interpreter needs no test for it.
 */
struct insn {
	uint8_t op;
	uint8_t rd, rs1, rs2;
	int32_t imm;
	uint8_t len;		/* 2 or 4 */
	int16_t aux;		/* FP loads and stores: the offset */
	uint32_t jit;		/* a translated block starting here (jit.h) */
};

#define REG_SINK 32

#define BLOCK_INSNS (PAGE_SIZE / 2)

/* The decoded code of one guest-physical page. */
struct dblock {
	uint64_t ppn;		/* UINT64_MAX: unused */
	uint64_t gen;		/* stale when != hart->code_gen */
	struct insn insns[BLOCK_INSNS + 2];	/* + OP_REFETCH x 2 */
};

#define DCACHE_SIZE	1024	/* blocks per hart, direct-mapped by ppn */
#define JIT_JUMPS	512	/* jump targets per hart (jit.h) */
#define TLB_SIZE	256
#define IO_TLB_SIZE	64

struct tlb_entry {
	uint64_t tag;		/* the page's virtual address, UINT64_MAX: empty */
	uintptr_t addend;	/* host address = addend + guest address */
};

struct slot {
	uint64_t gpa, size;
	uint8_t *host;
	uint32_t flags;
};

/* A snapshot of the slot table, never changed while it is current. */
struct slot_table {
	unsigned n;
	struct slot slots[ACCEL_MAX_SLOTS];	/* only the used ones */
	struct slot by_id[ACCEL_MAX_SLOTS];	/* indexed by slot number */
};

struct soft_vm;

#define MAP_LOG	16	/* slot changes a hart can catch up on in detail */

struct hart {
	uint64_t x[33];		/* x[32] is the sink for writes to x0 */
	uint64_t pc;
	uint64_t f[32];		/* single precision NaN-boxed */
	uint8_t fflags, frm;
	unsigned id;
	enum priv priv;
	struct vm *vm;
	struct soft_vm *sv;

	/* CSRs */
	uint64_t mstatus, misa, medeleg, mideleg, mie, mip_sw;
	uint64_t mtvec, mscratch, mepc, mcause, mtval;
	uint64_t stvec, sscratch, sepc, scause, stval, satp;
	uint32_t mcounteren, scounteren, mcountinhibit;
	/*
	 * mcycle ([0]: a cycle per instruction) and minstret ([1]) follow
	 * instret, each with its own offset, and hold their value while
	 * their mcountinhibit bit (CY, IR) stops them.
	 */
	uint64_t count_offset[2], count_held[2];
	uint8_t pmpcfg[PMP_ENTRIES];
	uint64_t pmpaddr[PMP_ENTRIES];
	struct pmp_range {		/* the active entries, in order */
		uint64_t lo, hi;	/* bytes [lo, hi) */
		uint8_t cfg;
	} pmp[PMP_ENTRIES];
	unsigned pmp_n;
	bool pmp_locked;		/* some active entry binds M-mode */

	uint64_t instret;
	/*
	 * The virtual clock (--clock virtual): this hart's instructions since
	 * the VM started, published for every thread (vtime_base: those
	 * before the last reset), and whether it sleeps in WFI with its timer
	 * armed, for the skip ahead (accel.c).
	 */
	atomic_uint_fast64_t vtime;
	uint64_t vtime_base;
	atomic_bool asleep_armed;

	/* Written by other threads: device interrupt lines and the timer. */
	atomic_uint_fast64_t mip_ext;
	_Atomic uint64_t mtimecmp;
	bool mtip;			/* last timer comparison */

	/* LR/SC reservation */
	uint64_t resv_addr, resv_val;
	bool resv_valid;

	/* The current code window: the decoded block of pc's page. */
	uint64_t win_base;		/* guest virtual page base, or WIN_NONE */
	struct insn *win;
	uint8_t *win_host;		/* host address of that page */
	struct insn tmp[3];		/* uncached code; then OP_REFETCH */

	/* Software TLB for loads and stores. */
	struct tlb_entry tlb_r[TLB_SIZE];
	struct tlb_entry tlb_w[TLB_SIZE];
	/* Device pages' translations (addend: physical - virtual page), so
	 * that a device access under paging skips the walk. */
	struct tlb_entry tlb_io_r[IO_TLB_SIZE], tlb_io_w[IO_TLB_SIZE];
	/*
	 * Guest RAM that generated code may reach without the TLB, while
	 * data addresses are physical (M-mode without MPRV, or satp bare):
	 * the part of RAM the PMP lets the hart read and write whole.  An
	 * access of up to 8 bytes at guest-physical ram_lo + off, off <
	 * ram_end, is at ram_host + off; ram_end is 0 when there is none.
	 * Set again with every TLB flush and slot change.
	 */
	uint64_t ram_lo, ram_end;
	uint8_t *ram_host;
	/* ...and for the code window: virtual page -> cacheable code page. */
	struct code_tlb_entry {
		uint64_t tag;		/* the page's virtual address, UINT64_MAX: empty */
		uint64_t ppn;		/* guest physical page number */
		uint8_t *host;		/* host address of that page */
	} tlb_x[TLB_SIZE];

	struct dblock *dcache[DCACHE_SIZE];
	uint64_t dcache_key[DCACHE_SIZE];	/* each one's ppn + 1, 0: none */
	uint64_t dcache_min, dcache_max;	/* the keys' span, or wider */
	uint64_t code_gen;

	/* The code generator (jit.h); NULL: the interpreter runs alone. */
	struct jit *jit;
	const uint8_t *jit_code;	/* its code buffer, executable view */
	uint8_t *jit_patch;		/* the exit a block just took */
	uint8_t *jit_from;		/* ...and that block's code */
	unsigned jit_threshold;		/* runs before translating */
	/*
	 * Where generated code finds the block of a computed or cross-page
	 * target: virtual pc -> code, valid while gen == jit_jump_gen, which
	 * every change of translations or decoded code advances.
	 */
	uint64_t jit_jump_gen;
	struct jit_jump {
		uint64_t pc;
		uint8_t *code;
		uint64_t gen, pad;
	} jit_jumps[JIT_JUMPS];

	/* Set by slow paths: leave the block after this instruction. */
	bool end_block;
	bool stuck;			/* traps into a handler it cannot fetch */

	/* Memory-map changes: seen_gen trails sv->map_gen until flushed. */
	atomic_uint_fast64_t seen_gen;
	atomic_bool in_guest;

	/* Debugging (debug.c). */
	uint64_t dbg_skip;		/* resumed at this breakpoint: run it */
	bool dbg_break;			/* stopped at a breakpoint */
	bool dbg_watch;			/* an access hit a watchpoint */
	uint64_t dbg_watch_addr;
	int dbg_watch_kind;
	struct insn dbg_insn;		/* OP_DEBUG_BREAK */

	/* WFI sleeping */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool wfi;
};

/* Not page aligned, so no pc's page base ever equals it. */
#define WIN_NONE 1

struct soft_vm {
	struct vm *vm;
	unsigned nharts;
	struct hart *harts;

	pthread_mutex_t map_lock;		/* serialises slot changes */
	/* A slot change sleeps here until the harts have caught up. */
	pthread_mutex_t ack_lock;
	pthread_cond_t ack_cond;
	pthread_cond_t done_cond;	/* harts that caught up sleep here */
	atomic_bool waiting;
	_Atomic(struct slot_table *) table;	/* one of tables[] */
	/* What recent changes touched, so harts drop only that. */
	struct map_change {
		atomic_uint_fast64_t gen;	/* the change's map_gen */
		atomic_uint_fast64_t lo, hi;	/* guest-physical [lo, hi) */
	} changes[MAP_LOG];
	struct slot_table tables[2];
	atomic_uint_fast64_t map_gen;

	/* The virtual clock: WFI skipped it ahead by this much. */
	bool clock_virtual;
	atomic_uint_fast64_t vtime_skip;
	atomic_uint asleep;		/* harts in WFI */
	pthread_mutex_t clock_lock;	/* serialises skips */

	/* Debugging: harts park at their next boundary while stop_req. */
	atomic_bool stop_req;
	atomic_bool debug_active;	/* breakpoints or watchpoints set */
	struct soft_debug *dbg;
	struct debug_points *points;	/* dbg's, for fetches and accesses */
};

static inline struct soft_vm *soft_vm(struct vm *vm)
{
	return vm->accel_priv;
}

/* The slot table a hart sees now. */
static inline struct slot_table *current_table(struct hart *h)
{
	return atomic_load_explicit(&h->sv->table, memory_order_acquire);
}

/* The slot that holds guest-physical pa, or NULL. */
static inline const struct slot *find_slot(const struct slot_table *t,
					   uint64_t pa)
{
	for (unsigned i = 0; i < t->n; i++)
		if (pa - t->slots[i].gpa < t->slots[i].size)
			return &t->slots[i];
	return NULL;
}

/*
 * Plain accesses to guest memory.  Harts share it without host locks, as
 * hardware does, and order their accesses with the guest's own FENCEs and
 * AMOs (host atomics).  A ThreadSanitizer build leaves exactly these two
 * uninstrumented; every other access, devices reached through MMIO
 * included, is checked.
 */
#ifdef __SANITIZE_THREAD__
void guest_read(void *dst, const void *guest, size_t n);
void guest_write(void *guest, const void *src, size_t n);
#else
static inline void guest_read(void *dst, const void *guest, size_t n)
{
	memcpy(dst, guest, n);
}

static inline void guest_write(void *guest, const void *src, size_t n)
{
	memcpy(guest, src, n);
}
#endif

/* Publish this hart's instruction count to the virtual clock. */
static inline void hart_publish_time(struct hart *h)
{
	if (h->sv->clock_virtual)
		atomic_store_explicit(&h->vtime, h->vtime_base + h->instret,
				      memory_order_relaxed);
}

/* Machine time as this hart sees it now (its own count published first). */
static inline uint64_t hart_time(struct hart *h)
{
	hart_publish_time(h);
	return vm_mtime(h->vm);
}

#endif
