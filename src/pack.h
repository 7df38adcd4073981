/*
 * Bootable flash images: norvm's stage-0 loader at offset 0, a header that
 * lists the payloads (boot_header.h), the payloads (firmware, then the
 * next stage), and the rest erased (0xFF) for the guest's own use.  See
 * guest/stage0.S.
 */
#ifndef NORVM_PACK_H
#define NORVM_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "boot_header.h"
#include "board/riscv_virt.h"

struct pack_config {
	const char *out;
	const char *firmware;	/* raw: loads at 0x80000000; ELF: by headers */
	const char *kernel;	/* raw: loads at 0x80200000; entered when
				 * there is no firmware (an S-mode payload) */
	uint64_t size;		/* image size in bytes */
};

/* Write the image atomically.  Returns 0 or a negative errno with `err`. */
int flash_pack(const struct pack_config *pc, char *err, size_t errlen)
	__attribute__((warn_unused_result));

struct vm;
/*
 * Before booting from the image at `path` (--boot flash), at start and at
 * every reset: its first word must not be erased (nothing to run), and if
 * it is a bootable image, every payload must lie inside the image, match
 * its CRC, land in the VM's RAM and miss its device tree.  0 (also for an
 * image of someone else's making), or -errno with `err` set.
 */
int pack_check_boot(const char *path, const struct vm *vm, char *err,
		    size_t errlen) __attribute__((warn_unused_result));

#endif
