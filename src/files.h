/*
 * The files a run uses, and the files it writes.
 *
 * Inputs are opened without blocking (a FIFO or device given by mistake is
 * refused, not waited on) and remembered, with the role the command line
 * gave them, for as long as the process runs.  Images (flash banks, disks)
 * are also locked: exclusively when writable, shared when read-only, so
 * two VMs never write one image and a second use of the same file in one
 * VM is named as such.
 *
 * Outputs never replace a file this run uses, or one another process has
 * locked.  A regular file is replaced whole or not at all: written to a
 * temporary file beside it, flushed, renamed over it (keeping its mode
 * and owner), and the directory flushed.  A symbolic link is followed: the
 * file it names is the one written.  A FIFO or character device (a
 * pipe, /dev/null, a terminal) is written through; any other kind of file
 * is refused.
 */
#ifndef NORVM_FILES_H
#define NORVM_FILES_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Open `path` for reading as a regular file and remember it as `role`
 * (e.g. "--firmware").  Returns the descriptor or -errno with one line in
 * `err`.
 */
int input_open(const char *path, const char *role, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * Open and lock an image: a regular file, opened for reading and writing
 * unless `readonly`.  Refused when this run uses it already (as `role` or
 * anything else) or another process holds its lock.  Returns the
 * descriptor or -errno with one line in `err`.  image_close() releases it.
 */
int image_open(const char *path, bool readonly, const char *role, char *err,
	       size_t errlen) __attribute__((warn_unused_result));
void image_close(int fd);

/*
 * Can `path` be written as an output (as `role`, e.g. "--stats-json")?
 * Checked before the guest starts, so that a run is not lost to a bad
 * path at its end.  0 or -errno with one line in `err`.
 */
int output_check(const char *path, const char *role, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * Write `len` bytes to `path` as output_check() allows.  With `create`,
 * the file must not exist and is made exclusively (never replacing one
 * that appears meanwhile).  0 or -errno with one line in `err`; on
 * failure nothing was changed.
 */
int output_write(const char *path, const char *role, const void *buf, size_t len,
		 bool create, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
