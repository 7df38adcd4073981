/*
 * F and D against an oracle: a bare-metal M-mode program that runs every
 * F/D instruction on generated operands (special values, boundaries,
 * values near halfway points, NaN payloads, badly NaN-boxed singles) in
 * every rounding mode, and prints one hash per instruction group of the
 * results and of fflags after each instruction.  tests/e2e/fp_oracle.sh
 * runs it on norvm and on qemu-system-riscv64 and compares the lines.
 */
#include <stdint.h>

#define UART	((volatile uint8_t *)0x10000000)
#define TEST	((volatile uint32_t *)0x100000)
#define ROUNDS	3000

__asm__(
	"	.section .text.init\n"
	"	.globl _start\n"
	"_start:\n"
	"	la	sp, stack_top\n"
	"	li	t0, 1 << 13\n"		/* mstatus.FS = Initial */
	"	csrs	mstatus, t0\n"
	"	call	main\n"
	"1:	j	1b\n"
	"	.text\n");

static uint8_t stack[8192] __attribute__((aligned(16), used));
__asm__(".globl stack_top\n.set stack_top, stack + 8192\n");

static void putc_(char c)
{
	*UART = (uint8_t)c;
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void puthex(uint64_t v)
{
	for (int i = 60; i >= 0; i -= 4)
		putc_("0123456789abcdef"[(v >> i) & 15]);
}

static uint64_t seed = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static const uint64_t special_d[] = {
	0, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000,
	0x0000000000000001, 0x000fffffffffffff, 0x0010000000000000,
	0x7fefffffffffffff, 0x7ff0000000000000, 0xfff0000000000000,
	0x7ff8000000000000, 0x7ff4000000000001, 0xfff8000000000123,
	0x3ff8000000000000, 0x3fb999999999999a, 0x4330000000000000,
	0x43e0000000000000, 0x43f0000000000000, 0xc3e0000000000000,
	0x41e0000000000000, 0xc1e0000000000000, 0x41f0000000000000,
	0x3ff0000000000001, 0x3ca0000000000000, 0x3fe0000000000000,
	0x0010000000000001, 0x000ffffffffffffe, 0x3fefffffffffffff,
};

static const uint32_t special_s[] = {
	0, 0x80000000, 0x3f800000, 0xbf800000, 0x00000001, 0x007fffff,
	0x00800000, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000,
	0x7fa00001, 0xffc00123, 0x3fc00000, 0x3dcccccd, 0x4b000000,
	0x5f000000, 0x5f800000, 0xdf000000, 0x4f000000, 0xcf000000,
	0x4f800000, 0x3f800001, 0x33800000, 0x3f000000, 0x00800001,
	0x007ffffe, 0x3f7fffff,
};

#define NSPEC_D (sizeof(special_d) / sizeof(special_d[0]))
#define NSPEC_S (sizeof(special_s) / sizeof(special_s[0]))

/* A double operand as register bits. */
static uint64_t opd(void)
{
	uint64_t r = rnd();

	switch (r & 7) {
	case 0: case 1: case 2:
		return special_d[(r >> 8) % NSPEC_D];
	case 3:		/* a special value nudged by a few ulps */
		return special_d[(r >> 8) % NSPEC_D] + ((r >> 40) & 7) - 3;
	case 4:		/* small exponents: subnormal results */
		return (rnd() & 0x800fffffffffffff) | ((r >> 20) & 0x3f) << 52;
	case 5:		/* exponents near 1.0 */
		return (rnd() & 0x800fffffffffffff) | (0x3f0 + ((r >> 20) & 0x1f)) << 52;
	default:
		return rnd();
	}
}

/* A single operand as register bits, almost always NaN-boxed. */
static uint64_t ops_(void)
{
	uint64_t r = rnd();
	uint32_t v;

	switch (r & 7) {
	case 0: case 1: case 2:
		v = special_s[(r >> 8) % NSPEC_S];
		break;
	case 3:
		v = special_s[(r >> 8) % NSPEC_S] + ((r >> 40) & 7) - 3;
		break;
	case 4:
		v = ((uint32_t)rnd() & 0x807fffff) | (uint32_t)((r >> 20) & 0xf) << 23;
		break;
	case 5:
		v = ((uint32_t)rnd() & 0x807fffff) | (uint32_t)(0x70 + ((r >> 20) & 0x1f)) << 23;
		break;
	default:
		v = (uint32_t)rnd();
		break;
	}
	if ((r >> 60) == 0)
		return (rnd() & 0xffffffff00000000ull) | v;	/* badly boxed */
	return 0xffffffff00000000ull | v;
}

static uint64_t opi(void)
{
	uint64_t r = rnd();

	switch (r & 3) {
	case 0: return (uint64_t)(int64_t)(int32_t)rnd();
	case 1: return rnd() >> ((r >> 8) & 63);
	case 2: return (uint64_t)-(int64_t)(rnd() >> ((r >> 8) & 63));
	default: return rnd();
	}
}

static uint64_t flags(void)
{
	uint64_t f;

	__asm__ volatile("csrrw %0, fflags, zero" : "=r"(f));
	return f;
}

#define R2(insn) \
	__asm__ volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n" insn " ft2, ft0, ft1\n fmv.x.d %0, ft2" \
			 : "=r"(r) : "r"(a), "r"(b) : "ft0", "ft1", "ft2")
#define R1(insn) \
	__asm__ volatile("fmv.d.x ft0, %1\n" insn " ft2, ft0\n fmv.x.d %0, ft2" \
			 : "=r"(r) : "r"(a) : "ft0", "ft2")
#define R3(insn) \
	__asm__ volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n fmv.d.x ft3, %3\n" insn \
			 " ft2, ft0, ft1, ft3\n fmv.x.d %0, ft2" \
			 : "=r"(r) : "r"(a), "r"(b), "r"(c) : "ft0", "ft1", "ft2", "ft3")
#define X2(insn) \
	__asm__ volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n" insn " %0, ft0, ft1" \
			 : "=r"(r) : "r"(a), "r"(b) : "ft0", "ft1")
#define X1(insn) \
	__asm__ volatile("fmv.d.x ft0, %1\n" insn " %0, ft0" : "=r"(r) : "r"(a) : "ft0")
#define FX(insn) \
	__asm__ volatile(insn " ft2, %1\n fmv.x.d %0, ft2" : "=r"(r) : "r"(i) : "ft2")

enum { G_ARITH_S, G_ARITH_D, G_FMA_S, G_FMA_D, G_MISC_S, G_MISC_D,
       G_TOINT, G_FROMINT, G_CVT, G_STATIC, G_MEM, G_GROUPS };
static const char *const group_name[G_GROUPS] = {
	"arith.s", "arith.d", "fma.s", "fma.d", "misc.s", "misc.d",
	"to-int", "from-int", "s<->d", "static-rm", "load-store",
};
static uint64_t hash[G_GROUPS];

static void mix(int g, uint64_t r)
{
	hash[g] = (hash[g] ^ r) * 0x100000001b3ull;
	hash[g] = (hash[g] ^ flags()) * 0x100000001b3ull;
}

static void round_s(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t r;

	R2("fadd.s"); mix(G_ARITH_S, r);
	R2("fsub.s"); mix(G_ARITH_S, r);
	R2("fmul.s"); mix(G_ARITH_S, r);
	R2("fdiv.s"); mix(G_ARITH_S, r);
	R1("fsqrt.s"); mix(G_ARITH_S, r);
	R3("fmadd.s"); mix(G_FMA_S, r);
	R3("fmsub.s"); mix(G_FMA_S, r);
	R3("fnmsub.s"); mix(G_FMA_S, r);
	R3("fnmadd.s"); mix(G_FMA_S, r);
	R2("fmin.s"); mix(G_MISC_S, r);
	R2("fmax.s"); mix(G_MISC_S, r);
	R2("fsgnj.s"); mix(G_MISC_S, r);
	R2("fsgnjn.s"); mix(G_MISC_S, r);
	R2("fsgnjx.s"); mix(G_MISC_S, r);
	X2("feq.s"); mix(G_MISC_S, r);
	X2("flt.s"); mix(G_MISC_S, r);
	X2("fle.s"); mix(G_MISC_S, r);
	X1("fclass.s"); mix(G_MISC_S, r);
	X1("fmv.x.w"); mix(G_MISC_S, r);
	X1("fcvt.w.s"); mix(G_TOINT, r);
	X1("fcvt.wu.s"); mix(G_TOINT, r);
	X1("fcvt.l.s"); mix(G_TOINT, r);
	X1("fcvt.lu.s"); mix(G_TOINT, r);
	R1("fcvt.d.s"); mix(G_CVT, r);
}

static void round_d(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t r;

	R2("fadd.d"); mix(G_ARITH_D, r);
	R2("fsub.d"); mix(G_ARITH_D, r);
	R2("fmul.d"); mix(G_ARITH_D, r);
	R2("fdiv.d"); mix(G_ARITH_D, r);
	R1("fsqrt.d"); mix(G_ARITH_D, r);
	R3("fmadd.d"); mix(G_FMA_D, r);
	R3("fmsub.d"); mix(G_FMA_D, r);
	R3("fnmsub.d"); mix(G_FMA_D, r);
	R3("fnmadd.d"); mix(G_FMA_D, r);
	R2("fmin.d"); mix(G_MISC_D, r);
	R2("fmax.d"); mix(G_MISC_D, r);
	R2("fsgnj.d"); mix(G_MISC_D, r);
	R2("fsgnjn.d"); mix(G_MISC_D, r);
	R2("fsgnjx.d"); mix(G_MISC_D, r);
	X2("feq.d"); mix(G_MISC_D, r);
	X2("flt.d"); mix(G_MISC_D, r);
	X2("fle.d"); mix(G_MISC_D, r);
	X1("fclass.d"); mix(G_MISC_D, r);
	X1("fcvt.w.d"); mix(G_TOINT, r);
	X1("fcvt.wu.d"); mix(G_TOINT, r);
	X1("fcvt.l.d"); mix(G_TOINT, r);
	X1("fcvt.lu.d"); mix(G_TOINT, r);
	R1("fcvt.s.d"); mix(G_CVT, r);
}

static void round_i(uint64_t i)
{
	uint64_t r;

	FX("fcvt.s.w"); mix(G_FROMINT, r);
	FX("fcvt.s.wu"); mix(G_FROMINT, r);
	FX("fcvt.s.l"); mix(G_FROMINT, r);
	FX("fcvt.s.lu"); mix(G_FROMINT, r);
	FX("fcvt.d.w"); mix(G_FROMINT, r);
	FX("fcvt.d.wu"); mix(G_FROMINT, r);
	FX("fcvt.d.l"); mix(G_FROMINT, r);
	FX("fcvt.d.lu"); mix(G_FROMINT, r);
	FX("fmv.w.x"); mix(G_FROMINT, r);
	FX("fmv.d.x"); mix(G_FROMINT, r);
}

/* Rounding modes in the instruction, not from frm. */
static void round_static(uint64_t a, uint64_t b)
{
	uint64_t r;

	R2("fadd.d"); mix(G_STATIC, r);
	__asm__ volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n fadd.d ft2, ft0, ft1, rtz\n fmv.x.d %0, ft2"
			 : "=r"(r) : "r"(a), "r"(b) : "ft0", "ft1", "ft2");
	mix(G_STATIC, r);
	__asm__ volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n fmul.d ft2, ft0, ft1, rmm\n fmv.x.d %0, ft2"
			 : "=r"(r) : "r"(a), "r"(b) : "ft0", "ft1", "ft2");
	mix(G_STATIC, r);
	__asm__ volatile("fmv.d.x ft0, %1\n fcvt.w.d %0, ft0, rup" : "=r"(r) : "r"(a) : "ft0");
	mix(G_STATIC, r);
	__asm__ volatile("fmv.d.x ft0, %1\n fcvt.s.d ft2, ft0, rdn\n fmv.x.d %0, ft2"
			 : "=r"(r) : "r"(a) : "ft0", "ft2");
	mix(G_STATIC, r);
}

