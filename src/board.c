/* The boards norvm has (board.h). */
#include <string.h>

#include "board.h"

extern const struct board riscv_virt_board;
extern const struct board arm64_virt_board;

static const struct board *const boards[] = {
	&riscv_virt_board,
	&arm64_virt_board,
};

const char board_names[] = "riscv-virt, arm64-virt";

const struct board *board_find(const char *name)
{
	for (size_t i = 0; i < sizeof(boards) / sizeof(boards[0]); i++)
		if (!strcmp(boards[i]->name, name))
			return boards[i];
	return NULL;
}

const struct board *board_default(void)
{
	return &riscv_virt_board;
}
