/*
 * Control and status registers of the built-in CPU: the privileged
 * architecture's version 1.11 CSR set (traps themselves are in trap.c).
 */
#include <string.h>

#include "cpu.h"
#include "csr.h"
#include "pmp.h"
#include "tlb.h"
#include "trap.h"

#define MISA_VALUE	((2ull << 62) | (1u << ('A' - 'A')) | \
			 (1u << ('C' - 'A')) | (1u << ('D' - 'A')) | \
			 (1u << ('F' - 'A')) | (1u << ('I' - 'A')) | \
			 (1u << ('M' - 'A')) | (1u << ('S' - 'A')) | \
			 (1u << ('U' - 'A')))
#define XLEN_FIELDS	((2ull << 32) | (2ull << 34))	/* UXL = SXL = 64 */

#define MSTATUS_WRITABLE (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | \
			  MSTATUS_MPIE | MSTATUS_SPP | MSTATUS_MPP | \
			  MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | \
			  MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR | MSTATUS_FS)
#define SSTATUS_WRITABLE (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | \
			  MSTATUS_SUM | MSTATUS_MXR | MSTATUS_FS)
#define SSTATUS_READABLE (SSTATUS_WRITABLE | MSTATUS_UXL | MSTATUS_SD)

#define MEDELEG_WRITABLE 0xb3ffull	/* not ecall-from-M, not reserved */
#define MIDELEG_WRITABLE (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define MIE_WRITABLE	 (MIDELEG_WRITABLE | MIP_MSIP | MIP_MTIP | MIP_MEIP)
#define MIP_SW_WRITABLE	 (MIP_SSIP | MIP_STIP | MIP_SEIP)

#define PMP_ADDR_MASK	((1ull << 54) - 1)

enum {
	CSR_FFLAGS = 0x001, CSR_FRM = 0x002, CSR_FCSR = 0x003,
	CSR_SSTATUS = 0x100, CSR_SIE = 0x104, CSR_STVEC = 0x105,
	CSR_SCOUNTEREN = 0x106, CSR_SSCRATCH = 0x140, CSR_SEPC = 0x141,
	CSR_SCAUSE = 0x142, CSR_STVAL = 0x143, CSR_SIP = 0x144,
	CSR_SATP = 0x180,
	CSR_MSTATUS = 0x300, CSR_MISA = 0x301, CSR_MEDELEG = 0x302,
	CSR_MIDELEG = 0x303, CSR_MIE = 0x304, CSR_MTVEC = 0x305,
	CSR_MCOUNTEREN = 0x306, CSR_MCOUNTINHIBIT = 0x320,
	CSR_MSCRATCH = 0x340, CSR_MEPC = 0x341, CSR_MCAUSE = 0x342,
	CSR_MTVAL = 0x343, CSR_MIP = 0x344,
	CSR_PMPCFG0 = 0x3a0, CSR_PMPADDR0 = 0x3b0,
	CSR_TSELECT = 0x7a0, CSR_TDATA1 = 0x7a1, CSR_TDATA2 = 0x7a2,
	CSR_TDATA3 = 0x7a3, CSR_TINFO = 0x7a4,
	CSR_MCYCLE = 0xb00, CSR_MINSTRET = 0xb02,
	CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02,
	CSR_MVENDORID = 0xf11, CSR_MARCHID = 0xf12, CSR_MIMPID = 0xf13,
	CSR_MHARTID = 0xf14,
};

void hart_reset_csrs(struct hart *h)
{
	h->priv = PRIV_M;
	h->mstatus = 0;
	h->misa = MISA_VALUE;
	h->medeleg = h->mideleg = h->mie = h->mip_sw = 0;
	h->mtvec = h->mscratch = h->mepc = h->mcause = h->mtval = 0;
	h->stvec = h->sscratch = h->sepc = h->scause = h->stval = 0;
	h->satp = 0;
	h->mcounteren = h->scounteren = h->mcountinhibit = 0;
	memset(h->count_offset, 0, sizeof(h->count_offset));
	memset(h->count_held, 0, sizeof(h->count_held));
	for (unsigned i = 0; i < PMP_ENTRIES; i++) {
		h->pmpcfg[i] = 0;
		h->pmpaddr[i] = 0;
	}
	h->pmp_n = 0;
	h->pmp_locked = false;
	h->instret = 0;
	memset(h->f, 0, sizeof(h->f));
	h->fflags = h->frm = 0;
	h->resv_valid = false;
	h->wfi = false;
	h->stuck = false;
}

/* cycle, time, instret and hpmcounters below M: mcounteren/scounteren. */
static bool counter_allowed(struct hart *h, unsigned n)
{
	if (h->priv < PRIV_M && !((h->mcounteren >> n) & 1))
		return false;
	if (h->priv < PRIV_S && !((h->scounteren >> n) & 1))
		return false;
	return true;
}

