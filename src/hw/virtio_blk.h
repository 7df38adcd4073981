/*
 * virtio-blk (virtio 1.2, section 5.2) on a raw image file: read, write,
 * flush and the device ID, one request queue.  The image is locked as a
 * flash image is (files.h); a read-only one offers VIRTIO_BLK_F_RO and
 * fails writes.  A request is served when the driver notifies the queue,
 * with preadv/pwritev straight between the file and the guest's buffers;
 * a flush is fdatasync.
 */
#ifndef NORVM_HW_VIRTIO_BLK_H
#define NORVM_HW_VIRTIO_BLK_H

#include <stdbool.h>
#include <stddef.h>

#include "hw/virtio_mmio.h"

struct virtio_blk;

/*
 * Open and lock the image at `path` and fill `dev` with the device.  NULL
 * with one line in `err`: missing, not a regular file, empty, not a whole
 * number of 512-byte sectors, in use.
 */
struct virtio_blk *virtio_blk_open(const char *path, bool readonly,
				   struct virtio_dev *dev, char *err, size_t errlen);
void virtio_blk_close(struct virtio_blk *b);

#endif
