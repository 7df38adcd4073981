/*
 * Guest memory of the built-in CPU driven directly, without running guest
 * code: this file builds src/soft/mmu.c (the walker) itself, with a hook that lets
 * another "hart" change a PTE between the walker's read and its
 * compare-and-swap of A/D.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"

static unsigned races;		/* PTE changes still to make, one per swap */

static void race(uint64_t *ptep)
{
	if (races) {
		races--;
		__atomic_fetch_xor(ptep, 1ull << 8, __ATOMIC_SEQ_CST);	/* RSW */
	}
}

#define WALK_BEFORE_SWAP(ptep) race(ptep)
#include "soft/mmu.c"
#include "soft/tlb.h"

#define RAM_BASE	0x80000000ull
#define RAM_SIZE	(64u << 12)
#define VA		0x40000000ull

static struct vm vm;
static uint8_t *ram;

/* After a PMP write, what csr.c does: the new entries, no stale pages. */
static void pmp_written(struct hart *h)
{
	pmp_update(h);
	hart_tlb_flush(h);
}

static uint64_t *pte_at(unsigned page, unsigned index)
{
	return (uint64_t *)(ram + page * PAGE_SIZE) + index;
}

static uint64_t table(unsigned page)
{
	return ((RAM_BASE >> 12) + page) << 10 | PTE_V;
}

/* A hart in S-mode with Sv39 rooted at RAM page 0, PMP open: VA maps to
 * RAM page 3 through pages 1 and 2 with leaf flags `leaf`. */
static struct hart *setup(uint64_t leaf)
{
	struct hart *h;
	char err[256];

	memset(&vm, 0, sizeof(vm));
	vm.accel = &soft_accel_ops;
	vm.nharts = 1;
	memset(ram, 0, RAM_SIZE);
	CHECK_EQ(vm.accel->create(&vm, err, sizeof(err)), 0);
	CHECK_EQ(vm_set_memory_region(&vm, 0, RAM_BASE, RAM_SIZE, ram, 0), 0);
	*pte_at(0, 1) = table(1);
	*pte_at(1, 0) = table(2);
	*pte_at(2, 0) = ((RAM_BASE >> 12) + 3) << 10 | leaf;
	h = &soft_vm(&vm)->harts[0];
	h->priv = PRIV_S;
	h->satp = SATP_SV39 << 60 | RAM_BASE >> 12;
	h->pmpaddr[0] = ~0ull >> 10;
	h->pmpcfg[0] = 0x1f;			/* NAPOT, RWX: everything */
	pmp_written(h);
	return h;
}

/* A swap lost to a concurrent PTE change walks again and succeeds. */
static void test_lost_swap_walks_again(void)
{
	struct hart *h = setup(PTE_V | PTE_R | PTE_W);
	bool cacheable;
	uint64_t pa = 0;

	races = 1;
	CHECK(mmu_resolve(h, VA + 8, 8, ACCESS_WRITE, &pa, &cacheable));
	CHECK_EQ(races, 0);
	CHECK_EQ(pa, RAM_BASE + 3 * PAGE_SIZE + 8);
	CHECK_EQ(*pte_at(2, 0) & (PTE_A | PTE_D | 1ull << 8),
		 PTE_A | PTE_D | 1ull << 8);
	CHECK_EQ(h->mcause, 0);			/* no trap taken */
	vm.accel->destroy(&vm);
}

/* With A already set there is no swap, and nothing to lose. */
static void test_no_swap_when_set(void)
{
	struct hart *h = setup(PTE_V | PTE_R | PTE_A);
	uint64_t pa = 0;

	races = 1;
	CHECK(mmu_resolve(h, VA, 4, ACCESS_READ, &pa, NULL));
	CHECK_EQ(races, 1);
	CHECK_EQ(pa, RAM_BASE + 3 * PAGE_SIZE);
	vm.accel->destroy(&vm);
}

/* Slot changes reuse two preallocated tables: they cannot fail for lack
 * of memory while the guest runs. */
static void test_map_changes_preallocated(void)
{
	struct soft_vm *sv;
	struct slot_table *t;

	setup(PTE_V | PTE_R | PTE_A);
	sv = soft_vm(&vm);
	for (unsigned i = 0; i < 1000; i++) {
		CHECK_EQ(vm_set_memory_region(&vm, 5, 0x20000000,
					      i & 1 ? 0 : PAGE_SIZE, ram,
					      MEM_FLAG_READONLY), 0);
		t = atomic_load(&sv->table);
		CHECK(t == &sv->tables[0] || t == &sv->tables[1]);
		CHECK_EQ(find_slot(t, 0x20000000) != NULL, !(i & 1));
		CHECK(find_slot(t, RAM_BASE) != NULL);
	}
	vm.accel->destroy(&vm);
}

/* A slot change drops the decoded code of the range it touched, and
 * leaves the rest (RAM code) decoded; a hart too far behind drops all. */
