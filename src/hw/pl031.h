/*
 * ARM PrimeCell PL031 real-time clock: a seconds counter that starts at
 * the host's wall-clock time (UTC) and keeps the offset the guest loads.
 * The match register is kept but raises no interrupt: no alarm.
 */
#ifndef NORVM_HW_PL031_H
#define NORVM_HW_PL031_H

#include <stdint.h>

#include "device.h"

struct vm;
struct pl031;

#define PL031_SIZE	0x1000

struct pl031 *pl031_create(struct vm *vm, uint64_t base);
void pl031_destroy(struct pl031 *r);
/* Its descriptor: an "arm,pl031" node at `base` on SPI `irq`. */
struct device pl031_device(struct pl031 *r, uint64_t base, int irq);

#endif
