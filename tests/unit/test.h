/*
 * A tiny unit-test harness.  Each test is a function; RUN() runs one and
 * prints "PASS name" or "FAIL name: why" (tests/run.sh counts these lines).
 * CHECK() records a failure with its location and keeps going.
 */
#ifndef NORVM_TEST_H
#define NORVM_TEST_H

#include <inttypes.h>
#include <stdio.h>

static int test_failed_checks;
static int test_total_failed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		if (!test_failed_checks++) \
			printf("  %s:%d: CHECK(%s)\n", __FILE__, __LINE__, #cond); \
	} } while (0)

#define CHECK_EQ(a, b) do { \
	uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b); \
	if (a_ != b_) { \
		if (!test_failed_checks++) \
			printf("  %s:%d: %s == 0x%" PRIx64 ", expected %s == 0x%" PRIx64 "\n", \
			       __FILE__, __LINE__, #a, a_, #b, b_); \
	} } while (0)

#define RUN(fn) do { \
	test_failed_checks = 0; \
	fn(); \
	if (test_failed_checks) { \
		printf("FAIL %s (%d checks failed)\n", #fn, test_failed_checks); \
		test_total_failed++; \
	} else { \
		printf("PASS %s\n", #fn); \
	} \
	fflush(stdout); } while (0)

#define TEST_EXIT() (test_total_failed ? 1 : 0)

#endif
