/*
 * A flash bank's statistics: the counters, as --stats prints them and as
 * --stats-json writes them.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hw/cfi_cmdset.h"
#include "hw/cfi_core.h"

void cfi_flash_get_stats(struct cfi_flash *f, struct cfi_flash_stats *out)
{
	pthread_mutex_lock(&f->lock);
	*out = f->stats;
	pthread_mutex_unlock(&f->lock);
}

uint64_t cfi_flash_cmd_count(struct cfi_flash *f, const char *kind)
{
	uint64_t n = 0;

	pthread_mutex_lock(&f->lock);
	for (unsigned i = 0; i < f->set->ncmds; i++)
		if (!strcmp(f->set->cmd_names[i], kind))
			n = f->stats.cmds[i];
	pthread_mutex_unlock(&f->lock);
	return n;
}


/* Mapping changes per programmed bus word, as a decimal string. */
static void per_word(const struct cfi_flash_stats *s, char *buf, size_t len)
{
	if (s->words)
		snprintf(buf, len, "%.4f", (double)s->program_map_changes / (double)s->words);
	else
		snprintf(buf, len, "null");
}

void cfi_flash_print_stats(struct cfi_flash *f, FILE *out)
{
	struct cfi_flash_stats s;
	char pw[32];

	cfi_flash_get_stats(f, &s);
	fprintf(out, "  %s: %s, %s command set%s\n", f->cfg.name ? f->cfg.name : "flash",
		f->part.name, f->set->title, f->timing ? ", timing real" : "");
	fprintf(out, "    trapped reads");
	for (unsigned i = 0; i < CFI_MODES; i++)
		fprintf(out, " %s %" PRIu64, cfi_mode_names[i], s.reads[i]);
	fprintf(out, " (while busy %" PRIu64 "); writes %" PRIu64 "; maps %" PRIu64
		", unmaps %" PRIu64, s.busy_reads, s.writes, s.maps, s.unmaps);
	if (s.map_errors)
		fprintf(out, ", failed mapping changes %" PRIu64, s.map_errors);
	fprintf(out, "\n");
	per_word(&s, pw, sizeof(pw));
	fprintf(out, "    operations %" PRIu64 ": program %" PRIu64 " (%" PRIu64 " words; mapping "
		"changes around them %" PRIu64 ", %s per word), erase %" PRIu64 " (%" PRIu64 " blocks), suspended %"
		PRIu64 "\n", s.ops, s.programs, s.words, s.program_map_changes, s.words ? pw : "-",
		s.erases,
		s.erased_blocks, s.suspends);
	fprintf(out, "    commands:");
	for (unsigned i = 0; i < f->set->ncmds; i++)
		if (s.cmds[i])
			fprintf(out, " %s %" PRIu64, f->set->cmd_names[i], s.cmds[i]);
	fprintf(out, "\n");
}

/* The counters --stats-json writes after "reads", in order, by name. */
#define PER_WORD	SIZE_MAX	/* map_changes_per_word, derived */
#define FIELD(name, member) { name, offsetof(struct cfi_flash_stats, member) }
static const struct { const char *name; size_t off; } json_fields[] = {
	FIELD("busy_reads", busy_reads), FIELD("writes", writes), FIELD("maps", maps),
	FIELD("unmaps", unmaps), FIELD("map_errors", map_errors), FIELD("operations", ops),
	FIELD("programs", programs), FIELD("words", words),
	FIELD("program_map_changes", program_map_changes),
	{ "map_changes_per_word", PER_WORD },
	FIELD("erases", erases), FIELD("erased_blocks", erased_blocks),
	FIELD("suspends", suspends),
};

void cfi_flash_stats_json(struct cfi_flash *f, FILE *out)
{
	struct cfi_flash_stats s;
	char pw[32];

	cfi_flash_get_stats(f, &s);
	per_word(&s, pw, sizeof(pw));
	fprintf(out, "{\"part\": \"%s\", \"cmdset\": \"%s\", \"timing\": %s, \"reads\": {",
		f->part.name, f->set->name, f->timing ? "true" : "false");
	for (unsigned i = 0; i < CFI_MODES; i++)
		fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", cfi_mode_names[i], s.reads[i]);
	fprintf(out, "}");
	for (unsigned i = 0; i < sizeof(json_fields) / sizeof(json_fields[0]); i++) {
		if (json_fields[i].off == PER_WORD)
			fprintf(out, ", \"%s\": %s", json_fields[i].name, pw);
		else
			fprintf(out, ", \"%s\": %" PRIu64, json_fields[i].name,
				*(const uint64_t *)((const char *)&s + json_fields[i].off));
	}
	fprintf(out, ", \"commands\": {");
	for (unsigned i = 0; i < f->set->ncmds; i++)
		fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", f->set->cmd_names[i],
			s.cmds[i]);
	fprintf(out, "}}");
}
