/*
 * Inputs, images and outputs (files.c): nothing a run writes may replace a
 * file it uses, a file another process holds, or a file that appeared
 * while it was writing; a FIFO never blocks an open.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "files.h"
#include "test.h"

static char dir[64];

/*
 * fsync as the library sees it: the real one, after creating `race_path`
 * when it is set, as another program might between norvm's check for a
 * file and its rename of the new one over that name.
 */
static const char *race_path;

int fsync(int fd)
{
	if (race_path) {
		int r = open(race_path, O_WRONLY | O_CREAT | O_EXCL, 0644);

		if (r >= 0) {
			if (write(r, "theirs", 6) != 6)
				abort();
			close(r);
		}
		race_path = NULL;
	}
	return (int)syscall(SYS_fsync, fd);
}

static char *in_dir(const char *name)
{
	static char path[4][128];
	static unsigned n;
	char *p = path[n++ % 4];

	snprintf(p, 128, "%s/%s", dir, name);
	return p;
}

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	chmod(path, mode);
}

/* The file's text (at most 63 bytes), "" if unreadable. */
static const char *text_of(const char *path)
{
	static char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

/* Files in the directory whose name holds ".tmp": leftovers. */
static unsigned leftovers(void)
{
	char cmd[160];
	FILE *p;
	unsigned n = 0;
	int c;

	snprintf(cmd, sizeof(cmd), "ls -a '%s' | grep -c '\\.tmp'", dir);
	p = popen(cmd, "r");
	if (!p)
		return 99;
	if (fscanf(p, "%u", &n) != 1)
		n = 99;
	while ((c = fgetc(p)) != EOF)
		;
	pclose(p);
	return n;
}

static void create_never_replaces(void)
{
	char err[256];
	const char *a = in_dir("a.img");

	CHECK_EQ(output_write(a, "flash create", "mine", 4, true, err, sizeof(err)), 0);
	CHECK(!strcmp(text_of(a), "mine"));
	/* Existing: refused, kept. */
	CHECK_EQ(output_write(a, "flash create", "again", 5, true, err, sizeof(err)),
		 -EEXIST);
	CHECK(!strcmp(text_of(a), "mine"));
	CHECK(strstr(err, "already exists") != NULL);
	/* A dangling link is a name that exists too. */
	CHECK_EQ(symlink("nowhere", in_dir("dangling.img")), 0);
	CHECK_EQ(output_write(in_dir("dangling.img"), "flash create", "x", 1, true, err,
			      sizeof(err)), -EEXIST);
	/* One that appears while the new file is written wins. */
	race_path = in_dir("race.img");
	CHECK_EQ(output_write(in_dir("race.img"), "flash create", "mine", 4, true, err,
			      sizeof(err)), -EEXIST);
	CHECK(!strcmp(text_of(in_dir("race.img")), "theirs"));
	CHECK_EQ(leftovers(), 0);
}

static void replace_keeps_mode_and_follows_links(void)
{
	char err[256];
	const char *t = in_dir("target.json"), *l = in_dir("link.json");
	struct stat st;

	put(t, "old", 0600);
	CHECK_EQ(symlink("target.json", l), 0);
	CHECK_EQ(output_write(l, "--stats-json", "new", 3, false, err, sizeof(err)), 0);
	CHECK_EQ(lstat(l, &st), 0);
	CHECK(S_ISLNK(st.st_mode));			/* the link stays a link */
	CHECK(!strcmp(text_of(t), "new"));		/* ...to the new file */
	CHECK_EQ(stat(t, &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0600);		/* with the old mode */
	CHECK_EQ(output_check(l, "--stats-json", err, sizeof(err)), 0);
	CHECK_EQ(leftovers(), 0);
}

static void *read_fifo(void *path)
{
	static char got[16];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, got, sizeof(got) - 1);

	if (fd >= 0)
		close(fd);
	got[n > 0 ? n : 0] = 0;
	return got;
}

static void streams_written_through(void)
{
	char err[256];
	const char *f = in_dir("fifo");
	struct stat st;
	pthread_t t;
	void *got;

	CHECK_EQ(mkfifo(f, 0600), 0);
	/* No reader: refused at once, not waited for. */
	CHECK_EQ(output_write(f, "--stats-json", "x", 1, false, err, sizeof(err)), -ENXIO);
	CHECK(strstr(err, "no process reads") != NULL);
	CHECK_EQ(output_check(f, "--stats-json", err, sizeof(err)), 0);
	CHECK_EQ(pthread_create(&t, NULL, read_fifo, (void *)f), 0);
	for (int i = 0; i < 1000; i++) {
		if (!output_write(f, "--stats-json", "json", 4, false, err, sizeof(err)))
			break;
		usleep(1000);	/* the reader is not there yet */
	}
	pthread_join(t, &got);
	CHECK(!strcmp(got, "json"));
	CHECK_EQ(lstat(f, &st), 0);
	CHECK(S_ISFIFO(st.st_mode));			/* still a FIFO */
	/* A directory is refused. */
	CHECK_EQ(output_write(dir, "--dump-dtb", "x", 1, false, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "is a directory") != NULL);
}

static void outputs_spare_what_is_in_use(void)
{
	char err[256];
	const char *img = in_dir("used.img"), *fw = in_dir("fw.bin"),
		   *held = in_dir("held.img");
	int fd, other;

	put(img, "image", 0644);
	put(fw, "firmware", 0644);
	put(held, "held", 0644);
	fd = image_open(img, false, "flash0 image", err, sizeof(err));
	CHECK(fd >= 0);
	CHECK_EQ(output_check(img, "--stats-json", err, sizeof(err)), -EBUSY);
	CHECK(strstr(err, "this run's flash0 image") != NULL);
	CHECK_EQ(output_write(img, "--dump-dtb", "x", 1, false, err, sizeof(err)), -EBUSY);
	CHECK(!strcmp(text_of(img), "image"));
	/* The same image again: named as this run's, not another process's. */
	CHECK_EQ(image_open(img, false, "flash1 image", err, sizeof(err)), -EBUSY);
	CHECK(strstr(err, "given twice") != NULL);
	image_close(fd);
	/* Read-only twice is fine. */
	fd = image_open(img, true, "flash0 image", err, sizeof(err));
	other = image_open(img, true, "flash1 image", err, sizeof(err));
	CHECK(fd >= 0 && other >= 0);
	image_close(fd);
	image_close(other);
	/* An input of this run. */
	fd = input_open(fw, "--firmware", err, sizeof(err));
	CHECK(fd >= 0);
	close(fd);
	CHECK_EQ(output_write(fw, "--stats-json", "x", 1, false, err, sizeof(err)), -EBUSY);
	CHECK(!strcmp(text_of(fw), "firmware"));
	/* Locked by another process (here: another open file description). */
	other = open(held, O_RDONLY);
	CHECK_EQ(flock(other, LOCK_SH), 0);
	CHECK_EQ(output_check(held, "flash pack", err, sizeof(err)), -EBUSY);
	CHECK(strstr(err, "in use by another process") != NULL);
	CHECK_EQ(output_write(held, "flash pack", "x", 1, false, err, sizeof(err)), -EBUSY);
	CHECK(!strcmp(text_of(held), "held"));
	close(other);
	CHECK_EQ(output_write(held, "flash pack", "new", 3, false, err, sizeof(err)), 0);
	CHECK(!strcmp(text_of(held), "new"));
}

static void fifo_inputs_do_not_block(void)
{
	char err[256];
	const char *f = in_dir("in.fifo");

	CHECK_EQ(mkfifo(f, 0600), 0);
	CHECK_EQ(input_open(f, "--firmware", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "is a FIFO") != NULL);
	CHECK_EQ(image_open(f, true, "flash0 image", err, sizeof(err)), -EINVAL);
	CHECK_EQ(image_open(f, false, "flash0 image", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "is a FIFO") != NULL);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/norvm-files-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	alarm(60);	/* a FIFO that blocks fails the test, not the suite */
	RUN(create_never_replaces);
	RUN(replace_keeps_mode_and_follows_links);
	RUN(streams_written_through);
	RUN(outputs_spare_what_is_in_use);
	RUN(fifo_inputs_do_not_block);
	{
		char cmd[96];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			return 1;
	}
	return TEST_EXIT();
}
