/*
 * The firmware norvm carries (firmware/, unpacked by make) and what a UEFI
 * run needs from it: the code for flash bank 0, and a variable store for
 * bank 1, made from EDK2's template the first time a VM uses it.
 */
#ifndef NORVM_FIRMWARE_H
#define NORVM_FIRMWARE_H

#include <stddef.h>
#include <stdint.h>

/* OpenSBI's fw_dynamic from Debian's opensbi: M-mode under UEFI. */
#define FIRMWARE_OPENSBI	"/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
#define FIRMWARE_UEFI_CODE	"edk2-riscv64/RISCV_VIRT_CODE.fd"
#define FIRMWARE_UEFI_VARS	"edk2-riscv64/RISCV_VIRT_VARS.fd"
/* A variable store is a whole bank: QEMU virt's 32 MiB, so QEMU takes it too. */
#define UEFI_VARS_SIZE		(UINT64_C(32) << 20)

struct board;

/*
 * Find the carried file `name` (e.g. FIRMWARE_UEFI_CODE): in $NORVM_DATADIR,
 * then build/firmware beside the norvm binary (a build tree), then
 * ../share/norvm/firmware from it (an installed norvm).  An absolute `name`
 * is a file another package installs (`package`, for the message).  0 with
 * the path in `out`, or -ENOENT with one line in `err` naming where it
 * looked.
 */
int firmware_find(const char *name, const char *package, char *out, size_t outlen,
		  char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * The variable store at `path`: if there is no file there, make one from
 * the board's template, erased to the board's store size (and say so on
 * stderr); an existing file is left as it is (flash opening checks it).
 * 0 or -errno with one line in `err`.
 */
int uefi_vars_prepare(const char *path, const struct board *b, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
