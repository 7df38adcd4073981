/*
 * The F and D extensions: single and double precision IEEE 754 arithmetic
 * with the RISC-V rules on top.
 *
 * Results come from the host's SSE unit, which rounds every basic
 * operation, square root, conversion and fused multiply-add (libm's fma)
 * correctly in the four IEEE rounding modes, detects tininess after
 * rounding as RISC-V does, and raises the same five flags; this file sets
 * the host rounding mode around each operation and collects the host
 * flags into fflags.  What the host does differently is done here:
 *
 * - NaN results are RISC-V's canonical NaN (the host propagates payloads
 *   and produces a negative default NaN);
 * - single-precision values live NaN-boxed in the 64-bit registers, and
 *   an input that is not properly boxed reads as the canonical NaN;
 * - the host has no round-to-nearest-max-magnitude (RMM): such operations
 *   are computed in binary128 (GCC's _Float128, correctly rounded in
 *   software) rounding toward zero, which keeps enough bits to tell which
 *   side of a halfway point the exact result lies, and then rounded to
 *   the target format with ties away from zero here;
 * - min/max, comparisons, classification, sign injection, conversions to
 *   integers (saturating, with the invalid flag instead of inexact) and
 *   fused multiply-add of infinity by zero plus a quiet NaN (invalid).
 *
 * This file is built with -frounding-math -fsignaling-nans, and each host
 * operation sits between compiler barriers, so none of it is evaluated
 * at compile time or moved across the rounding-mode and flag calls.
 */
#include <fenv.h>
#include <math.h>
#include <string.h>

#include "access.h"
#include "cpu.h"
#include "fpu.h"
#include "trap.h"

enum { RM_RNE, RM_RTZ, RM_RDN, RM_RUP, RM_RMM, RM_DYN = 7 };

#define FLAG_NX		0x01
#define FLAG_UF		0x02
#define FLAG_OF		0x04
#define FLAG_DZ		0x08
#define FLAG_NV		0x10

#define CANON_S		UINT32_C(0x7fc00000)
#define CANON_D		UINT64_C(0x7ff8000000000000)
#define BOX		UINT64_C(0xffffffff00000000)

/* Barriers: the value is computed here, not before and not later. */
#if defined(__x86_64__)
#define PIN(x)		__asm__ volatile("" : "+x"(x))	/* an SSE register */
#elif defined(__riscv)
#define PIN(x)		__asm__ volatile("" : "+fm"(x))	/* FP register or memory */
#elif defined(__aarch64__)
#define PIN(x)		__asm__ volatile("" : "+w"(x))	/* a SIMD&FP register */
#else
#error "PIN: name this host's floating-point register constraint"
#endif

typedef _Float128 quad;

/* --- values in registers ------------------------------------------------ */

static uint32_t unbox(uint64_t r)
{
	return (r & BOX) == BOX ? (uint32_t)r : CANON_S;
}

static float as_f(uint32_t b)
{
	float f;

	memcpy(&f, &b, 4);
	return f;
}

static double as_d(uint64_t b)
{
	double d;

	memcpy(&d, &b, 8);
	return d;
}

static uint32_t bits_f(float f)
{
	uint32_t b;

	memcpy(&b, &f, 4);
	return b;
}

static uint64_t bits_d(double d)
{
	uint64_t b;

	memcpy(&b, &d, 8);
	return b;
}

/* A result into f[rd]: canonical NaN, NaN-boxed for single precision. */
static uint64_t result_s(float f)
{
	return BOX | (isnan(f) ? CANON_S : bits_f(f));
}

static uint64_t result_d(double d)
{
	return isnan(d) ? CANON_D : bits_d(d);
}

static bool snan_s(uint32_t b)
{
	return (b & 0x7f800000) == 0x7f800000 && (b & 0x7fffff) &&
	       !(b & 0x400000);
}

static bool snan_d(uint64_t b)
{
	return (b & CANON_D) == UINT64_C(0x7ff0000000000000) &&
	       (b & UINT64_C(0xfffffffffffff)) && !(b & (UINT64_C(1) << 51));
}

/* --- the host environment ------------------------------------------------ */

