/* The device tree norvm hands to the guest, built from what exists. */
#ifndef NORVM_DEVTREE_H
#define NORVM_DEVTREE_H

#include <stddef.h>
#include <stdint.h>

struct vm;

struct fdt_extra {
	uint64_t initrd_start, initrd_end;	/* 0, 0: none */
};

/* Build the tree into a new buffer (vm->fdt, vm->fdt_size). */
int fdt_build(struct vm *vm, const struct fdt_extra *x, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
