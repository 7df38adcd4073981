/*
 * A bank's image on the host: opening and locking the file, an erased
 * volatile bank, writing changes back (`sync`), the undo of a cycle that
 * could not unmap, and host I/O errors under the mapping (SIGBUS).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "hw/cfi_cmdset.h"
#include "hw/cfi_core.h"
#include "services.h"
#include "util.h"

/*
 * A volatile bank: `size` bytes that read 0xFF and cost no memory until
 * written.  One erased chunk lives in a memfd, mapped private over and
 * over; a page is copied when the guest first programs it.  (Filling
 * anonymous memory with 0xFF, the fallback for a kernel without memfd,
 * touches every page of the bank at start.)
 */
#define ERASED_CHUNK	(1u << 20)

uint8_t *cfi_map_erased(uint64_t size)
{
	uint64_t chunk = size < ERASED_CHUNK ? size : ERASED_CHUNK;
	uint8_t ones[4096], *base = MAP_FAILED;
	int fd = memfd_create("norvm-erased", MFD_CLOEXEC);

	if (fd < 0) {
		/* A kernel without memfd: anonymous memory, filled. */
		base = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (base != MAP_FAILED)
			memset(base, 0xff, size);
		return base;
	}
	memset(ones, 0xff, sizeof(ones));
	for (uint64_t off = 0; off < chunk; off += sizeof(ones))
		if (pwrite(fd, ones, sizeof(ones), (off_t)off) != (ssize_t)sizeof(ones))
			goto out;
	base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		goto out;
	for (uint64_t off = 0; off < size; off += chunk)
		if (mmap(base + off, chunk, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
			munmap(base, size);
			base = MAP_FAILED;
			break;
		}
out:
	close(fd);
	return base;
}

/* Say once per bank that its image could not be written to disk. */
static void report_sync_error(struct cfi_flash *f, int e, const char *when)
{
	if (!f->sync_failed) {
		f->sync_failed = true;
		fprintf(stderr, "norvm: %s: writing image %s to disk failed %s: %s%s "
			"(logged once)\n", f->cfg.name ? f->cfg.name : "flash", f->cfg.path,
			when, strerror(e), *when == 'a' ? "; the guest's operation "
			"reports a failure" : "");
	}
}

/*
 * With `sync`, flush what an operation changed to disk; false when that
 * failed, and the operation must report a failure as the part would.
 */
bool cfi_sync_range(struct cfi_flash *f, uint64_t off, uint64_t len)
{
	uint64_t start = off & ~(uint64_t)(sysconf(_SC_PAGESIZE) - 1);

	if (!f->cfg.sync || !len || f->fd < 0)
		return true;
	if (!msync(f->image + start, off + len - start, MS_SYNC))
		return true;
	report_sync_error(f, errno, "after a program or erase");
	return false;
}

enum cfi_op_result cfi_check(struct cfi_flash *f, unsigned block)
{
	if (f->cfg.readonly)
		return CFI_OP_READONLY;
	if (f->prot[block] & CFI_PROT_WRITE)
		return CFI_OP_PROTECTED;
	return CFI_OP_OK;
}

/*
 * Keep the image bytes [off, off + len) that an operation in this cycle
 * is about to change, to put them back if the cycle is undone (only while
 * the array is mapped; the first change of a cycle is the one kept).
 */
void cfi_undo_save(struct cfi_flash *f, uint64_t off, uint64_t len)
{
	if (!f->undo_armed || f->undo_len || !len)
		return;
	if (len > f->undo_cap) {
		uint8_t *p = realloc(f->undo, len);

		if (!p)
			return;		/* out of memory: then it cannot be undone */
		f->undo = p;
		f->undo_cap = len;
	}
	memcpy(f->undo, f->image + off, len);
	f->undo_off = off;
	f->undo_len = len;
}

/*
 * Host faults on an image.  The image is guest memory: if its file shrinks
 * under us (another program truncates it) or a page of it cannot be backed
 * (the disk is full), touching that page raises SIGBUS in a hart's thread,
 * from the guest's own loads of the mapped array or from a program or
 * erase here.  The handler says which image and what happened in one
 * line, asks the VM to stop, and maps an anonymous page over the bad one
 * so that the access completes and the hart reaches its stop check; norvm
 * then leaves through its normal path (terminal restored) with status 1.
 * Only async-signal-safe calls are made (write, fstat, mmap).
 */
#define WATCH_MAX	8
static struct cfi_flash *_Atomic watched[WATCH_MAX];
static struct sigaction chained;	/* the SIGBUS action before ours */
static long page_size;

void cfi_watch_faults(struct cfi_flash *f, bool on)
{
	for (unsigned i = 0; i < WATCH_MAX; i++) {
		struct cfi_flash *want = on ? NULL : f;

		if (atomic_compare_exchange_strong(&watched[i], &want, on ? f : NULL))
			return;
	}
}

static void put_str(char *buf, size_t *n, size_t cap, const char *s)
{
	while (*s && *n < cap)
		buf[(*n)++] = *s++;
}

static void put_u64(char *buf, size_t *n, size_t cap, uint64_t v)
{
	char d[20];
	unsigned i = 0;

	do
		d[i++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (i && *n < cap)
		buf[(*n)++] = d[--i];
}

/* Handle a SIGBUS at `addr` in f's image; false if it cannot be. */
static bool image_fault(struct cfi_flash *f, void *addr)
{
	uintptr_t page = (uintptr_t)addr & ~(uintptr_t)(page_size - 1);
	struct stat st;

	if (!atomic_exchange(&f->faulted, true)) {
		char msg[1024];
		size_t n = 0;

		put_str(msg, &n, sizeof(msg) - 1, "norvm: ");
		put_str(msg, &n, sizeof(msg) - 1, f->cfg.name ? f->cfg.name : "flash");
		put_str(msg, &n, sizeof(msg) - 1, " image ");
		put_str(msg, &n, sizeof(msg) - 1, f->cfg.path);
		if (!fstat(f->fd, &st) && (uint64_t)st.st_size < f->size) {
			put_str(msg, &n, sizeof(msg) - 1, ": the file was truncated to ");
			put_u64(msg, &n, sizeof(msg) - 1, (uint64_t)st.st_size);
			put_str(msg, &n, sizeof(msg) - 1,
				" bytes by another program while the VM ran (the bank is ");
			put_u64(msg, &n, sizeof(msg) - 1, f->size);
			put_str(msg, &n, sizeof(msg) - 1, " bytes)");
		} else {
			put_str(msg, &n, sizeof(msg) - 1, ": a page of the file could not "
				"be read or written (is its disk full?)");
		}
		put_str(msg, &n, sizeof(msg) - 1, "; stopping the VM");
		msg[n++] = '\n';
		if (write(STDERR_FILENO, msg, n) < 0) {
			/* nothing more can be done */
		}
		vm_request_exit_signal_safe(f->vm, VM_EXIT_ERROR, 1);
	}
	return mmap((void *)page, (size_t)page_size, PROT_READ | PROT_WRITE,
		    MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED;
}

static void on_sigbus(int sig, siginfo_t *si, void *ctx)
{
	uint8_t *addr = si->si_addr;
	int saved_errno = errno;

	for (unsigned i = 0; i < WATCH_MAX; i++) {
		struct cfi_flash *f = atomic_load(&watched[i]);

		if (f && addr >= f->image && addr < f->image + f->size &&
		    image_fault(f, addr)) {
			errno = saved_errno;
			return;
		}
	}
	/* Not an image: what was there before (the console's, or death). */
	if (chained.sa_flags & SA_SIGINFO) {
		chained.sa_sigaction(sig, si, ctx);
	} else if (chained.sa_handler != SIG_DFL && chained.sa_handler != SIG_IGN) {
		chained.sa_handler(sig);
	} else {
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

void cfi_flash_catch_faults(void)
{
	static bool installed;
	struct sigaction sa;

	if (installed)
		return;
	installed = true;
	page_size = sysconf(_SC_PAGESIZE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &chained);
}

/* Open and lock the image; returns the fd or -errno with `err` set. */
int cfi_open_image(const struct cfi_flash_config *c, const struct cfi_part *p,
		   uint64_t *size, uint64_t block, char *err, size_t errlen)
{
	uint64_t want = cfi_part_size(p);
	char role[32];
	struct stat st;
	int fd, e;

	snprintf(role, sizeof(role), "%s image", c->name ? c->name : "flash");
	fd = image_open(c->path, c->readonly, role, err, errlen);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st)) {
		e = errno;
		snprintf(err, errlen, "%s: %s", c->path, strerror(e));
		image_close(fd);
		return -e;
	}
	*size = (uint64_t)st.st_size;
	/* CFI gives a device's size as 2^n bytes: no other size can be told. */
	if (!*size || (want && *size != want) || *size % block || *size > c->window ||
	    (*size & (*size - 1))) {
		if (!*size)
			snprintf(err, errlen, "%s: the image is empty (create one with "
				 "norvm flash create)", c->path);
		else if (want && *size != want)
			snprintf(err, errlen, "%s: size %" PRIu64 " KiB, but a bank of %s is "
				 "%" PRIu64 " KiB (norvm flash create FILE --part %s makes one)",
				 c->path, *size >> 10, p->name, want >> 10, p->name);
		else if (*size % block)
			snprintf(err, errlen, "%s: size %" PRIu64 " is not a multiple of the "
				 "%" PRIu64 " KiB erase block", c->path, *size, block >> 10);
		else if (*size > c->window)
			snprintf(err, errlen, "%s: size %" PRIu64 " MiB is larger than the "
				 "%" PRIu64 " MiB flash window", c->path, *size >> 20,
				 c->window >> 20);
		else
			snprintf(err, errlen, "%s: size %" PRIu64 " KiB is not a power of two, "
				 "which a CFI flash's size must be (pad it with 0xFF bytes to %"
				 PRIu64 " KiB)", c->path, *size >> 10,
				 (uint64_t)1 << cfi_log2_ceil(*size) >> 10);
		image_close(fd);
		return -EINVAL;
	}
	/*
	 * A sparse image would get its blocks only when the guest writes, and
	 * a full disk then would be a SIGBUS in the middle of an erase: take
	 * them now, while a clear refusal is still possible.
	 */
	if (!c->readonly && (e = posix_fallocate(fd, 0, (off_t)*size))) {
		snprintf(err, errlen, "%s: cannot allocate the image's %" PRIu64 " KiB on "
			 "its file system: %s", c->path, *size >> 10, strerror(e));
		image_close(fd);
		return -e;
	}
	return fd;
}

/* The bank's size when it has no image: the part's, or the window's. */
uint64_t cfi_volatile_size(const struct cfi_flash_config *c,
			   const struct cfi_part *p)
{
	uint64_t want = cfi_part_size(p), block;

	if (want)
		return want;
	block = cfi_part_block_size(p, 0);
	return c->window - c->window % block;
}

int cfi_flash_create_image(const char *path, uint64_t size, const void *from,
			   size_t from_len, char *err, size_t errlen)
{
	uint8_t *buf;
	int ret;

	if (!size || size % (256u << 10) || size > CFI_MAX_BANK ||
	    (size & (size - 1))) {
		snprintf(err, errlen, "flash create: size %" PRIu64 " bytes: must be a "
			 "power of two, a multiple of 256K and at most 64M (256K, 512K, "
			 "1M, ... 64M)", size);
		return -EINVAL;
	}
	buf = malloc(size);
	if (!buf) {
		snprintf(err, errlen, "flash create: out of memory");
		return -ENOMEM;
	}
	if (from_len > size) {
		snprintf(err, errlen, "flash create: the %zu-byte template does not fit in "
			 "%" PRIu64 " bytes: give a larger --size", from_len, size);
		free(buf);
		return -EFBIG;
	}
	memset(buf, 0xff, size);
	if (from_len)
		memcpy(buf, from, from_len);
	ret = output_write(path, "flash create", buf, size, true, err, errlen);
	free(buf);
	return ret;
}

/* Flushed at exit, whatever `sync` says (doc/flash.md). */
void cfi_release_image(struct cfi_flash *f)
{
	if (f->image) {
		if (f->fd >= 0 && !f->cfg.readonly && !f->faulted &&
		    msync(f->image, f->size, MS_SYNC))
			report_sync_error(f, errno, "at exit");
		munmap(f->image, f->size);
	}
	image_close(f->fd);
}