static const int host_mode[] = {
	[RM_RNE] = FE_TONEAREST, [RM_RTZ] = FE_TOWARDZERO,
	[RM_RDN] = FE_DOWNWARD, [RM_RUP] = FE_UPWARD,
	[RM_RMM] = FE_TOWARDZERO,	/* binary128, then rounded here */
};

static void env_begin(unsigned rm)
{
	if (rm != RM_RNE)
		fesetround(host_mode[rm]);
	feclearexcept(FE_ALL_EXCEPT);
}

static unsigned env_end(unsigned rm)
{
	int e = fetestexcept(FE_ALL_EXCEPT);

	if (rm != RM_RNE)
		fesetround(FE_TONEAREST);
	return (e & FE_INEXACT ? FLAG_NX : 0) |
	       (e & FE_UNDERFLOW ? FLAG_UF : 0) |
	       (e & FE_OVERFLOW ? FLAG_OF : 0) |
	       (e & FE_DIVBYZERO ? FLAG_DZ : 0) |
	       (e & FE_INVALID ? FLAG_NV : 0);
}

/*
 * Round a binary128 value, computed rounding toward zero, to single
 * (dbl false) or double precision with ties away from zero.  *flags gets
 * NX, UF and OF; `inexact` says the binary128 result itself was inexact
 * (its value lies just above the one given, in magnitude).
 */
static uint64_t round_rmm(quad x, bool dbl, bool inexact,
			  unsigned *flags)
{
	const int p = dbl ? 53 : 24, emin = dbl ? -1022 : -126;
	const int bias = dbl ? 1023 : 127, emax_field = dbl ? 2047 : 255;
	const unsigned total = dbl ? 64 : 32;
	uint64_t w[2], sign, out;
	unsigned __int128 m, rem, half, q;
	int e, shift, keep;
	bool up, tiny;

	memcpy(w, &x, 16);
	sign = (w[1] >> 63) << (total - 1);
	e = (int)((w[1] >> 48) & 0x7fff);
	m = ((unsigned __int128)(w[1] & ((UINT64_C(1) << 48) - 1)) << 64) | w[0];
	if (e == 0x7fff)	/* infinity; NaNs do not get here */
		return sign | ((uint64_t)emax_field << (p - 1));
	if (e == 0 && m == 0)
		return sign;
	if (e)
		m |= (unsigned __int128)1 << 112;
	e = e ? e - 16383 : -16382;	/* value = m * 2^(e - 112) */

	/* Tininess after rounding: rounded to p bits, unbounded exponent. */
	tiny = e < emin;
	if (e == emin - 1) {
		shift = 113 - p;
		rem = m & (((unsigned __int128)1 << shift) - 1);
		if (rem >= (unsigned __int128)1 << (shift - 1) &&
		    (m >> shift) + 1 == (unsigned __int128)1 << p)
			tiny = false;
	}

	keep = e >= emin ? p : p - (emin - e);	/* bits kept, subnormal */
	shift = 113 - keep;
	if (shift > 113) {
		q = 0;
		up = false;
		inexact = true;
	} else {
		rem = m & ((((unsigned __int128)1 << shift)) - 1);
		half = (unsigned __int128)1 << (shift - 1);
		q = m >> shift;
		up = rem >= half;
		inexact |= rem != 0;
	}
	q += up;
	if (e < emin) {
		/* Subnormal: a carry into bit p-1 makes it the smallest
		 * normal, which the same bits encode. */
		out = (uint64_t)q;
	} else {
		/* q carries the implicit bit at p-1 (or p after a carry),
		 * which adds one to the exponent field. */
		uint64_t field = (uint64_t)(e + bias - 1);

		out = (field << (p - 1)) + (uint64_t)q;
		if ((out >> (p - 1)) >= (uint64_t)emax_field) {
			*flags |= FLAG_OF | FLAG_NX;
			return sign | ((uint64_t)emax_field << (p - 1));
		}
	}
	if (inexact)
		*flags |= FLAG_NX | (tiny ? FLAG_UF : 0);
	return sign | out;
}

/* --- operations ---------------------------------------------------------- */

enum arith { A_ADD, A_SUB, A_MUL, A_DIV, A_SQRT };