/* instret as the current instruction sees it: those before it. */
static uint64_t instret_now(struct hart *h)
{
	return h->instret;
}

/* mcountinhibit's bit for counter i (0 mcycle, 1 minstret): CY, IR. */
static uint32_t inhibit_bit(unsigned i)
{
	return i ? 4u : 1u;
}

static uint64_t counter_read(struct hart *h, unsigned i)
{
	if (h->mcountinhibit & inhibit_bit(i))
		return h->count_held[i];
	return instret_now(h) + h->count_offset[i];
}

/*
 * A write takes effect after the writing instruction, which a running
 * counter counts: the next instruction reads `v`.
 */
static void counter_write(struct hart *h, unsigned i, uint64_t v)
{
	if (h->mcountinhibit & inhibit_bit(i))
		h->count_held[i] = v;
	else
		h->count_offset[i] = v - (instret_now(h) + 1);
}

/* mcountinhibit: a counter it stops holds its value, one it starts goes
 * on from there (the writing instruction counted while it ran). */
static void set_inhibit(struct hart *h, uint32_t v)
{
	for (unsigned i = 0; i < 2; i++) {
		uint32_t bit = inhibit_bit(i);

		if ((v & bit) && !(h->mcountinhibit & bit))
			h->count_held[i] = instret_now(h) + 1 + h->count_offset[i];
		else if (!(v & bit) && (h->mcountinhibit & bit))
			h->count_offset[i] = h->count_held[i] - (instret_now(h) + 1);
	}
	h->mcountinhibit = v;
}

/* mstatus as read: SD summarises a dirty FS. */
static uint64_t status(const struct hart *h)
{
	uint64_t sd = (h->mstatus & MSTATUS_FS) == MSTATUS_FS ? MSTATUS_SD : 0;

	return h->mstatus | XLEN_FIELDS | sd;
}

static bool csr_read(struct hart *h, unsigned csr, uint64_t *v)
{
	if (csr >= CSR_CYCLE && csr <= CSR_CYCLE + 31) {
		unsigned n = csr - CSR_CYCLE;

		if (!counter_allowed(h, n))
			return false;
		*v = n == 0 ? counter_read(h, 0) :
		     n == 1 ? hart_time(h) :
		     n == 2 ? counter_read(h, 1) : 0;
		return true;
	}
	if (csr >= CSR_PMPCFG0 && csr < CSR_PMPCFG0 + 16) {
		unsigned first = (csr - CSR_PMPCFG0) * 4;

		if (csr & 1)
			return false;	/* odd pmpcfg do not exist on RV64 */
		*v = 0;
		for (unsigned i = 0; i < 8 && first + i < PMP_ENTRIES; i++)
			*v |= (uint64_t)h->pmpcfg[first + i] << (8 * i);
		return true;
	}
	if (csr >= CSR_PMPADDR0 && csr < CSR_PMPADDR0 + 64) {
		unsigned i = csr - CSR_PMPADDR0;

		*v = i < PMP_ENTRIES ? h->pmpaddr[i] : 0;
		return true;
	}
	if ((csr >= 0xb03 && csr <= 0xb1f) || (csr >= 0x323 && csr <= 0x33f)) {
		*v = 0;		/* hpm counters and events: not implemented */
		return true;
	}
	switch (csr) {
	case CSR_SSTATUS: *v = status(h) & SSTATUS_READABLE; break;
	case CSR_SIE: *v = h->mie & h->mideleg; break;
	case CSR_STVEC: *v = h->stvec; break;
	case CSR_SCOUNTEREN: *v = h->scounteren; break;
	case CSR_SSCRATCH: *v = h->sscratch; break;
	case CSR_SEPC: *v = h->sepc; break;
	case CSR_SCAUSE: *v = h->scause; break;
	case CSR_STVAL: *v = h->stval; break;
	case CSR_SIP: *v = hart_mip(h) & h->mideleg; break;
	case CSR_SATP:
		if (h->priv == PRIV_S && (h->mstatus & MSTATUS_TVM))
			return false;
		*v = h->satp;
		break;
	case CSR_MSTATUS: *v = status(h); break;
	case CSR_FFLAGS:
	case CSR_FRM:
	case CSR_FCSR:
		if (!(h->mstatus & MSTATUS_FS))
			return false;
		*v = csr == CSR_FFLAGS ? h->fflags : csr == CSR_FRM ? h->frm :
		     (uint64_t)h->frm << 5 | h->fflags;
		break;
	case CSR_MISA: *v = h->misa; break;
	case CSR_MEDELEG: *v = h->medeleg; break;
	case CSR_MIDELEG: *v = h->mideleg; break;
	case CSR_MIE: *v = h->mie; break;
	case CSR_MTVEC: *v = h->mtvec; break;
	case CSR_MCOUNTEREN: *v = h->mcounteren; break;
	case CSR_MCOUNTINHIBIT: *v = h->mcountinhibit; break;
	case CSR_MSCRATCH: *v = h->mscratch; break;
	case CSR_MEPC: *v = h->mepc; break;
	case CSR_MCAUSE: *v = h->mcause; break;
	case CSR_MTVAL: *v = h->mtval; break;
	case CSR_MIP: *v = hart_mip(h); break;
	case CSR_MCYCLE: *v = counter_read(h, 0); break;
	case CSR_MINSTRET: *v = counter_read(h, 1); break;
	case CSR_MVENDORID:
	case CSR_MARCHID:
	case CSR_MIMPID: *v = 0; break;
	case CSR_MHARTID: *v = h->id; break;
	/*
	 * A trigger module with no triggers (debug specification): tselect
	 * keeps no index but 0, tdata1 type 0 says "no trigger here", and
	 * tinfo 1 says the selected trigger does not exist.
	 */
	case CSR_TSELECT:
	case CSR_TDATA1:
	case CSR_TDATA2:
	case CSR_TDATA3: *v = 0; break;
	case CSR_TINFO: *v = 1; break;
	default: return false;
	}
	return true;
}

