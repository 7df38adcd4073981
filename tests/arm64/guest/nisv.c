/*
 * Loads and stores of the forms KVM cannot describe to the VMM (no
 * syndrome: pairs, pre- and post-index writeback, SIMD&FP registers)
 * against flash bank 0.  With the array mapped they are plain memory
 * accesses; with --flash-map=off each one is a KVM_EXIT_ARM_NISV that
 * norvm decodes and emulates.  Every result is compared with the same
 * bytes read one at a time (ldrb, which KVM does describe) and printed,
 * so the two runs' output must be the same.  CPU 1 (PSCI CPU_ON) does a
 * pair load of its own.
 */
#include <stdint.h>

#define UART		0x09000000UL
#define FLASH		0x00000000UL
#define PSCI_CPU_ON	0xc4000003UL

static void putc_(char c)
{
	*(volatile uint32_t *)UART = (uint8_t)c;
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void hex(uint64_t v)
{
	puts_("0x");
	for (int i = 60; i >= 0; i -= 4)
		putc_("0123456789abcdef"[(v >> i) & 0xf]);
}

static unsigned failures;

static void check(const char *name, uint64_t got, uint64_t want)
{
	puts_(got == want ? "ok " : "BAD ");
	puts_(name);
	putc_(' ');
	hex(got);
	if (got != want) {
		puts_(" want ");
		hex(want);
		failures++;
	}
	putc_('\n');
}

/* n bytes at a, little-endian, each read with ldrb. */
static uint64_t ref(uint64_t a, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t b;

		__asm__ volatile("ldrb %w0, [%1]" : "=r"(b) : "r"(a + i) : "memory");
		v |= b << (8 * i);
	}
	return v;
}

static int64_t sext(uint64_t v, unsigned bytes)
{
	unsigned s = 64 - 8 * bytes;

	return (int64_t)(v << s) >> s;
}

static volatile uint64_t cpu1_pair[2];
static volatile uint32_t cpu1_done;

void secondary(void)
{
	uint64_t a, b;

	__asm__ volatile("ldp %0, %1, [%2]" : "=r"(a), "=r"(b) : "r"(FLASH + 0x200) : "memory");
	cpu1_pair[0] = a;
	cpu1_pair[1] = b;
	cpu1_done = 1;
	for (;;)
		__asm__ volatile("wfi");
}

static int64_t cpu_on(uint64_t mpidr, uint64_t entry)
{
	register uint64_t x0 __asm__("x0") = PSCI_CPU_ON;
	register uint64_t x1 __asm__("x1") = mpidr;
	register uint64_t x2 __asm__("x2") = entry;
	register uint64_t x3 __asm__("x3") = 0;

	__asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
	return (int64_t)x0;
}

extern char _start[];

