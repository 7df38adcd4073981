/* The "virt" board: builds a VM from a configuration and runs it. */
#ifndef NORVM_MACHINE_H
#define NORVM_MACHINE_H

#include <stddef.h>

#include "vm.h"

/*
 * Create the VM: RAM, devices, flash banks, accelerator.  Checks the whole
 * configuration and every input file before anything is started; returns 0
 * or a negative errno with a one-line message in `err`.
 */
int machine_create(struct vm *vm, const struct vm_config *cfg, char *err,
		   size_t errlen) __attribute__((warn_unused_result));

/*
 * Boot and run until the guest powers off or the user quits; a guest reset
 * reboots in place.  Returns the process exit status to use.
 */
int machine_run(struct vm *vm);

void machine_destroy(struct vm *vm);

/* Write the device tree the guest would get to `path`. */
int machine_dump_dtb(struct vm *vm, const char *path, char *err, size_t errlen);

#endif