static void round_mem(uint64_t a)
{
	uint64_t buf[2] = { 0x1111111111111111ull, 0x2222222222222222ull }, r;

	__asm__ volatile("fmv.d.x ft0, %2\n fsw ft0, 4(%1)\n flw ft1, 0(%1)\n fmv.x.d %0, ft1"
			 : "=r"(r) : "r"(buf), "r"(a) : "ft0", "ft1", "memory");
	mix(G_MEM, r ^ buf[0]);
	__asm__ volatile("fmv.d.x ft0, %2\n fsd ft0, 3(%1)\n fld ft1, 2(%1)\n fmv.x.d %0, ft1"
			 : "=r"(r) : "r"(buf), "r"(a) : "ft0", "ft1", "memory");
	mix(G_MEM, r ^ buf[1]);
}

int main(void)
{
	for (unsigned n = 0; n < ROUNDS; n++) {
		uint64_t rm = rnd() % 5;

		__asm__ volatile("csrw frm, %0" : : "r"(rm));
		round_s(ops_(), ops_(), ops_());
		round_d(opd(), opd(), opd());
		round_i(opi());
		round_static(opd(), opd());
		round_mem(opd());
	}
	for (int g = 0; g < G_GROUPS; g++) {
		puts_(group_name[g]);
		putc_(' ');
		puthex(hash[g]);
		putc_('\n');
	}
	*TEST = 0x5555;
	for (;;)
		;
}
