/*
 * The host's side of the guest's FP check: prints fp_mix() for the seeds
 * and rounds given, one "SEED ROUNDS HEX" line each, as /init prints them.
 *   fpcheck SEED ROUNDS [SEED ROUNDS]...
 */
#include <stdio.h>
#include <stdlib.h>

#include "fpcheck.h"

int main(int argc, char **argv)
{
	if (argc < 3 || argc % 2 == 0) {
		fprintf(stderr, "usage: fpcheck SEED ROUNDS [SEED ROUNDS]...\n");
		return 2;
	}
	for (int i = 1; i + 1 < argc; i += 2) {
		unsigned long long seed = strtoull(argv[i], NULL, 0);
		int rounds = atoi(argv[i + 1]);

		printf("%llu %d %016llx\n", seed, rounds,
		       (unsigned long long)fp_mix(seed, rounds, NULL));
	}
	return 0;
}
