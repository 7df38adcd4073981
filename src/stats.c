#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "hw/cfi_flash.h"
#include "stats.h"
#include "util.h"
#include "vm.h"

static uint64_t get(atomic_uint_fast64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static bool counts_instructions(struct vm *vm)
{
	return vm->accel->instret != NULL;
}

static uint64_t instructions(struct vm *vm)
{
	uint64_t n = 0;

	for (unsigned h = 0; counts_instructions(vm) && h < vm->nharts; h++)
		n += vm->accel->instret(vm, h);
	return n;
}

void stats_print(struct vm *vm, FILE *f, double seconds)
{
	struct mmio_bus *b = &vm->bus;
	uint64_t insns = instructions(vm);

	if (counts_instructions(vm))
		fprintf(f, "\nnorvm exit statistics (%.3f s, accelerator %s, %" PRIu64
			" guest instructions, %.1f M/s)\n", seconds, vm->accel->name,
			insns, seconds > 0 ? insns / seconds / 1e6 : 0.0);
	else
		fprintf(f, "\nnorvm exit statistics (%.3f s, accelerator %s)\n",
			seconds, vm->accel->name);
	fprintf(f, "  %-12s %12s %12s %12s %12s\n", "device", "reads", "writes", "fetches", "total");
	for (unsigned i = 0; i < b->nregions; i++) {
		struct mmio_counts *c = &b->regions[i].counts;
		uint64_t r = get(&c->reads), w = get(&c->writes), x = get(&c->fetches);

		fprintf(f, "  %-12s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n",
			b->regions[i].name, r, w, x, r + w + x);
	}
	fprintf(f, "  %-12s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n", "all",
		get(&b->total.reads), get(&b->total.writes), get(&b->total.fetches),
		get(&b->total.reads) + get(&b->total.writes) + get(&b->total.fetches));
	fprintf(f, "  %-12s %12" PRIu64 "\n", "unclaimed", get(&b->unclaimed));
	for (unsigned i = 0; i < VM_MAX_FLASH; i++)
		if (vm->flash[i])
			cfi_flash_print_stats(vm->flash[i], f);
}

static void json_counts(FILE *f, struct mmio_counts *c)
{
	fprintf(f, "{\"reads\": %" PRIu64 ", \"writes\": %" PRIu64 ", \"fetches\": %" PRIu64 "}",
		get(&c->reads), get(&c->writes), get(&c->fetches));
}

/* One object per hart; its state where the accelerator tells it. */
static void json_harts(struct vm *vm, FILE *f)
{
	fprintf(f, "[");
	for (unsigned i = 0; i < vm->nharts; i++) {
		struct hart_state s;

		fprintf(f, "%s\n    {\"hart\": %u", i ? "," : "", i);
		if (vm->accel->hart_state) {
			vm->accel->hart_state(vm, i, &s);
			fprintf(f, ", \"pc\": \"0x%" PRIx64 "\", \"priv\": %u, "
				"\"instret\": %" PRIu64 ",\n     \"x\": [", s.pc, s.priv,
				s.instret);
			for (unsigned r = 0; r < 32; r++)
				fprintf(f, "%s\"0x%" PRIx64 "\"", r ? ", " : "", s.x[r]);
			fprintf(f, "],\n     \"jit\": ");
			if (s.jit)
				fprintf(f, "{\"blocks\": %" PRIu64 ", \"instructions\": %" PRIu64
					", \"bytes\": %" PRIu64 ", \"flushes\": %" PRIu64 "}",
					s.jit_stats.blocks, s.jit_stats.insns,
					s.jit_stats.bytes, s.jit_stats.flushes);
			else
				fprintf(f, "null");
		}
		fprintf(f, "}");
	}
	fprintf(f, "\n  ]");
}

int stats_write_json(struct vm *vm, const struct stats_timeline *t, const char *path,
		     double seconds, char *err, size_t errlen)
{
	struct mmio_bus *b = &vm->bus;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret;

	if (!f) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	fprintf(f, "{\n  \"accelerator\": \"%s\",\n  \"seconds\": %.6f,\n",
		vm->accel->name, seconds);
	if (counts_instructions(vm))
		fprintf(f, "  \"instructions\": %" PRIu64 ",\n", instructions(vm));
	else
		fprintf(f, "  \"instructions\": null,\n");
	fprintf(f, "  \"harts\": ");
	json_harts(vm, f);
	fprintf(f, ",\n  \"exits\": ");
	json_counts(f, &b->total);
	if (vm->accel->stats_json)
		vm->accel->stats_json(vm, f);
	fprintf(f, ",\n  \"unclaimed\": %" PRIu64 ",\n  \"devices\": {", get(&b->unclaimed));
	for (unsigned i = 0; i < b->nregions; i++) {
		fprintf(f, "%s\n    \"%s\": ", i ? "," : "", b->regions[i].name);
		json_counts(f, &b->regions[i].counts);
	}
	fprintf(f, "\n  },\n  \"flash\": {");
	for (unsigned i = 0, n = 0; i < VM_MAX_FLASH; i++) {
		if (!vm->flash[i])
			continue;
		fprintf(f, "%s\n    \"flash%u\": ", n++ ? "," : "", i);
		cfi_flash_stats_json(vm->flash[i], f);
	}
	fprintf(f, "\n  }");
	if (t) {
		fprintf(f, ",\n  \"timeline\": ");
		stats_timeline_json(t, f, "  ");
	}
	fprintf(f, "\n}\n");
	fclose(f);
	ret = output_write(path, "--stats-json", text, len, false, err, errlen);
	free(text);
	return ret;
}

/*
 * The timeline.  The harts count exits with relaxed atomic adds on the
 * bus (mmio.c) and nothing else; this thread wakes every interval, reads
 * each region's three counters with relaxed atomic loads, and stores the
 * difference from its previous reading.  Each counter only grows, so every
 * difference is >= 0, and since the first reading is taken against zero
 * and the last after the harts have stopped, a device's rows add up to
 * its counters.  Deadlines are absolute: a late wake-up leaves the exits
 * in the row it is taken for and a near-empty row after, not a drift.
 */
struct stats_timeline {
	struct mmio_bus *bus;
	unsigned ndev;
	uint64_t interval_ms;		/* doubles whenever rows are merged */
	uint64_t *last;			/* ndev: each device's exits at the last sample */
	uint64_t *rows;			/* nrows x ndev */
	size_t nrows, cap;
	struct timespec next;		/* the next deadline */
	pthread_t thread;
	pthread_mutex_t lock;		/* between the sampler and stop only */
	pthread_cond_t wake;
	bool stop;
	uint64_t cpu_ns;		/* the sampler thread's CPU time */
};

static uint64_t region_exits(struct mmio_region *r)
{
	return get(&r->counts.reads) + get(&r->counts.writes) + get(&r->counts.fetches);
}

/* Halve the rows, each the sum of two neighbours, and double the interval. */
static void merge_rows(struct stats_timeline *t)
{
	size_t n = t->nrows / 2;

	for (size_t i = 0; i < n; i++)
		for (unsigned d = 0; d < t->ndev; d++)
			t->rows[i * t->ndev + d] = t->rows[2 * i * t->ndev + d] +
						   t->rows[(2 * i + 1) * t->ndev + d];
	if (t->nrows % 2) {
		memcpy(&t->rows[n * t->ndev], &t->rows[2 * n * t->ndev],
		       t->ndev * sizeof(t->rows[0]));
		n++;
	}
	t->nrows = n;
	t->interval_ms *= 2;
}

static void sample(struct stats_timeline *t)
{
	uint64_t *row;

	if (t->nrows == t->cap) {
		uint64_t *rows = realloc(t->rows, (2 * t->cap * t->ndev + 1) * sizeof(*rows));

		if (rows) {
			t->rows = rows;
			t->cap *= 2;
		} else {
			merge_rows(t);	/* out of memory: coarser, but whole */
		}
	}
	row = &t->rows[t->nrows++ * t->ndev];
	for (unsigned d = 0; d < t->ndev; d++) {
		uint64_t now = region_exits(&t->bus->regions[d]);

		row[d] = now - t->last[d];
		t->last[d] = now;
	}
	/* Merged at a deadline, the next interval starts where a doubled one would. */
	if (t->nrows == STATS_TIMELINE_MAX_ROWS)
		merge_rows(t);
}

static void *sampler(void *arg)
{
	struct stats_timeline *t = arg;
	struct timespec cpu;

	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		t->next.tv_sec += (time_t)(t->interval_ms / 1000);
		t->next.tv_nsec += (long)(t->interval_ms % 1000) * 1000000;
		if (t->next.tv_nsec >= 1000000000) {
			t->next.tv_sec++;
			t->next.tv_nsec -= 1000000000;
		}
		while (!t->stop && pthread_cond_timedwait(&t->wake, &t->lock, &t->next) != ETIMEDOUT)
			;
		if (!t->stop)
			sample(t);
	}
	pthread_mutex_unlock(&t->lock);
	/* What sampling cost, in CPU time of this thread; read after the join. */
	if (!clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu))
		t->cpu_ns = (uint64_t)cpu.tv_sec * 1000000000 + (uint64_t)cpu.tv_nsec;
	return NULL;
}

