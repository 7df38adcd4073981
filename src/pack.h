/*
 * Bootable flash images: norvm's stage-0 loader at offset 0, a header that
 * lists the payloads, the payloads (firmware, then the next stage), and the
 * rest erased (0xFF) for the guest's own use.  See guest/stage0.S.
 */
#ifndef NORVM_PACK_H
#define NORVM_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "virt.h"

#define PACK_HEADER_OFFSET	0x200
#define PACK_PAYLOAD_OFFSET	0x1000
#define PACK_MAGIC		"NORVMBT0"
#define PACK_MAX_PAYLOADS	4

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
 * Before booting from the image at `path` (--boot flash): if it is a
 * bootable image, every payload must land in the VM's RAM and miss its
 * device tree.  0 (also for any other image), or -errno with `err` set.
 */
int pack_check_boot(const char *path, const struct vm *vm, char *err,
		    size_t errlen) __attribute__((warn_unused_result));

#endif
