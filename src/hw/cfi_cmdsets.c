/*
 * The registry of flash command sets (cfi_cmdset.h): each set registers
 * itself before main, and parts and banks find theirs by primary ID or by
 * name here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "hw/cfi_cmdset.h"
#include "hw/cfi_core.h"

#define MAX_CMDSETS	8
static const struct cfi_cmdset *cmdsets[MAX_CMDSETS];

/*
 * A command set that does not fit the core's tables is a bug in norvm, found
 * at start-up (registration runs before main).
 */
void cfi_cmdset_register(const struct cfi_cmdset *set)
{
	/* The primary table's header, then pri(): from 0x2d + 4 per region. */
	if (set->ncmds > CFI_CMD_SLOTS ||
	    0x2d + 4 * CFI_MAX_REGIONS + set->pri_len > CFI_QUERY_MAX ||
	    set->pri_min + set->pri_len > CFI_QUERY_MAX) {
		fprintf(stderr, "norvm: command set %s does not fit the flash's tables\n",
			set->name);
		abort();
	}
	for (unsigned i = 0; i < MAX_CMDSETS; i++)
		if (!cmdsets[i]) {
			cmdsets[i] = set;
			return;
		}
}

const struct cfi_cmdset *cfi_cmdset_for(uint16_t id)
{
	for (unsigned i = 0; i < MAX_CMDSETS && cmdsets[i]; i++)
		for (unsigned j = 0; j < 3; j++)
			if (cmdsets[i]->ids[j] == id)
				return cmdsets[i];
	return NULL;
}

const struct cfi_cmdset *cfi_cmdset_named(const char *name)
{
	for (unsigned i = 0; i < MAX_CMDSETS && cmdsets[i]; i++)
		if (!strcasecmp(cmdsets[i]->name, name))
			return cmdsets[i];
	return NULL;
}

const struct cfi_cmdset *cfi_cmdset_at(unsigned i)
{
	return i < MAX_CMDSETS ? cmdsets[i] : NULL;
}
