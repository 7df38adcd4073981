/*
 * Physical memory protection: 16 entries, 4-byte granularity (G = 0, so
 * NA4 is available), OFF/TOR/NA4/NAPOT, with the privileged
 * specification's rules:
 *
 * - the lowest-numbered entry that matches any byte of an access decides
 *   it, and must match every byte, or the access fails;
 * - S- and U-mode accesses need the entry's R/W/X bit, and fail when no
 *   entry matches (entries are implemented);
 * - M-mode accesses are checked only against locked entries, and succeed
 *   when no entry matches.
 *
 * The software TLB and the code window cache whole pages, so a check also
 * says whether its answer holds for the whole page: it does when the
 * first entry that touches the page covers all of it, or none touches it.
 * Translations are dropped on every PMP write and privilege change.
 */
#include "cpu.h"
#include "pmp.h"

enum { PMP_OFF, PMP_TOR, PMP_NA4, PMP_NAPOT };

#define PMP_R		0x01u
#define PMP_W		0x02u
#define PMP_X		0x04u
#define PMP_A(cfg)	(((cfg) >> 3) & 3u)

/* The bytes [lo, hi) entry i matches; false when it matches none. */
static bool entry_range(const struct hart *h, unsigned i, uint64_t *lo,
			uint64_t *hi)
{
	uint64_t a = h->pmpaddr[i];
	unsigned ones;

	switch (PMP_A(h->pmpcfg[i])) {
	case PMP_TOR:
		*lo = i ? h->pmpaddr[i - 1] << 2 : 0;
		*hi = a << 2;
		return *lo < *hi;
	case PMP_NA4:
		*lo = a << 2;
		*hi = *lo + 4;
		return true;
	case PMP_NAPOT:
		/* pmpaddr holds 54 bits, so ~a has a zero below bit 55. */
		ones = (unsigned)__builtin_ctzll(~a);
		*lo = (a & ~((1ull << ones) - 1)) << 2;
		*hi = *lo + (1ull << (ones + 3));
		return true;
	default:
		return false;
	}
}

static bool entry_allows(uint8_t cfg, enum access acc, enum priv priv)
{
	static const uint8_t need[] = {
		[ACCESS_READ] = PMP_R, [ACCESS_WRITE] = PMP_W,
		[ACCESS_FETCH] = PMP_X,
	};

	if (priv == PRIV_M && !(cfg & PMP_L))
		return true;
	return cfg & need[acc];
}

/*
 * The decision for the bytes [lo, hi).  *whole is false when the first
 * entry that touches the range covers only part of it (the access then
 * fails, and a page could not be cached as one).
 */
static bool decide(const struct hart *h, uint64_t lo, uint64_t hi,
		   enum access acc, enum priv priv, bool *whole)
{
	*whole = true;
	for (unsigned i = 0; i < h->pmp_n; i++) {
		const struct pmp_range *r = &h->pmp[i];

		if (r->hi <= lo || r->lo >= hi)
			continue;
		if (r->lo > lo || r->hi < hi) {
			*whole = false;
			return false;
		}
		return entry_allows(r->cfg, acc, priv);
	}
	return priv == PRIV_M;
}

bool pmp_check(const struct hart *h, uint64_t pa, unsigned len,
	       enum access acc, enum priv priv, bool *page_ok)
{
	uint64_t page = pa & ~PAGE_MASK;
	bool whole, ok;

	if (priv == PRIV_M && !h->pmp_locked) {
		if (page_ok)
			*page_ok = true;
		return true;
	}
	ok = decide(h, page, page + PAGE_SIZE, acc, priv, &whole);
	if (page_ok)
		*page_ok = whole;
	if (whole)
		return ok;
	return decide(h, pa, pa + len, acc, priv, &whole);
}

/*
 * Narrow [*lo, *hi) to a range where every access the hart's privilege
 * makes is decided by one entry that lets it read and write (or, in
 * M-mode, by none); false when nothing is left.  An entry that touches
 * the range without covering it takes its part away, and the larger
 * remaining side is kept.
 */
bool pmp_rw_range(const struct hart *h, uint64_t *lo, uint64_t *hi)
{
	enum priv priv = h->priv;

	if (priv == PRIV_M && !h->pmp_locked)
		return true;
	for (unsigned i = 0; i < h->pmp_n && *lo < *hi; i++) {
		const struct pmp_range *r = &h->pmp[i];
		uint64_t below, above;

		if (r->hi <= *lo || r->lo >= *hi)
			continue;
		if (r->lo <= *lo && r->hi >= *hi)
			return entry_allows(r->cfg, ACCESS_READ, priv) &&
			       entry_allows(r->cfg, ACCESS_WRITE, priv);
		below = r->lo > *lo ? r->lo - *lo : 0;
		above = r->hi < *hi ? *hi - r->hi : 0;
		if (below >= above)
			*hi = r->lo;
		else
			*lo = r->hi;
	}
	return *lo < *hi && priv == PRIV_M;
}

/* After a PMP write: the active entries in order (the caller drops
 * the translations the old ones allowed). */
void pmp_update(struct hart *h)
{
	struct pmp_range r;

	h->pmp_n = 0;
	h->pmp_locked = false;
	for (unsigned i = 0; i < PMP_ENTRIES; i++) {
		if (!entry_range(h, i, &r.lo, &r.hi))
			continue;
		r.cfg = h->pmpcfg[i];
		h->pmp[h->pmp_n++] = r;
		if (r.cfg & PMP_L)
			h->pmp_locked = true;
	}
}

/* May software write pmpaddr[i]?  Not when locked, nor under a locked TOR. */
bool pmp_addr_writable(const struct hart *h, unsigned i)
{
	if (h->pmpcfg[i] & PMP_L)
		return false;
	return i + 1 >= PMP_ENTRIES || !(h->pmpcfg[i + 1] & PMP_L) ||
	       PMP_A(h->pmpcfg[i + 1]) != PMP_TOR;
}
