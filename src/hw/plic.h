/*
 * SiFive PLIC as on QEMU virt: `ndev` level-triggered sources, priorities
 * 0-7, two contexts per hart (2h: M-mode, 2h+1: S-mode) driving MEIP and
 * SEIP; without M-mode contexts one per hart (h: S-mode) driving SEIP.  A
 * claimed source is not pending again until it is completed.
 */
#ifndef NORVM_HW_PLIC_H
#define NORVM_HW_PLIC_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"

struct vm;
struct plic;

#define PLIC_SIZE	0x4000000

#define PLIC_MAX_SOURCES 128

struct plic *plic_create(struct vm *vm, uint64_t base, unsigned ndev,
			 bool m_contexts);
/* Power-on state: priorities, enables and thresholds 0, nothing claimed. */
void plic_reset(struct plic *p);
void plic_destroy(struct plic *p);

/* An interrupt source's line; usable as an irq_line callback. */
void plic_set_irq(void *opaque, unsigned src, bool level);
/* Its descriptor; its node's phandle is the board's interrupt controller's. */
struct device plic_device(struct plic *p, uint64_t base);

#endif