static float arith_s(enum arith op, float a, float b)
{
	float r;

	PIN(a);
	PIN(b);
	switch (op) {
	case A_ADD: r = a + b; break;
	case A_SUB: r = a - b; break;
	case A_MUL: r = a * b; break;
	case A_DIV: r = a / b; break;
	default: r = sqrtf(a); break;
	}
	PIN(r);
	return r;
}

static double arith_d(enum arith op, double a, double b)
{
	double r;

	PIN(a);
	PIN(b);
	switch (op) {
	case A_ADD: r = a + b; break;
	case A_SUB: r = a - b; break;
	case A_MUL: r = a * b; break;
	case A_DIV: r = a / b; break;
	default: r = sqrt(a); break;
	}
	PIN(r);
	return r;
}

static quad arith_q(enum arith op, quad a, quad b)
{
	quad r;

	PIN(a);
	PIN(b);
	switch (op) {
	case A_ADD: r = a + b; break;
	case A_SUB: r = a - b; break;
	case A_MUL: r = a * b; break;
	default: r = a / b; break;
	}
	PIN(r);
	return r;
}

/* A binary128 result rounded with RMM; NaN and flags handled. */
static uint64_t finish_rmm(quad r, bool dbl, unsigned *flags)
{
	unsigned f = env_end(RM_RMM);
	bool inexact = f & FLAG_NX;

	*flags |= f & (FLAG_NV | FLAG_DZ);
	if (r != r)
		return dbl ? CANON_D : BOX | CANON_S;
	if (dbl)
		return round_rmm(r, true, inexact, flags);
	return BOX | round_rmm(r, false, inexact, flags);
}

/*
 * a op b in format `dbl`, rounding mode rm (resolved); returns the
 * register value.  Square root never lies halfway between two floating-
 * point numbers, so RMM and RNE agree on it.
 */
static uint64_t do_arith(enum arith op, bool dbl, uint64_t ra, uint64_t rb,
			 unsigned rm, unsigned *flags)
{
	uint64_t out;

	if (rm == RM_RMM && op == A_SQRT)
		rm = RM_RNE;
	env_begin(rm);
	if (rm == RM_RMM) {
		quad a = dbl ? (quad)as_d(ra) : (quad)as_f(unbox(ra));
		quad b = dbl ? (quad)as_d(rb) : (quad)as_f(unbox(rb));

		return finish_rmm(arith_q(op, a, b), dbl, flags);
	}
	out = dbl ? result_d(arith_d(op, as_d(ra), as_d(rb))) :
		    result_s(arith_s(op, as_f(unbox(ra)), as_f(unbox(rb))));
	*flags |= env_end(rm);
	return out;
}

/* Fused multiply-add: (neg_prod ? -(a*b) : a*b) + (neg_add ? -c : c). */
static uint64_t do_fma(bool dbl, uint64_t ra, uint64_t rb, uint64_t rc,
		       bool neg_prod, bool neg_add, unsigned rm,
		       unsigned *flags)
{
	uint64_t out;

	if (dbl) {
		double a = as_d(ra), b = as_d(rb), c = as_d(rc), r;

		/* Infinity times zero is invalid even with a quiet NaN. */
		if ((isinf(a) && b == 0) || (a == 0 && isinf(b))) {
			*flags |= FLAG_NV;
			return CANON_D;
		}
		a = neg_prod ? -a : a;
		c = neg_add ? -c : c;
		env_begin(rm);
		if (rm == RM_RMM) {
			/* The product is exact in binary128. */
			quad q = (quad)a * (quad)b;

			PIN(q);
			q = q + (quad)c;
			PIN(q);
			return finish_rmm(q, true, flags);
		}
		PIN(a);
		PIN(b);
		PIN(c);
		r = fma(a, b, c);
		PIN(r);
		out = result_d(r);
	} else {
		float a = as_f(unbox(ra)), b = as_f(unbox(rb)), c = as_f(unbox(rc)), r;

		if ((isinf(a) && b == 0) || (a == 0 && isinf(b))) {
			*flags |= FLAG_NV;
			return BOX | CANON_S;
		}
		a = neg_prod ? -a : a;
		c = neg_add ? -c : c;
		env_begin(rm);
		if (rm == RM_RMM) {
			quad q = (quad)a * (quad)b;

			PIN(q);
			q = q + (quad)c;
			PIN(q);
			return finish_rmm(q, false, flags);
		}
		PIN(a);
		PIN(b);
		PIN(c);
		r = fmaf(a, b, c);
		PIN(r);
		out = result_s(r);
	}
	*flags |= env_end(rm);
	return out;
}

