/* The files a run uses and writes (files.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

/* What this run uses: inputs (fd -1) and images (their open descriptor). */
struct used {
	dev_t dev;
	ino_t ino;
	int fd;
	bool readonly;
	char role[32];
};

static struct used *used;
static unsigned nused, cap;
static pthread_mutex_t used_lock = PTHREAD_MUTEX_INITIALIZER;

/* The entry for the file behind `st`, or NULL.  Called with the lock. */
static struct used *find(const struct stat *st)
{
	for (unsigned i = 0; i < nused; i++)
		if (used[i].dev == st->st_dev && used[i].ino == st->st_ino)
			return &used[i];
	return NULL;
}

static int remember(const struct stat *st, int fd, bool readonly, const char *role)
{
	struct used *u;

	if (nused == cap) {
		unsigned n = cap ? 2 * cap : 8;
		struct used *p = realloc(used, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		used = p;
		cap = n;
	}
	u = &used[nused++];
	*u = (struct used){ .dev = st->st_dev, .ino = st->st_ino, .fd = fd,
			    .readonly = readonly };
	snprintf(u->role, sizeof(u->role), "%s", role);
	return 0;
}

/* The role this run uses the file behind `st` in, copied; false if none. */
static bool used_as(const struct stat *st, char *role, size_t len)
{
	struct used *u;

	pthread_mutex_lock(&used_lock);
	u = find(st);
	if (u)
		snprintf(role, len, "%s", u->role);
	pthread_mutex_unlock(&used_lock);
	return u != NULL;
}

/* Why a file of this type cannot be read as an input or image. */
static const char *not_regular(mode_t m)
{
	if (S_ISDIR(m))
		return "is a directory";
	if (S_ISFIFO(m))
		return "is a FIFO, not a regular file";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "is a device, not a regular file";
	return "not a regular file";
}

/* Open without blocking (a FIFO's open would wait for a writer). */
static int open_regular(const char *path, int flags, struct stat *st, char *err,
			size_t errlen)
{
	int fd = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), e;

	if (fd < 0) {
		e = errno;
		if (e == EISDIR)
			snprintf(err, errlen, "%s: is a directory", path);
		else
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
		return -e;
	}
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: %s", path, not_regular(st->st_mode));
		close(fd);
		return -EINVAL;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int input_open(const char *path, const char *role, char *err, size_t errlen)
{
	struct stat st;
	int fd = open_regular(path, O_RDONLY, &st, err, errlen);

	if (fd < 0)
		return fd;
	pthread_mutex_lock(&used_lock);
	if (!find(&st) && remember(&st, -1, true, role)) {
		pthread_mutex_unlock(&used_lock);
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return -ENOMEM;
	}
	pthread_mutex_unlock(&used_lock);
	return fd;
}

int image_open(const char *path, bool readonly, const char *role, char *err,
	       size_t errlen)
{
	struct stat st;
	struct used *u;
	int fd, e;

	fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		if (e == EISDIR)
			snprintf(err, errlen, "%s: is a directory, not an image", path);
		else if ((e == EACCES || e == EPERM || e == EROFS) && !readonly &&
			 !access(path, R_OK))
			snprintf(err, errlen, "%s: no permission to open it for writing "
				 "(add ,readonly to use it read-only)", path);
		else if (e == EACCES || e == EPERM)
			snprintf(err, errlen, "%s: no permission to open it", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, not_regular(st.st_mode));
		close(fd);
		return -EINVAL;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	pthread_mutex_lock(&used_lock);
	u = find(&st);
	if (u && !(u->readonly && readonly)) {
		snprintf(err, errlen, "%s: given twice: it is this run's %s already", path,
			 u->role);
		pthread_mutex_unlock(&used_lock);
		close(fd);
		return -EBUSY;
	}
	if (flock(fd, (readonly ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		pthread_mutex_unlock(&used_lock);
		snprintf(err, errlen, "%s: in use by another process (the image is locked)",
			 path);
		close(fd);
		return -EBUSY;
	}
	if (remember(&st, fd, readonly, role)) {
		pthread_mutex_unlock(&used_lock);
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return -ENOMEM;
	}
	pthread_mutex_unlock(&used_lock);
	return fd;
}

void image_close(int fd)
{
	if (fd < 0)
		return;
	pthread_mutex_lock(&used_lock);
	for (unsigned i = 0; i < nused; i++)
		if (used[i].fd == fd) {
			used[i] = used[--nused];
			break;
		}
	pthread_mutex_unlock(&used_lock);
	close(fd);
}

/* ---- outputs ---- */

/* The directory part of `path` ("." when it has none), new. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/*
 * Follow symbolic links from `path` to the file they name (which may not
 * exist yet): *out, new.  0 or -errno with `err` set.
 */
static int resolve(const char *path, char **out, char *err, size_t errlen)
{
	char *cur = strdup(path), link[PATH_MAX];
	struct stat st;

	for (unsigned hops = 0; cur && hops < 40; hops++) {
		ssize_t n;
		char *next, *dir;

		if (lstat(cur, &st) || !S_ISLNK(st.st_mode)) {
			*out = cur;
			return 0;
		}
		n = readlink(cur, link, sizeof(link) - 1);
		if (n < 0) {
			snprintf(err, errlen, "%s: cannot read the link: %s", path,
				 strerror(errno));
			free(cur);
			return -errno;
		}
		link[n] = 0;
		next = NULL;
		if (link[0] == '/') {
			next = strdup(link);
		} else if ((dir = dir_of(cur))) {
			if (asprintf(&next, "%s/%s", dir, link) < 0)
				next = NULL;
			free(dir);
		}
		free(cur);
		cur = next;
	}
	if (!cur) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	free(cur);
	snprintf(err, errlen, "%s: too many levels of symbolic links", path);
	return -ELOOP;
}

/* Create a temporary file beside `target`: its descriptor, *tmp its path. */
static int temp_beside(const char *target, char **tmp)
{
	int fd;

	if (asprintf(tmp, "%s.tmpXXXXXX", target) < 0) {
		*tmp = NULL;
		errno = ENOMEM;
		return -1;
	}
	fd = mkstemp(*tmp);
	if (fd < 0) {
		free(*tmp);
		*tmp = NULL;
	}
	return fd;
}

/*
 * The checks an existing regular file passes before it is replaced: not
 * a file of this run, not locked by another process.  On success *lock
 * holds a descriptor with its lock (keep it until the file is replaced).
 */
static int replaceable(const char *path, const char *target, const char *role,
		       const struct stat *st, int *lock, char *err, size_t errlen)
{
	char use[32];

	*lock = -1;
	if (used_as(st, use, sizeof(use))) {
		snprintf(err, errlen, "%s %s: that is this run's %s: choose another file",
			 role, path, use);
		return -EBUSY;
	}
	*lock = open(target, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (*lock < 0)
		return 0;	/* unreadable: the rename decides */
	if (flock(*lock, LOCK_EX | LOCK_NB)) {
		snprintf(err, errlen, "%s %s: in use by another process (the file is "
			 "locked)", role, path);
		close(*lock);
		*lock = -1;
		return -EBUSY;
	}
	return 0;
}

/* What an output's target is: 'r' regular or absent, 's' stream, 0 error. */
static int target_kind(const char *path, const char *role, const char *target,
		       struct stat *st, bool *exists, char *err, size_t errlen)
{
	*exists = false;
	if (lstat(target, st)) {
		if (errno == ENOENT)
			return 'r';
		snprintf(err, errlen, "%s %s: %s", role, path, strerror(errno));
		return 0;
	}
	*exists = true;
	if (S_ISREG(st->st_mode))
		return 'r';
	if (S_ISFIFO(st->st_mode) || S_ISCHR(st->st_mode))
		return 's';
	snprintf(err, errlen, "%s %s: %s", role, path,
		 S_ISDIR(st->st_mode) ? "is a directory" :
		 "is not a regular file, FIFO or character device");
	return 0;
}

int output_check(const char *path, const char *role, char *err, size_t errlen)
{
	char *target, *tmp;
	struct stat st;
	bool exists;
	int kind, ret, fd, lock;

	ret = resolve(path, &target, err, errlen);
	if (ret)
		return ret;
	kind = target_kind(path, role, target, &st, &exists, err, errlen);
	ret = kind ? 0 : -EINVAL;
	if (kind == 'r' && exists) {
		ret = replaceable(path, target, role, &st, &lock, err, errlen);
		if (lock >= 0)
			close(lock);
	}
	if (!ret && kind == 'r') {
		/* The directory must take a new file: try one. */
		fd = temp_beside(target, &tmp);
		if (fd < 0) {
			ret = -errno;
			snprintf(err, errlen, "%s %s: cannot write there: %s", role, path,
				 strerror(errno));
		} else {
			close(fd);
			unlink(tmp);
			free(tmp);
		}
	}
	free(target);
	return ret;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A FIFO or character device: written through. */
static int write_stream(const char *path, const char *role, const char *target,
			const void *buf, size_t len, char *err, size_t errlen)
{
	int fd = open(target, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), ret;

	if (fd < 0) {
		ret = -errno;
		if (errno == ENXIO)
			snprintf(err, errlen, "%s %s: a FIFO that no process reads", role, path);
		else
			snprintf(err, errlen, "%s %s: cannot open: %s", role, path,
				 strerror(errno));
		return ret;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	ret = write_all(fd, buf, len);
	if (close(fd) && !ret)
		ret = -errno;
	if (ret)
		snprintf(err, errlen, "%s %s: cannot write: %s", role, path, strerror(-ret));
	return ret;
}

static mode_t current_umask(void)
{
	mode_t m = umask(022);

	umask(m);
	return m;
}

/* Flush a directory, so that a rename in it survives a crash. */
static int sync_dir(const char *target)
{
	char *dir = dir_of(target);
	int fd, ret = 0;

	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(dir);
	return ret;
}

/* Rename tmp to target, failing if target exists. */
static int rename_new(const char *tmp, const char *target)
{
	if (!renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* A file system without RENAME_NOREPLACE: link fails on a name that exists. */
	if (link(tmp, target))
		return -errno;
	unlink(tmp);
	return 0;
}

int output_write(const char *path, const char *role, const void *buf, size_t len,
		 bool create, char *err, size_t errlen)
{
	char *target = NULL, *tmp = NULL;
	struct stat st;
	bool exists;
	int kind, ret, fd = -1, lock = -1;

	if (create) {
		if (!lstat(path, &st)) {
			snprintf(err, errlen, "%s: already exists; remove it first to make "
				 "a new one", path);
			return -EEXIST;
		}
		target = strdup(path);
		if (!target) {
			snprintf(err, errlen, "%s: out of memory", path);
			return -ENOMEM;
		}
		exists = false;
		kind = 'r';
	} else {
		ret = resolve(path, &target, err, errlen);
		if (ret)
			return ret;
		kind = target_kind(path, role, target, &st, &exists, err, errlen);
		if (!kind) {
			free(target);
			return -EINVAL;
		}
	}
	if (kind == 's') {
		ret = write_stream(path, role, target, buf, len, err, errlen);
		free(target);
		return ret;
	}
	ret = exists ? replaceable(path, target, role, &st, &lock, err, errlen) : 0;
	if (ret)
		goto out;
	fd = temp_beside(target, &tmp);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		goto out;
	}
	ret = write_all(fd, buf, len);
	if (!ret && fchmod(fd, exists ? st.st_mode & 07777 : 0666 & ~current_umask()))
		ret = -errno;
	if (!ret && exists && (st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    fchown(fd, st.st_uid, st.st_gid)) {
		/* Not ours to give away: the new file stays the caller's. */
	}
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret)
		ret = create ? rename_new(tmp, target) :
			       (rename(tmp, target) ? -errno : 0);
	if (ret == -EEXIST) {
		snprintf(err, errlen, "%s: already exists (made by another program "
			 "meanwhile); nothing was written", path);
	} else if (ret) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(-ret));
	} else {
		sync_dir(target);
		free(tmp);
		tmp = NULL;	/* it is the target now */
	}
out:
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	if (lock >= 0)
		close(lock);
	free(target);
	return ret;
}
