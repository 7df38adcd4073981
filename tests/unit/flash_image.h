/*
 * What the flash unit tests share: a bank's image file in /tmp, made,
 * read back and removed.  Included by one test program each.
 */
#ifndef NORVM_TESTS_FLASH_IMAGE_H
#define NORVM_TESTS_FLASH_IMAGE_H

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakevm.h"
#include "hw/cfi_flash.h"
#include "test.h"

#define BASE	0x20000000ull	/* where the tests put the bank */

static struct vm vm;
static char path[64];		/* the image */
static char err[256];

/* A fresh image of size bytes, each `fill`. */
static void make_image(uint64_t size, uint8_t fill)
{
	uint8_t *buf = malloc(size);
	int fd;

	strcpy(path, "/tmp/norvm-cfi-XXXXXX");
	fd = mkstemp(path);
	memset(buf, fill, size);
	CHECK_EQ(write(fd, buf, size), size);
	close(fd);
	free(buf);
}

/* The image's byte at off, as it is in the file now. */
static uint8_t file_byte(uint64_t off)
{
	uint8_t b = 0;
	int fd = open(path, O_RDONLY);

	CHECK_EQ(pread(fd, &b, 1, (off_t)off), 1);
	close(fd);
	return b;
}

/* The bank is gone, and its image. */
static void done(struct cfi_flash *f)
{
	cfi_flash_destroy(f);
	unlink(path);
}

#endif