/* Floating point to integer, saturating; `bits` 32 or 64. */
static uint64_t to_int(double x, bool is_signed, unsigned bits, unsigned rm,
		       unsigned *flags)
{
	double lo = is_signed ? -ldexp(1, (int)bits - 1) : 0;
	double hi = is_signed ? ldexp(1, (int)bits - 1) : ldexp(1, (int)bits);
	uint64_t max = is_signed ? (UINT64_C(1) << (bits - 1)) - 1 :
		       (bits == 64 ? UINT64_MAX : UINT32_MAX);
	uint64_t min = is_signed ? UINT64_C(1) << (bits - 1) : 0;
	uint64_t v;
	double r;

	if (isnan(x)) {
		*flags |= FLAG_NV;
		v = max;
	} else {
		switch (rm) {
		case RM_RTZ: r = trunc(x); break;
		case RM_RDN: r = floor(x); break;
		case RM_RUP: r = ceil(x); break;
		case RM_RMM: r = round(x); break;
		default: r = nearbyint(x); break;	/* the host is in RNE */
		}
		if (r < lo || r >= hi) {
			*flags |= FLAG_NV;
			v = r < lo ? min : max;
		} else {
			if (r != x)
				*flags |= FLAG_NX;
			v = is_signed ? (uint64_t)(int64_t)r : (uint64_t)r;
		}
	}
	if (bits == 32)
		v = (uint64_t)(int64_t)(int32_t)(uint32_t)v;
	return v;
}

/* Integer to floating point. */
static uint64_t from_int(uint64_t v, bool is_signed, unsigned bits, bool dbl,
			 unsigned rm, unsigned *flags)
{
	uint64_t out;

	if (bits == 32)
		v = is_signed ? (uint64_t)(int64_t)(int32_t)v : (uint32_t)v;
	env_begin(rm);
	if (rm == RM_RMM) {
		quad q = is_signed ? (quad)(int64_t)v : (quad)v;

		PIN(q);
		return finish_rmm(q, dbl, flags);
	}
	if (dbl) {
		double d = is_signed ? (double)(int64_t)v : (double)v;

		PIN(d);
		out = bits_d(d);
	} else {
		float f = is_signed ? (float)(int64_t)v : (float)v;

		PIN(f);
		out = BOX | bits_f(f);
	}
	*flags |= env_end(rm);
	return out;
}

/* fcvt.s.d */
static uint64_t narrow(uint64_t rd_bits, unsigned rm, unsigned *flags)
{
	double d = as_d(rd_bits);
	uint64_t out;
	float f;

	env_begin(rm);
	if (rm == RM_RMM) {
		quad q = d;

		PIN(q);
		return finish_rmm(q, false, flags);
	}
	PIN(d);
	f = (float)d;
	PIN(f);
	out = result_s(f);
	*flags |= env_end(rm);
	return out;
}

/* fcvt.d.s: exact; a signalling NaN is invalid. */
static uint64_t widen(uint32_t s, unsigned *flags)
{
	if (snan_s(s))
		*flags |= FLAG_NV;
	return result_d((double)as_f(s));
}

static uint64_t min_max(bool dbl, uint64_t ra, uint64_t rb, bool max,
			unsigned *flags)
{
	uint64_t a = dbl ? ra : unbox(ra), b = dbl ? rb : unbox(rb);
	double x = dbl ? as_d(a) : as_f((uint32_t)a);
	double y = dbl ? as_d(b) : as_f((uint32_t)b);
	uint64_t r;

	if (dbl ? snan_d(a) || snan_d(b) : snan_s((uint32_t)a) || snan_s((uint32_t)b))
		*flags |= FLAG_NV;
	if (isnan(x) && isnan(y))
		r = dbl ? CANON_D : CANON_S;
	else if (isnan(x))
		r = b;
	else if (isnan(y))
		r = a;
	else if (x == y)	/* equal, or zeros of either sign */
		r = max ? a & b : a | b;	/* only the sign bits differ */
	else
		r = (x < y) != max ? a : b;
	return dbl ? r : BOX | r;
}

