#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int stats_write_json(struct vm *vm, const char *path, double seconds,
		     char *err, size_t errlen)
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
	fprintf(f, "  \"harts\": %u,\n  \"exits\": ", vm->nharts);
	json_counts(f, &b->total);
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
	fprintf(f, "\n  }\n}\n");
	fclose(f);
	ret = write_file_atomic(path, text, len, err, errlen);
	free(text);
	return ret;
}