struct stats_timeline *stats_timeline_start(struct mmio_bus *bus, unsigned interval_ms,
					    const struct timespec *origin,
					    char *err, size_t errlen)
{
	struct stats_timeline *t = calloc(1, sizeof(*t));
	pthread_condattr_t ca;
	sigset_t all, old;
	int ret = -1;

	if (!t || !interval_ms)
		goto fail;
	t->bus = bus;
	t->ndev = bus->nregions;
	t->interval_ms = interval_ms;
	t->next = *origin;
	t->cap = 64;
	/* + 1: no allocation of size 0 on a bus without devices */
	t->last = calloc(t->ndev + 1, sizeof(*t->last));
	t->rows = calloc(t->cap * t->ndev + 1, sizeof(*t->rows));
	if (!t->last || !t->rows)
		goto fail;
	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->wake, &ca);
	pthread_condattr_destroy(&ca);
	/* The sampler takes no signal: SIGINT and the like go to the console's signalfd. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&t->thread, NULL, sampler, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		pthread_cond_destroy(&t->wake);
		pthread_mutex_destroy(&t->lock);
		goto fail;
	}
	return t;
fail:
	snprintf(err, errlen, "--stats-json: cannot start the timeline sampler: %s",
		 ret > 0 ? strerror(ret) : !interval_ms ? "interval 0" : "out of memory");
	if (t) {
		free(t->last);
		free(t->rows);
		free(t);
	}
	return NULL;
}

void stats_timeline_stop(struct stats_timeline *t)
{
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	stats_timeline_sample(t);
}

void stats_timeline_sample(struct stats_timeline *t)
{
	pthread_mutex_lock(&t->lock);
	sample(t);
	pthread_mutex_unlock(&t->lock);
}

void stats_timeline_json(const struct stats_timeline *t, FILE *f, const char *indent)
{
	fprintf(f, "{\n%s  \"interval_ms\": %" PRIu64 ",\n%s  \"sampler_cpu_ms\": %.3f,\n%s  \"devices\": [",
		indent, t->interval_ms, indent, t->cpu_ns / 1e6, indent);
	for (unsigned d = 0; d < t->ndev; d++)
		fprintf(f, "%s\"%s\"", d ? ", " : "", t->bus->regions[d].name);
	fprintf(f, "],\n%s  \"exits\": [", indent);
	for (size_t i = 0; i < t->nrows; i++) {
		fprintf(f, "%s\n%s    [", i ? "," : "", indent);
		for (unsigned d = 0; d < t->ndev; d++)
			fprintf(f, "%s%" PRIu64, d ? ", " : "", t->rows[i * t->ndev + d]);
		fputc(']', f);
	}
	fprintf(f, "\n%s  ]\n%s}", indent, indent);
}

const uint64_t *stats_timeline_rows(const struct stats_timeline *t, unsigned *ndev,
				    size_t *nrows, uint64_t *interval_ms)
{
	*ndev = t->ndev;
	*nrows = t->nrows;
	*interval_ms = t->interval_ms;
	return t->rows;
}

void stats_timeline_free(struct stats_timeline *t)
{
	if (!t)
		return;
	pthread_cond_destroy(&t->wake);
	pthread_mutex_destroy(&t->lock);
	free(t->last);
	free(t->rows);
	free(t);
}