/* feq (quiet), flt and fle (signalling). */
static uint64_t compare(bool dbl, uint64_t ra, uint64_t rb, unsigned f3,
			unsigned *flags)
{
	uint64_t a = dbl ? ra : unbox(ra), b = dbl ? rb : unbox(rb);
	double x = dbl ? as_d(a) : as_f((uint32_t)a);
	double y = dbl ? as_d(b) : as_f((uint32_t)b);
	bool snan = dbl ? snan_d(a) || snan_d(b) :
			  snan_s((uint32_t)a) || snan_s((uint32_t)b);

	if (isnan(x) || isnan(y)) {
		if (snan || f3 != 2)
			*flags |= FLAG_NV;
		return 0;
	}
	switch (f3) {
	case 0: return x <= y;
	case 1: return x < y;
	default: return x == y;
	}
}

static uint64_t classify(bool dbl, uint64_t r)
{
	uint64_t b = dbl ? r : unbox(r);
	double x = dbl ? as_d(b) : as_f((uint32_t)b);
	bool neg = dbl ? b >> 63 : (b >> 31) & 1;

	if (isnan(x))
		return (dbl ? snan_d(b) : snan_s((uint32_t)b)) ? 1u << 8 : 1u << 9;
	if (isinf(x))
		return neg ? 1u << 0 : 1u << 7;
	if (x == 0)
		return neg ? 1u << 3 : 1u << 4;
	if (fpclassify(x) == FP_SUBNORMAL ||
	    (!dbl && fabs(x) < 0x1p-126))
		return neg ? 1u << 2 : 1u << 5;
	return neg ? 1u << 1 : 1u << 6;
}

/* --- instructions -------------------------------------------------------- */

static bool fp_enabled(const struct hart *h)
{
	return (h->mstatus & MSTATUS_FS) != 0;
}

static void set_f(struct hart *h, unsigned rd, uint64_t v)
{
	h->f[rd] = v;
	h->mstatus |= MSTATUS_FS;	/* Dirty */
}

static void set_x(struct hart *h, unsigned rd, uint64_t v)
{
	if (rd)
		h->x[rd] = v;
}

static void add_flags(struct hart *h, unsigned flags)
{
	if (flags) {
		h->fflags |= (uint8_t)flags;
		h->mstatus |= MSTATUS_FS;
	}
}

/* The rounding mode an instruction uses, or -1 when it is reserved. */
static int rounding(const struct hart *h, unsigned rm)
{
	if (rm == RM_DYN)
		rm = h->frm;
	return rm <= RM_RMM ? (int)rm : -1;
}

static bool illegal(struct hart *h, uint32_t bits)
{
	raise_exception(h, EXC_ILLEGAL, bits);
	return false;
}

/* FLW, FLD, FSW, FSD and their compressed forms. */
bool fp_mem(struct hart *h, const struct insn *in)
{
	bool dbl = in->op == OP_FLD || in->op == OP_FSD;
	uint64_t addr = h->x[in->rs1] + (uint64_t)(int64_t)in->aux, v;

	if (!fp_enabled(h))
		return illegal(h, (uint32_t)in->imm);
	if (in->op == OP_FSW || in->op == OP_FSD)
		return mem_store_slow(h, addr, dbl ? 8 : 4, h->f[in->rs2]);
	if (!mem_load_slow(h, addr, dbl ? 8 : 4, &v))
		return false;
	set_f(h, in->rd, dbl ? v : BOX | v);
	return true;
}

/* FMADD, FMSUB, FNMSUB, FNMADD. */
bool fp_fma(struct hart *h, const struct insn *in)
{
	uint32_t bits = (uint32_t)in->imm;
	unsigned fmt = (bits >> 25) & 3, op = (bits >> 2) & 3;
	unsigned rd = (bits >> 7) & 31, rs1 = (bits >> 15) & 31;
	unsigned rs2 = (bits >> 20) & 31, rs3 = bits >> 27;
	unsigned flags = 0;
	int rm = rounding(h, (bits >> 12) & 7);
	uint64_t r;

	if (!fp_enabled(h) || fmt > 1 || rm < 0)
		return illegal(h, bits);
	/* op: 0 fmadd, 1 fmsub, 2 fnmsub, 3 fnmadd */
	r = do_fma(fmt, h->f[rs1], h->f[rs2], h->f[rs3], op >= 2,
		   op == 1 || op == 3, (unsigned)rm, &flags);
	set_f(h, rd, r);
	add_flags(h, flags);
	return true;
}

