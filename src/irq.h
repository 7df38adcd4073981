/* An interrupt line: a device drives it, an interrupt controller owns it. */
#ifndef NORVM_IRQ_H
#define NORVM_IRQ_H

#include <stdbool.h>

struct irq_line {
	void (*set)(void *opaque, unsigned n, bool level);
	void *opaque;
	unsigned n;
};

static inline void irq_set(const struct irq_line *l, bool level)
{
	if (l->set)
		l->set(l->opaque, l->n, level);
}

#endif
