/* The accelerator table and the choice among its entries. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "vm.h"

/* In the order "auto" tries them. */
static const struct accel_ops *const accels[] = {
	&kvm_accel_ops,
	&soft_accel_ops,
};

#define NACCELS (sizeof(accels) / sizeof(accels[0]))

/* "kvm, soft or auto": the table's names, then auto. */
const char *accel_choices(void)
{
	static char list[64];

	if (!list[0]) {
		size_t n = 0;

		for (size_t i = 0; i < NACCELS; i++)
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s, ",
					      accels[i]->name);
		snprintf(list + n - 2, sizeof(list) - (n - 2), " or auto");
	}
	return list;
}

static const struct accel_ops *find(const char *name)
{
	for (size_t i = 0; i < NACCELS; i++)
		if (!strcmp(accels[i]->name, name))
			return accels[i];
	return NULL;
}

bool accel_known(const char *name)
{
	return !strcmp(name, "auto") || find(name);
}

static int create(struct vm *vm, const struct accel_ops *a, char *err,
		  size_t errlen)
{
	int ret = a->create(vm, err, errlen);

	if (!ret)
		vm->accel = a;
	return ret;
}

int accel_open(struct vm *vm, const char *name, unsigned need_caps,
	       char *err, size_t errlen)
{
	const struct accel_ops *a;
	int ret = -ENODEV;

	if (strcmp(name, "auto")) {
		a = find(name);
		if (!a) {
			snprintf(err, errlen, "--accel %s: must be %s", name,
				 accel_choices());
			return -EINVAL;
		}
		if (a->arch && strcmp(a->arch, vm->board->arch)) {
			snprintf(err, errlen, "--accel %s runs %s guests only; the %s "
				 "board's guests are %s and need KVM on an %s host "
				 "(--accel kvm)", name, a->arch, vm->board->name,
				 vm->board->arch, vm->board->arch);
			return -EINVAL;
		}
		if ((need_caps & ACCEL_CAP_MMODE) && !(a->caps & ACCEL_CAP_MMODE)) {
			snprintf(err, errlen, "--accel %s runs no M-mode firmware: give "
				 "the S-mode payload with --kernel, not --firmware", name);
			return -EINVAL;
		}
		if ((need_caps & ACCEL_CAP_VCLOCK) && !(a->caps & ACCEL_CAP_VCLOCK)) {
			snprintf(err, errlen, "--accel %s runs on host time only: --clock "
				 "virtual needs the built-in CPU (--accel soft)", name);
			return -EINVAL;
		}
		ret = create(vm, a, err, errlen);
		if (ret) {
			char why[400];

			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, errlen, "--accel %s: %s", name, why);
		}
		return ret;
	}
	for (size_t i = 0; i < NACCELS; i++) {
		if ((need_caps & accels[i]->caps) != need_caps ||
		    (accels[i]->arch && strcmp(accels[i]->arch, vm->board->arch)))
			continue;
		ret = create(vm, accels[i], err, errlen);
		if (!ret)
			return 0;
	}
	return ret;
}