int main(void)
{
	const uint64_t f = FLASH + 0x100;
	uint64_t a, b, base;
	int64_t s;

	puts_("nisv: start\n");

	__asm__ volatile("ldp %0, %1, [%2]" : "=r"(a), "=r"(b) : "r"(f) : "memory");
	check("ldp_x", a, ref(f, 8));
	check("ldp_x.2", b, ref(f + 8, 8));

	__asm__ volatile("ldp %w0, %w1, [%2, #8]" : "=r"(a), "=r"(b) : "r"(f) : "memory");
	check("ldp_w", a, ref(f + 8, 4));
	check("ldp_w.2", b, ref(f + 12, 4));

	base = f;
	__asm__ volatile("ldp %0, %1, [%2, #16]!" : "=r"(a), "=r"(b), "+r"(base) : : "memory");
	check("ldp_pre", a, ref(f + 16, 8));
	check("ldp_pre.2", b, ref(f + 24, 8));
	check("ldp_pre.base", base, f + 16);

	base = f;
	__asm__ volatile("ldp %0, %1, [%2], #32" : "=r"(a), "=r"(b), "+r"(base) : : "memory");
	check("ldp_post", a, ref(f, 8));
	check("ldp_post.2", b, ref(f + 8, 8));
	check("ldp_post.base", base, f + 32);

	base = f;
	__asm__ volatile("ldpsw %0, %1, [%2, #-8]!" : "=r"(a), "=r"(b), "+r"(base) : : "memory");
	check("ldpsw_pre", a, (uint64_t)sext(ref(f - 8, 4), 4));
	check("ldpsw_pre.2", b, (uint64_t)sext(ref(f - 4, 4), 4));
	check("ldpsw_pre.base", base, f - 8);

	__asm__ volatile("ldnp %0, %1, [%2, #48]" : "=r"(a), "=r"(b) : "r"(f) : "memory");
	check("ldnp_x", a, ref(f + 48, 8));
	check("ldnp_x.2", b, ref(f + 56, 8));

	base = f;
	__asm__ volatile("ldr %0, [%1], #8" : "=r"(a), "+r"(base) : : "memory");
	check("ldr_x_post", a, ref(f, 8));
	check("ldr_x_post.base", base, f + 8);

	base = f;
	__asm__ volatile("ldr %w0, [%1, #4]!" : "=r"(a), "+r"(base) : : "memory");
	check("ldr_w_pre", a, ref(f + 4, 4));
	check("ldr_w_pre.base", base, f + 4);

	base = f + 64;
	__asm__ volatile("ldrh %w0, [%1, #-2]!" : "=r"(a), "+r"(base) : : "memory");
	check("ldrh_pre", a, ref(f + 62, 2));
	check("ldrh_pre.base", base, f + 62);

	base = f + 3;
	__asm__ volatile("ldrb %w0, [%1], #-3" : "=r"(a), "+r"(base) : : "memory");
	check("ldrb_post", a, ref(f + 3, 1));
	check("ldrb_post.base", base, f);

	base = f + 0x41;
	__asm__ volatile("ldrsb %0, [%1], #1" : "=r"(s), "+r"(base) : : "memory");
	check("ldrsb_x_post", (uint64_t)s, (uint64_t)sext(ref(f + 0x41, 1), 1));
	base = f + 0x41;
	__asm__ volatile("ldrsb %w0, [%1], #1" : "=r"(s), "+r"(base) : : "memory");
	check("ldrsb_w_post", (uint64_t)s, (uint32_t)sext(ref(f + 0x41, 1), 1));
	base = f + 0x42;
	__asm__ volatile("ldrsh %0, [%1, #2]!" : "=r"(s), "+r"(base) : : "memory");
	check("ldrsh_pre", (uint64_t)s, (uint64_t)sext(ref(f + 0x44, 2), 2));
	base = f + 0x48;
	__asm__ volatile("ldrsw %0, [%1], #4" : "=r"(s), "+r"(base) : : "memory");
	check("ldrsw_post", (uint64_t)s, (uint64_t)sext(ref(f + 0x48, 4), 4));
	check("ldrsw_post.base", base, f + 0x4c);

	/* SIMD&FP: one and two Q registers, a D register with writeback. */
	{
		uint64_t lo, hi, lo2, hi2;

		__asm__ volatile("ldr q0, [%4]\n\t"
				 "mov %0, v0.d[0]\n\tmov %1, v0.d[1]\n\t"
				 "ldp q1, q2, [%4, #32]\n\t"
				 "mov %2, v2.d[0]\n\tmov %3, v2.d[1]"
				 : "=r"(lo), "=r"(hi), "=r"(lo2), "=r"(hi2) : "r"(f)
				 : "v0", "v1", "v2", "memory");
		check("ldr_q", lo, ref(f, 8));
		check("ldr_q.hi", hi, ref(f + 8, 8));
		check("ldp_q.2", lo2, ref(f + 48, 8));
		check("ldp_q.2hi", hi2, ref(f + 56, 8));
		base = f;
		__asm__ volatile("ldr d3, [%1], #16\n\tfmov %0, d3"
				 : "=r"(lo), "+r"(base) : : "v3", "memory");
		check("ldr_d_post", lo, ref(f, 8));
		check("ldr_d_post.base", base, f + 16);
	}

	/*
	 * Stores: the read-array command (0xff in each byte lane) written
	 * with writeback and as a pair; the array must read as before.
	 */
	base = FLASH;
	__asm__ volatile("str %w1, [%0], #4" : "+r"(base) : "r"(0xffffffffu) : "memory");
	check("str_w_post.base", base, FLASH + 4);
	__asm__ volatile("stp %w1, %w1, [%0]" : : "r"(FLASH + 8), "r"(0xffffffffu) : "memory");
	__asm__ volatile("ldp %0, %1, [%2]" : "=r"(a), "=r"(b) : "r"(f) : "memory");
	check("after_stores", a, ref(f, 8));

	/* CPU 1. */
	s = cpu_on(1, (uint64_t)_start);
	if (s) {
		puts_("cpu1: CPU_ON ");
		hex((uint64_t)s);
		putc_('\n');
	} else {
		while (!cpu1_done)
			;
		check("cpu1_ldp", cpu1_pair[0], ref(FLASH + 0x200, 8));
		check("cpu1_ldp.2", cpu1_pair[1], ref(FLASH + 0x208, 8));
	}
	puts_(failures ? "nisv: FAILED\n" : "nisv: all ok\n");
	return 0;
}
