/*
 * Loads, stores and atomics that missed the TLB: translated, then served
 * by a memory slot (filling the TLB) or by a device through an MMIO exit.
 */
#include "access.h"
#include "cpu.h"
#include "map.h"
#include "mmu.h"
#include "trap.h"

#ifdef __SANITIZE_THREAD__
/*
 * Not instrumented, and byte by byte through volatile pointers so no
 * memcpy interceptor sees the bytes either: these are the only accesses
 * ThreadSanitizer does not check.
 */
__attribute__((noinline, no_sanitize_thread))
void guest_read(void *dst, const void *guest, size_t n)
{
	const volatile uint8_t *g = guest;
	uint8_t *d = dst;

	for (size_t i = 0; i < n; i++)
		d[i] = g[i];
}

__attribute__((noinline, no_sanitize_thread))
void guest_write(void *guest, const void *src, size_t n)
{
	volatile uint8_t *g = guest;
	const uint8_t *s = src;

	for (size_t i = 0; i < n; i++)
		g[i] = s[i];
}
#endif

static void tlb_fill(struct tlb_entry *tlb, uint64_t va, uint64_t pa,
		     const struct slot *s)
{
	struct tlb_entry *e = &tlb[(va >> PAGE_SHIFT) & (TLB_SIZE - 1)];
	uint64_t vpage = va & ~PAGE_MASK, ppage = pa & ~PAGE_MASK;

	e->tag = vpage;
	e->addend = (uintptr_t)(s->host + (ppage - s->gpa)) - (uintptr_t)vpage;
}

static inline uint64_t low_bytes(uint64_t v, unsigned len)
{
	return len == 8 ? v : v & ((1ull << (8 * len)) - 1);
}

/* The memory slot that serves a data access at pa, or NULL for the bus. */
static const struct slot *data_slot(struct hart *h, uint64_t pa, bool write)
{
	const struct slot *s = find_slot(current_table(h), pa);

	return s && !(write && (s->flags & MEM_FLAG_READONLY)) ? s : NULL;
}

/* One physical access of len bytes, already translated and checked. */
static bool phys_access(struct hart *h, uint64_t pa, unsigned len, bool write,
			uint64_t *val)
{
	const struct slot *s = data_slot(h, pa, write);
	struct mmio_exit e;

	if (s) {
		if (write) {
			guest_write(s->host + (pa - s->gpa), val, len);
		} else {
			*val = 0;
			guest_read(val, s->host + (pa - s->gpa), len);
		}
		return true;
	}
	e = (struct mmio_exit){ .addr = pa, .len = (uint8_t)len,
				.data = write ? low_bytes(*val, len) : 0,
				.is_write = write };
	if (!hart_mmio(h, &e))
		return false;
	if (!write)
		*val = low_bytes(e.data, len);
	return true;
}

/*
 * An access across a page boundary: both parts are translated and
 * checked, and must reach memory or a device, before any byte moves, so a
 * faulting access has no effect.  Then it is done a byte at a time.
 */
static bool cross_page_access(struct hart *h, uint64_t va, unsigned len,
			      bool write, uint64_t *val)
{
	enum access acc = write ? ACCESS_WRITE : ACCESS_READ;
	unsigned first = (unsigned)(PAGE_SIZE - (va & PAGE_MASK));
	uint64_t pa[2], v = 0, b;

	for (unsigned part = 0; part < 2; part++) {
		uint64_t at = part ? va + first : va;
		unsigned n = part ? len - first : first;
		struct mmio_region *r;

		if (!mmu_resolve(h, at, n, acc, &pa[part], NULL))
			return false;
		if (data_slot(h, pa[part], write))
			continue;
		r = mmio_find(&h->vm->bus, pa[part]);
		if (!r || r != mmio_find(&h->vm->bus, pa[part] + n - 1)) {
			raise_exception(h, access_fault(acc), at);
			return false;
		}
	}
	for (unsigned i = 0; i < len; i++) {
		uint64_t at = i < first ? pa[0] + i : pa[1] + (i - first);

		b = write ? *val >> (8 * i) : 0;
		if (!phys_access(h, at, 1, write, &b)) {
			/* A device went away under us: fault, as hardware would. */
			raise_exception(h, access_fault(acc), va + i);
			return false;
		}
		v |= (b & 0xff) << (8 * i);
	}
	if (!write)
		*val = v;
	return true;
}