static uint64_t tvec(uint64_t v)
{
	return (v & 3) >= 2 ? v & ~3ull : v;	/* reserved modes: direct */
}

static void pmpcfg_write(struct hart *h, unsigned first, uint64_t v)
{
	for (unsigned i = 0; i < 8 && first + i < PMP_ENTRIES; i++) {
		uint8_t cfg = (uint8_t)(v >> (8 * i)) & 0x9f;

		if (h->pmpcfg[first + i] & PMP_L)
			continue;
		if ((cfg & 3) == 2)	/* W without R is reserved */
			cfg &= ~2u;
		h->pmpcfg[first + i] = cfg;
	}
}

static bool csr_write(struct hart *h, unsigned csr, uint64_t v)
{
	if (csr >= CSR_PMPCFG0 && csr < CSR_PMPCFG0 + 16) {
		pmpcfg_write(h, (csr - CSR_PMPCFG0) * 4, v);
		pmp_update(h);
		hart_tlb_flush(h);
		return true;
	}
	if (csr >= CSR_PMPADDR0 && csr < CSR_PMPADDR0 + 64) {
		unsigned i = csr - CSR_PMPADDR0;

		if (i < PMP_ENTRIES && pmp_addr_writable(h, i))
			h->pmpaddr[i] = v & PMP_ADDR_MASK;
		pmp_update(h);
		hart_tlb_flush(h);
		return true;
	}
	if ((csr >= 0xb03 && csr <= 0xb1f) || (csr >= 0x323 && csr <= 0x33f))
		return true;
	switch (csr) {
	case CSR_SSTATUS:
		h->mstatus = (h->mstatus & ~SSTATUS_WRITABLE) |
			     (v & SSTATUS_WRITABLE);
		break;
	case CSR_SIE:
		h->mie = (h->mie & ~h->mideleg) | (v & h->mideleg);
		break;
	case CSR_STVEC: h->stvec = tvec(v); break;
	case CSR_SCOUNTEREN: h->scounteren = (uint32_t)v; break;
	case CSR_SSCRATCH: h->sscratch = v; break;
	case CSR_SEPC: h->sepc = v & ~1ull; break;
	case CSR_SCAUSE: h->scause = v; break;
	case CSR_STVAL: h->stval = v; break;
	case CSR_SIP: {
		uint64_t m = MIP_SSIP & h->mideleg;

		h->mip_sw = (h->mip_sw & ~m) | (v & m);
		break;
	}
	case CSR_SATP:
		/* Bare or Sv39, no ASIDs; other modes leave satp as it is. */
		if ((v >> 60) == 0)
			h->satp = 0;
		else if ((v >> 60) == SATP_SV39)
			h->satp = (SATP_SV39 << 60) | (v & ((1ull << 44) - 1));
		hart_tlb_flush(h);
		break;
	case CSR_MSTATUS: {
		uint64_t n = (h->mstatus & ~MSTATUS_WRITABLE) |
			     (v & MSTATUS_WRITABLE);

		if (((n & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT) == 2)
			n = (n & ~MSTATUS_MPP) | (h->mstatus & MSTATUS_MPP);
		h->mstatus = n;
		break;
	}
	case CSR_MISA: break;		/* WARL, fixed */
	case CSR_MEDELEG: h->medeleg = v & MEDELEG_WRITABLE; break;
	case CSR_MIDELEG: h->mideleg = v & MIDELEG_WRITABLE; break;
	case CSR_MIE: h->mie = v & MIE_WRITABLE; break;
	case CSR_MTVEC: h->mtvec = tvec(v); break;
	case CSR_MCOUNTEREN: h->mcounteren = (uint32_t)v; break;
	case CSR_MCOUNTINHIBIT: set_inhibit(h, (uint32_t)v & ~2u); break;
	case CSR_MSCRATCH: h->mscratch = v; break;
	case CSR_MEPC: h->mepc = v & ~1ull; break;
	case CSR_MCAUSE: h->mcause = v; break;
	case CSR_MTVAL: h->mtval = v; break;
	case CSR_MIP:
		h->mip_sw = (h->mip_sw & ~MIP_SW_WRITABLE) |
			    (v & MIP_SW_WRITABLE);
		break;
	case CSR_MCYCLE: counter_write(h, 0, v); break;
	case CSR_MINSTRET: counter_write(h, 1, v); break;
	case CSR_FFLAGS: h->fflags = v & 0x1f; h->mstatus |= MSTATUS_FS; break;
	case CSR_FRM: h->frm = v & 7; h->mstatus |= MSTATUS_FS; break;
	case CSR_FCSR:
		h->fflags = v & 0x1f;
		h->frm = (v >> 5) & 7;
		h->mstatus |= MSTATUS_FS;
		break;
	case CSR_TSELECT:
	case CSR_TDATA1:
	case CSR_TDATA2:
	case CSR_TDATA3:
	case CSR_TINFO: break;		/* no triggers: writes ignored */
	default: return false;
	}
	return true;
}

/* CSR access for a debugger: no privilege checks, no side effects. */
bool csr_peek(struct hart *h, unsigned csr, uint64_t *v)
{
	enum priv p = h->priv;
	bool ok;

	h->priv = PRIV_M;		/* counters readable whatever the mode */
	ok = csr_read(h, csr & 0xfff, v);
	h->priv = p;
	return ok;
}

bool csr_poke(struct hart *h, unsigned csr, uint64_t v)
{
	if ((csr & 0xfff) >> 10 == 3 || !csr_write(h, csr & 0xfff, v))
		return false;
	hart_tlb_flush(h);
	return true;
}

/* The instruction word of a CSR instruction, for mtval. */
static uint32_t csr_insn_bits(const struct insn *in)
{
	static const uint8_t f3[] = {
		[OP_CSRRW - OP_CSRRW] = 1, [OP_CSRRS - OP_CSRRW] = 2,
		[OP_CSRRC - OP_CSRRW] = 3, [OP_CSRRWI - OP_CSRRW] = 5,
		[OP_CSRRSI - OP_CSRRW] = 6, [OP_CSRRCI - OP_CSRRW] = 7,
	};
	unsigned rd = in->rd == REG_SINK ? 0 : in->rd;

	return ((uint32_t)in->imm & 0xfff) << 20 | (uint32_t)in->rs1 << 15 |
	       (uint32_t)f3[in->op - OP_CSRRW] << 12 | rd << 7 | 0x73;
}

bool csr_access(struct hart *h, const struct insn *in, uint64_t src,
		uint64_t *old)
{
	unsigned csr = (unsigned)in->imm & 0xfff;
	bool set_clear = in->op != OP_CSRRW && in->op != OP_CSRRWI;
	bool write = !set_clear || in->rs1 != 0;
	uint64_t v, n, base, status = h->mstatus;

	if (h->priv < ((csr >> 8) & 3) || (write && (csr >> 10) == 3) ||
	    !csr_read(h, csr, &v))
		goto illegal;
	/*
	 * mip.SEIP reads as the software-writable bit ORed with the PLIC's
	 * line, but only the software bit takes part in a read-modify-write:
	 * the line must never be latched into it.
	 */
	base = csr == CSR_MIP ? (v & ~MIP_SEIP) | (h->mip_sw & MIP_SEIP) : v;
	switch (in->op) {
	case OP_CSRRS: case OP_CSRRSI: n = base | src; break;
	case OP_CSRRC: case OP_CSRRCI: n = base & ~src; break;
	default: n = src; break;
	}
	if (write && !csr_write(h, csr, n))
		goto illegal;
	if (write && (csr == CSR_MSTATUS || csr == CSR_SSTATUS))
		hart_context_changed(h, h->priv, status);
	*old = v;
	return true;
illegal:
	raise_exception(h, EXC_ILLEGAL, csr_insn_bits(in));
	return false;
}
