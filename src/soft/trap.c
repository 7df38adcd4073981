/*
 * Traps for the built-in CPU: exceptions, interrupts (their priority and
 * delegation) and the return from a trap (MRET, SRET).
 */
#include <inttypes.h>
#include <stdio.h>

#include "cpu.h"
#include "tlb.h"
#include "trap.h"

uint64_t hart_mip(struct hart *h)
{
	uint64_t cmp = atomic_load_explicit(&h->mtimecmp, memory_order_relaxed);
	uint64_t mip = h->mip_sw |
		atomic_load_explicit(&h->mip_ext, memory_order_relaxed);

	if (cmp != UINT64_MAX && hart_time(h) >= cmp)
		mip |= MIP_MTIP;
	return mip;
}

/*
 * The privilege or mstatus may have changed: when what translations
 * depend on did (the privilege; MPRV, with MPP while it is set; SUM, MXR),
 * cached translations go, as they hold the page-table and PMP checks of
 * the old context.  Interrupt enables and the like keep them.
 */
void hart_context_changed(struct hart *h, enum priv priv, uint64_t mstatus)
{
	uint64_t d = h->mstatus ^ mstatus;

	if (h->priv != priv || (d & (MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR)) ||
	    ((h->mstatus & MSTATUS_MPRV) && (d & MSTATUS_MPP)))
		hart_tlb_flush(h);
}

static void trap_enter(struct hart *h, uint64_t cause, uint64_t tval,
		       bool to_s)
{
	bool irq = cause >> 63;
	uint64_t code = cause & 63, mstatus = h->mstatus;
	enum priv priv = h->priv;

	h->resv_valid = false;
	h->wfi = false;
	if (to_s) {
		h->sepc = h->pc;
		h->scause = cause;
		h->stval = tval;
		h->mstatus &= ~(MSTATUS_SPIE | MSTATUS_SPP);
		if (h->mstatus & MSTATUS_SIE)
			h->mstatus |= MSTATUS_SPIE;
		if (h->priv == PRIV_S)
			h->mstatus |= MSTATUS_SPP;
		h->mstatus &= ~MSTATUS_SIE;
		h->priv = PRIV_S;
		h->pc = (h->stvec & ~3ull) +
			((irq && (h->stvec & 1)) ? 4 * code : 0);
	} else {
		h->mepc = h->pc;
		h->mcause = cause;
		h->mtval = tval;
		h->mstatus &= ~(MSTATUS_MPIE | MSTATUS_MPP);
		if (h->mstatus & MSTATUS_MIE)
			h->mstatus |= MSTATUS_MPIE;
		h->mstatus |= (uint64_t)h->priv << MSTATUS_MPP_SHIFT;
		h->mstatus &= ~MSTATUS_MIE;
		h->priv = PRIV_M;
		h->pc = (h->mtvec & ~3ull) +
			((irq && (h->mtvec & 1)) ? 4 * code : 0);
	}
	hart_context_changed(h, priv, mstatus);
	/*
	 * The handler's first instruction is the one that could not be
	 * fetched, in the same mode: this trap repeats for ever, and nothing
	 * the hart runs can end it (no device appears; only the hart changes
	 * its PMP).  End the VM with a clear line instead of spinning.
	 */
	if (!irq && code == EXC_INSN_ACCESS && h->priv == priv && h->pc == tval &&
	    !h->stuck) {
		h->stuck = true;	/* said once; the stop ends the loop */
		fprintf(stderr, "norvm: hart %u is stuck: its trap handler at 0x%" PRIx64
			" (%s) cannot be fetched, so every trap traps again; stopping\n",
			h->id, h->pc, to_s ? "stvec" : "mtvec");
		vm_request_exit(h->vm, VM_EXIT_ERROR, 1);
	}
}

void raise_exception(struct hart *h, uint64_t cause, uint64_t tval)
{
	bool to_s = h->priv <= PRIV_S && ((h->medeleg >> cause) & 1);

	trap_enter(h, cause, tval, to_s);
}

/* Highest-priority interrupt of a set: MEI, MSI, MTI, SEI, SSI, STI. */
static int highest(uint64_t set)
{
	static const uint8_t order[] = {
		IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER,
		IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER
	};

	for (unsigned i = 0; i < sizeof(order); i++)
		if (set & (1ull << order[i]))
			return order[i];
	return -1;
}

bool take_interrupt(struct hart *h)
{
	uint64_t pending = hart_mip(h) & h->mie;
	uint64_t m_set, s_set;
	bool m_on, s_on;
	int irq;

	if (!pending)
		return false;
	m_on = h->priv < PRIV_M || (h->mstatus & MSTATUS_MIE);
	s_on = h->priv < PRIV_S ||
	       (h->priv == PRIV_S && (h->mstatus & MSTATUS_SIE));
	m_set = m_on ? pending & ~h->mideleg : 0;
	s_set = s_on ? pending & h->mideleg : 0;
	if (m_set) {
		irq = highest(m_set);
		trap_enter(h, (1ull << 63) | (uint64_t)irq, 0, false);
		return true;
	}
	if (s_set) {
		irq = highest(s_set);
		trap_enter(h, (1ull << 63) | (uint64_t)irq, 0, true);
		return true;
	}
	return false;
}

bool do_mret(struct hart *h)
{
	enum priv mpp, priv = h->priv;
	uint64_t mstatus = h->mstatus;

	if (h->priv < PRIV_M) {
		raise_exception(h, EXC_ILLEGAL, 0x30200073);
		return false;
	}
	mpp = (enum priv)((h->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);
	h->mstatus &= ~(MSTATUS_MIE | MSTATUS_MPP);
	if (h->mstatus & MSTATUS_MPIE)
		h->mstatus |= MSTATUS_MIE;
	h->mstatus |= MSTATUS_MPIE;
	if (mpp != PRIV_M)
		h->mstatus &= ~MSTATUS_MPRV;
	h->priv = mpp;
	h->pc = h->mepc;
	h->resv_valid = false;
	hart_context_changed(h, priv, mstatus);
	return true;
}

bool do_sret(struct hart *h)
{
	enum priv priv = h->priv;
	uint64_t mstatus = h->mstatus;

	if (h->priv < PRIV_S ||
	    (h->priv == PRIV_S && (h->mstatus & MSTATUS_TSR))) {
		raise_exception(h, EXC_ILLEGAL, 0x10200073);
		return false;
	}
	h->priv = (h->mstatus & MSTATUS_SPP) ? PRIV_S : PRIV_U;
	h->mstatus &= ~(MSTATUS_SIE | MSTATUS_SPP | MSTATUS_MPRV);
	if (h->mstatus & MSTATUS_SPIE)
		h->mstatus |= MSTATUS_SIE;
	h->mstatus |= MSTATUS_SPIE;
	h->pc = h->sepc;
	h->resv_valid = false;
	hart_context_changed(h, priv, mstatus);
	return true;
}
