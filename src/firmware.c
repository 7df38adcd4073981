/* The firmware norvm carries (firmware.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board.h"
#include "firmware.h"
#include "hw/cfi_flash.h"
#include "loader.h"

/* The directory the running norvm binary is in, or "" if unknown. */
static void exe_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	buf[n > 0 ? n : 0] = 0;
	slash = strrchr(buf, '/');
	if (slash)
		*slash = 0;
	else
		buf[0] = 0;
}

int firmware_find(const char *name, const char *package, char *out, size_t outlen,
		  char *err, size_t errlen)
{
	char dir[PATH_MAX], tried[3][PATH_MAX + 64];
	const char *env = getenv("NORVM_DATADIR");
	unsigned n = 0;
	struct stat st;

	if (name[0] == '/') {
		snprintf(out, outlen, "%s", name);
		if (!stat(out, &st) && S_ISREG(st.st_mode))
			return 0;
		snprintf(err, errlen, "%s: not found (install the %s package)", name,
			 package ? package : "firmware's");
		return -ENOENT;
	}
	exe_dir(dir, sizeof(dir));
	if (env && *env)
		snprintf(tried[n++], sizeof(tried[0]), "%s", env);
	if (dir[0]) {
		snprintf(tried[n++], sizeof(tried[0]), "%s/build/firmware", dir);
		snprintf(tried[n++], sizeof(tried[0]), "%s/../share/norvm/firmware", dir);
	}
	for (unsigned i = 0; i < n; i++) {
		if ((size_t)snprintf(out, outlen, "%s/%s", tried[i], name) >= outlen)
			continue;
		if (!stat(out, &st) && S_ISREG(st.st_mode))
			return 0;
	}
	snprintf(err, errlen, "%s: not found in %s%s%s%s%s (make unpacks firmware/ into "
		 "build/firmware; NORVM_DATADIR names another place)", name,
		 n > 0 ? tried[0] : "no directory", n > 1 ? ", " : "", n > 1 ? tried[1] : "",
		 n > 2 ? ", " : "", n > 2 ? tried[2] : "");
	return -ENOENT;
}

int uefi_vars_prepare(const char *path, const struct board *b, char *err, size_t errlen)
{
	char tmpl[PATH_MAX];
	uint8_t *buf;
	size_t len;
	struct stat st;
	int ret;

	if (!lstat(path, &st))
		return 0;	/* the VM's own store, as it left it */
	ret = firmware_find(b->uefi_vars, b->uefi_package, tmpl, sizeof(tmpl), err, errlen);
	if (!ret)
		ret = read_file(tmpl, "the variable store template", &buf, &len,
				b->uefi_vars_size, err, errlen);
	if (ret)
		return ret;
	ret = cfi_flash_create_image(path, b->uefi_vars_size, buf, len, err, errlen);
	free(buf);
	if (!ret)
		fprintf(stderr, "norvm: %s: a new UEFI variable store (the empty "
			"template, %zu KiB, erased to %u MiB)\n", path, len >> 10,
			(unsigned)(b->uefi_vars_size >> 20));
	return ret;
}
