/*
 * A floating-point workload whose result is a bit pattern: the Linux guest's
 * /init runs it on the F and D extensions (rv64gc) and prints the result;
 * tests/linux/fpcheck.c runs the same code on the host, whose IEEE 754
 * arithmetic gives the same bits for these operations, and the suite
 * compares the two.  Only correctly rounded operations are used (add, sub,
 * mul, div, sqrt, fused multiply-add, conversions), in round-to-nearest;
 * build both sides with -ffp-contract=off so neither fuses on its own.
 */
#ifndef NORVM_FPCHECK_H
#define NORVM_FPCHECK_H

#ifndef NOLIBC		/* nolibc defines the same types */
#include <stdint.h>
#endif

static inline uint64_t fp_bits(double d)
{
	union { double d; uint64_t u; } v = { .d = d };
	return v.u;
}

static inline uint32_t fp_bits32(float f)
{
	union { float f; uint32_t u; } v = { .f = f };
	return v.u;
}

/*
 * fp_mix(seed, rounds): a running value through double and single
 * precision, folded into 64 bits.  `yield` (may be null) is called every
 * round, so two processes running it interleave on one hart and the
 * kernel has to keep each one's FP registers.
 */
static inline uint64_t fp_mix(uint64_t seed, int rounds, void (*yield)(void))
{
	double x = (double)(seed % 1000) + 0.5, acc = 1.0;
	float s = (float)seed * 0.25f;
	uint64_t h = seed;

	for (int i = 0; i < rounds; i++) {
		x = x * 1.000001 + 0.1 / (x + (double)i);
		acc = __builtin_fma(acc, 1.0000003, __builtin_sqrt(x) * 1e-3);
		s = s / 1.5f + (float)i * 0.125f;
		h = h * 0x100000001b3ull ^ fp_bits(acc) ^ fp_bits32(s);
		h ^= (uint64_t)(int64_t)(x * 1000.0);
		if (yield)
			yield();
	}
	return h ^ fp_bits(x);
}

#endif