/* The OP-FP major opcode. */
bool fp_op(struct hart *h, const struct insn *in)
{
	uint32_t bits = (uint32_t)in->imm;
	unsigned f5 = bits >> 27, fmt = (bits >> 25) & 3, f3 = (bits >> 12) & 7;
	unsigned rd = (bits >> 7) & 31, rs1 = (bits >> 15) & 31;
	unsigned rs2 = (bits >> 20) & 31, flags = 0;
	uint64_t a, b;
	bool dbl = fmt == 1;
	int rm = rounding(h, f3);

	if (!fp_enabled(h) || fmt > 1)
		return illegal(h, bits);
	a = h->f[rs1];
	b = h->f[rs2];
	switch (f5) {
	case 0x00: case 0x01: case 0x02: case 0x03: case 0x0b:
		if (rm < 0 || (f5 == 0x0b && rs2))
			return illegal(h, bits);
		set_f(h, rd, do_arith(f5 == 0x0b ? A_SQRT : (enum arith)f5,
				      dbl, a, b, (unsigned)rm, &flags));
		break;
	case 0x04: {		/* sign injection */
		uint64_t sign = dbl ? UINT64_C(1) << 63 : UINT64_C(1) << 31;
		uint64_t x = dbl ? a : unbox(a), y = dbl ? b : unbox(b), s;

		if (f3 > 2)
			return illegal(h, bits);
		s = f3 == 0 ? y & sign : f3 == 1 ? ~y & sign : (x ^ y) & sign;
		x = (x & ~sign) | s;
		set_f(h, rd, dbl ? x : BOX | x);
		break;
	}
	case 0x05:
		if (f3 > 1)
			return illegal(h, bits);
		set_f(h, rd, min_max(dbl, a, b, f3 == 1, &flags));
		break;
	case 0x08:		/* fcvt.s.d, fcvt.d.s */
		if (rm < 0 || rs2 != (dbl ? 0u : 1u))
			return illegal(h, bits);
		set_f(h, rd, dbl ? widen(unbox(a), &flags) :
			     narrow(a, (unsigned)rm, &flags));
		break;
	case 0x14:
		if (f3 > 2)
			return illegal(h, bits);
		set_x(h, rd, compare(dbl, a, b, f3, &flags));
		break;
	case 0x18: {		/* fcvt.{w,wu,l,lu}.{s,d} */
		uint64_t v = dbl ? a : unbox(a);
		double x = dbl ? as_d(v) : (double)as_f((uint32_t)v);

		if (rm < 0 || rs2 > 3)
			return illegal(h, bits);
		set_x(h, rd, to_int(x, !(rs2 & 1), rs2 & 2 ? 64 : 32,
				    (unsigned)rm, &flags));
		break;
	}
	case 0x1a:		/* fcvt.{s,d}.{w,wu,l,lu} */
		if (rm < 0 || rs2 > 3)
			return illegal(h, bits);
		set_f(h, rd, from_int(h->x[rs1], !(rs2 & 1), rs2 & 2 ? 64 : 32,
				      dbl, (unsigned)rm, &flags));
		break;
	case 0x1c:		/* fmv.x.{w,d}, fclass */
		if (rs2 || f3 > 1)
			return illegal(h, bits);
		if (f3)
			set_x(h, rd, classify(dbl, a));
		else
			set_x(h, rd, dbl ? a : (uint64_t)(int64_t)(int32_t)a);
		break;
	case 0x1e:		/* fmv.{w,d}.x */
		if (rs2 || f3)
			return illegal(h, bits);
		set_f(h, rd, dbl ? h->x[rs1] : BOX | (uint32_t)h->x[rs1]);
		break;
	default:
		return illegal(h, bits);
	}
	add_flags(h, flags);
	return true;
}
