/*
 * Exit statistics: a table for people (--stats), JSON for scripts
 * (--stats-json), and with the JSON a timeline: the exits of each device
 * in each interval of wall time, counted by a sampler thread that reads
 * the bus's counters, so the harts' exit path does no more than before.
 */
#ifndef NORVM_STATS_H
#define NORVM_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct vm;
struct mmio_bus;
struct stats_timeline;

#define STATS_INTERVAL_MS_DEFAULT 10
#define STATS_INTERVAL_MS_MAX 60000
/* Past this many intervals, neighbours are added up and the interval doubles. */
#define STATS_TIMELINE_MAX_ROWS 4096

void stats_print(struct vm *vm, FILE *f, double seconds);

/*
 * Write the statistics as JSON to `path`; with a stopped timeline (or
 * NULL for none) under the key "timeline".
 */
int stats_write_json(struct vm *vm, const struct stats_timeline *t, const char *path,
		     double seconds, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * Start sampling the exits of every region registered on `bus` every
 * `interval_ms` ms after `origin` (CLOCK_MONOTONIC).  Regions must not be
 * added while it runs.  NULL, with a message in err, if it cannot start.
 */
struct stats_timeline *stats_timeline_start(struct mmio_bus *bus, unsigned interval_ms,
					    const struct timespec *origin,
					    char *err, size_t errlen);

/*
 * Stop the sampler and take the last sample (the exits since the one
 * before).  Once no exit can happen any more, the rows of each device add
 * up to its counters exactly.
 */
void stats_timeline_stop(struct stats_timeline *t);

/* Take a sample now, as if an interval ended (tests). */
void stats_timeline_sample(struct stats_timeline *t);

/*
 * The timeline as a JSON object: interval_ms, sampler_cpu_ms (the CPU
 * time sampling took), devices, exits (one row per interval).
 */
void stats_timeline_json(const struct stats_timeline *t, FILE *f, const char *indent);

/* Its rows: *nrows x *ndev counts, row-major, for tests. */
const uint64_t *stats_timeline_rows(const struct stats_timeline *t, unsigned *ndev,
				    size_t *nrows, uint64_t *interval_ms);

void stats_timeline_free(struct stats_timeline *t);

#endif