static void test_map_change_drops_only_its_range(void)
{
	struct hart *h = setup(PTE_V | PTE_R | PTE_A);
	struct soft_vm *sv = soft_vm(&vm);
	struct dblock *ram_b, *rom_b;
	uint64_t gen0 = h->code_gen;

	CHECK_EQ(vm_set_memory_region(&vm, 5, 0x20000000, PAGE_SIZE, ram,
				      MEM_FLAG_READONLY), 0);
	hart_sync_map(h);
	ram_b = dcache_get(h, (RAM_BASE >> PAGE_SHIFT) + 1);
	rom_b = dcache_get(h, 0x20000000 >> PAGE_SHIFT);
	CHECK(ram_b && rom_b && ram_b != rom_b);
	ram_b->insns[0].op = OP_ADD;		/* "decoded" */
	rom_b->insns[0].op = OP_ADD;
	CHECK_EQ(vm_set_memory_region(&vm, 5, 0, 0, NULL, 0), 0);
	hart_sync_map(h);
	CHECK_EQ(h->code_gen, gen0);
	CHECK_EQ(dcache_get(h, (RAM_BASE >> PAGE_SHIFT) + 1)->insns[0].op, OP_ADD);
	CHECK_EQ(dcache_get(h, 0x20000000 >> PAGE_SHIFT)->insns[0].op,
		 OP_UNDECODED);
	for (unsigned i = 0; i <= MAP_LOG; i++)	/* more than the log holds */
		CHECK_EQ(vm_set_memory_region(&vm, 5, 0x20000000,
					      i & 1 ? 0 : PAGE_SIZE, ram,
					      MEM_FLAG_READONLY), 0);
	hart_sync_map(h);
	CHECK(h->code_gen != gen0);
	CHECK_EQ(atomic_load(&h->seen_gen), atomic_load(&sv->map_gen));
	vm.accel->destroy(&vm);
}

/*
 * A slot that appears leaves every translation in place (nothing cached
 * can be about a place no slot covered); a slot that goes takes them all,
 * and the code window with them.
 */
static void test_only_a_slot_gone_flushes(void)
{
	struct hart *h = setup(PTE_V | PTE_R | PTE_A);
	struct tlb_entry *e = &h->tlb_r[(RAM_BASE >> PAGE_SHIFT) & (TLB_SIZE - 1)];

	hart_sync_map(h);
	e->tag = RAM_BASE;
	h->win_base = RAM_BASE;
	CHECK_EQ(vm_set_memory_region(&vm, 5, 0x20000000, PAGE_SIZE, ram,
				      MEM_FLAG_READONLY), 0);
	hart_sync_map(h);
	CHECK_EQ(e->tag, RAM_BASE);
	CHECK_EQ(h->win_base, RAM_BASE);
	CHECK_EQ(vm_set_memory_region(&vm, 5, 0, 0, NULL, 0), 0);
	hart_sync_map(h);
	CHECK_EQ(e->tag, UINT64_MAX);
	CHECK_EQ(h->win_base, WIN_NONE);
	vm.accel->destroy(&vm);
}

/*
 * The RAM generated code may reach without the TLB: in the largest
 * writable slot (a larger read-only one, a flash bank, notwithstanding),
 * while data addresses are physical, the part the PMP lets the hart read
 * and write whole.
 */
static void test_ram_window(void)
{
	struct hart *h = setup(PTE_V | PTE_R | PTE_A);

	CHECK_EQ(vm_set_memory_region(&vm, 5, 0x20000000, 2 * RAM_SIZE, ram,
				      MEM_FLAG_READONLY), 0);
	hart_sync_map(h);
	CHECK_EQ(h->ram_end, 0);			/* S-mode, Sv39 */
	h->satp = 0;
	hart_tlb_flush(h);
	CHECK_EQ(h->ram_lo, RAM_BASE);			/* S-mode, bare */
	CHECK_EQ(h->ram_end, RAM_SIZE - 7);		/* 8 bytes fit below */
	CHECK(h->ram_host == ram);
	/* Firmware's way: the first 16 KiB denied to S, then everything. */
	h->pmpaddr[0] = (RAM_BASE >> 2) | (((16u << 10) >> 3) - 1);
	h->pmpcfg[0] = 0x18;				/* NAPOT, no access */
	h->pmpaddr[1] = ~0ull >> 10;
	h->pmpcfg[1] = 0x1f;
	pmp_written(h);
	CHECK_EQ(h->ram_lo, RAM_BASE + (16u << 10));
	CHECK_EQ(h->ram_end, RAM_SIZE - (16u << 10) - 7);
	CHECK(h->ram_host == ram + (16u << 10));
	h->pmpcfg[1] = 0x19;				/* R only */
	pmp_written(h);
	CHECK_EQ(h->ram_end, 0);
	h->priv = PRIV_M;				/* no locked entry */
	hart_tlb_flush(h);
	CHECK_EQ(h->ram_lo, RAM_BASE);
	CHECK_EQ(h->ram_end, RAM_SIZE - 7);
	h->mstatus |= MSTATUS_MPRV;
	hart_tlb_flush(h);
	CHECK_EQ(h->ram_end, 0);
	h->mstatus &= ~MSTATUS_MPRV;
	h->pmpcfg[0] = 0x80 | 0x18;			/* locked: M too */
	pmp_written(h);
	CHECK_EQ(h->ram_lo, RAM_BASE + (16u << 10));
	vm.accel->destroy(&vm);
}

int main(void)
{
	ram = aligned_alloc(PAGE_SIZE, RAM_SIZE);
	RUN(test_lost_swap_walks_again);
	RUN(test_no_swap_when_set);
	RUN(test_map_changes_preallocated);
	RUN(test_map_change_drops_only_its_range);
	RUN(test_only_a_slot_gone_flushes);
	RUN(test_ram_window);
	free(ram);
	return TEST_EXIT();
}