/*
 * Translate a data access that missed the TLB: through tlb_io when it
 * holds the page (a device's when cached), else by mmu_resolve(), caching the
 * result in the TLB for memory or in tlb_io for a device when it holds
 * for the whole page.  A slot can appear over a device page without a
 * flush, so a tlb_io hit that finds memory moves to the TLB.  False: a
 * fault was raised.
 */
static bool translate_slow(struct hart *h, uint64_t addr, unsigned len,
			   bool write, uint64_t *pa)
{
	struct tlb_entry *io = write ? h->tlb_io_w : h->tlb_io_r;
	struct tlb_entry *e = &io[(addr >> PAGE_SHIFT) & (IO_TLB_SIZE - 1)];
	const struct slot *s;
	bool cacheable;

	if (e->tag == (addr & ~PAGE_MASK)) {
		*pa = addr + e->addend;
		s = data_slot(h, *pa, write);
		if (s) {	/* memory now (a flash back in read-array) */
			tlb_fill(write ? h->tlb_w : h->tlb_r, addr, *pa, s);
			e->tag = UINT64_MAX;
		}
		return true;
	}
	if (!mmu_resolve(h, addr, len, write ? ACCESS_WRITE : ACCESS_READ, pa,
		     &cacheable))
		return false;
	if (!cacheable)
		return true;
	s = data_slot(h, *pa, write);
	if (s) {
		tlb_fill(write ? h->tlb_w : h->tlb_r, addr, *pa, s);
	} else {
		e->tag = addr & ~PAGE_MASK;
		e->addend = (*pa & ~PAGE_MASK) - (addr & ~PAGE_MASK);
	}
	return true;
}

bool mem_load_slow(struct hart *h, uint64_t addr, unsigned len, uint64_t *val)
{
	uint64_t pa;

	if (crosses_page(addr, len))
		return cross_page_access(h, addr, len, false, val);
	if (!translate_slow(h, addr, len, false, &pa))
		return false;
	if (!phys_access(h, pa, len, false, val)) {
		raise_exception(h, EXC_LOAD_ACCESS, addr);
		return false;
	}
	return true;
}

bool mem_store_slow(struct hart *h, uint64_t addr, unsigned len, uint64_t val)
{
	uint64_t pa;

	if (crosses_page(addr, len))
		return cross_page_access(h, addr, len, true, &val);
	if (!translate_slow(h, addr, len, true, &pa))
		return false;
	if (!phys_access(h, pa, len, true, &val)) {
		raise_exception(h, EXC_STORE_ACCESS, addr);
		return false;
	}
	return true;
}

/*
 * Host address for an AMO, LR or SC.  They need naturally aligned guest
 * RAM (LR may also read a read-only slot); anything else faults.  PMP
 * cannot grant W without R, so the write check covers both.
 */
void *mem_amo_ptr(struct hart *h, uint64_t addr, unsigned len, bool is_lr)
{
	const struct slot *s;
	uint64_t pa;

	if (addr & (len - 1)) {
		raise_exception(h, is_lr ? EXC_LOAD_MISALIGNED :
				EXC_STORE_MISALIGNED, addr);
		return NULL;
	}
	if (!mmu_resolve(h, addr, len, is_lr ? ACCESS_READ : ACCESS_WRITE, &pa,
		     NULL))
		return NULL;
	s = data_slot(h, pa, !is_lr);
	if (!s) {
		raise_exception(h, is_lr ? EXC_LOAD_ACCESS : EXC_STORE_ACCESS,
				addr);
		return NULL;
	}
	return s->host + (pa - s->gpa);
}
