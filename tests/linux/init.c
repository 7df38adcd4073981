/*
 * /init of the Linux suite's guest (tests/linux/): built freestanding with
 * the kernel tree's nolibc, for rv64imac (FPU=n kernel: not one F or D
 * instruction) or rv64gc (FPU=y kernel).
 *
 * The kernel command line says what a boot does: norvm.test=STEP[,STEP...]
 *   boot         report the harts, the ISA and the ELF capabilities
 *   fpu          run tests/linux/fpcheck.h on the FPU, in two processes
 *   mtd          load mtd_test.ko, then each MTD test module of norvm.mtd
 *   jffs2-write  mount JFFS2, write the files, remount, verify them
 *   jffs2-read   mount JFFS2 read-only, verify the files
 *   ubifs-write  attach UBI, make a volume, UBIFS as for JFFS2
 *   ubifs-read   attach UBI, mount UBIFS read-only, verify
 *   efi          booted through UEFI: system table, runtime services, a
 *                variable written through efivarfs
 *   blk          write and read 32 MiB of the 128 MiB virtio disk, O_DIRECT
 * then it powers off (reboot(RB_POWER_OFF)).  Other parameters:
 *   norvm.mtd=MOD[:P=V[:P=V]...][,MOD...]   MTD tests and their parameters
 *                (default: readtest, a short torturetest and stresstest);
 *                "dev" is added, the number of the MTD device below
 *   norvm.mtddev=NAME     MTD device the tests use (default: bank 1)
 *   norvm.jffs2=NAME, norvm.ubi=NAME      the file systems' MTD devices
 *   norvm.fpu=ROUNDS      rounds of the FP check (default 20000)
 *
 * Every line for the host starts with "@@ " and is written with one
 * write(), so kernel messages cannot cut it:
 *   @@ init: start uptime S harts N      @@ init: done ok N fail N
 *   @@ ok NAME [DETAIL]                  @@ fail NAME: WHY
 *   @@ info NAME: TEXT                   @@ kmsg TEXT (a kernel log line)
 */
#include <mtd/ubi-user.h>

#ifdef __riscv_flen
#include "fpcheck.h"
#endif

#define PAYLOAD "/data/payload"	/* random bytes, put there by the host */
#define MNT "/mnt"
#define NFILES 24		/* small generated files besides the payload */
#define RB_POWER_OFF LINUX_REBOOT_CMD_POWER_OFF	/* glibc's name for it */

static int n_ok, n_fail;
static int kmsg_fd = -1;
static char cmdline[4096];

/* ---- output: one write() per line ---------------------------------- */

static char line[1024];
static size_t line_len;

static void put(const char *s)
{
	while (*s && line_len < sizeof(line) - 2)
		line[line_len++] = *s++;
}

static void put_u(unsigned long long v)
{
	char b[24];
	int i = sizeof(b);

	b[--i] = 0;
	do {
		b[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	put(b + i);
}

static void put_d(long long v)
{
	if (v < 0) {
		put("-");
		v = -v;
	}
	put_u(v);
}

static void put_x(unsigned long long v, int digits)
{
	char b[17];

	for (int i = 15; i >= 0; i--, v >>= 4)
		b[i] = "0123456789abcdef"[v & 15];
	b[16] = 0;
	put(b + 16 - digits);
}

static void end_line(void)
{
	line[line_len++] = '\n';
	write(1, line, line_len);
	line_len = 0;
}

static void say(const char *a, const char *b, const char *c)
{
	put(a);
	put(b);
	put(c);
	end_line();
}

static void ok(const char *name, const char *detail)
{
	n_ok++;
	put("@@ ok ");
	put(name);
	if (detail && *detail) {
		put(" ");
		put(detail);
	}
	end_line();
}

/* fail(name, why, err): err is an errno value, or 0. */
static void fail(const char *name, const char *why, int err)
{
	n_fail++;
	put("@@ fail ");
	put(name);
	put(": ");
	put(why);
	if (err) {
		put(" (errno ");
		put_d(err);
		put(")");
	}
	end_line();
}

/* ---- small helpers ---------------------------------------------------- */

static long sys_finit_module(int fd, const char *params, int flags)
{
	return my_syscall3(__NR_finit_module, fd, params, flags);
}

static long sys_delete_module(const char *name, int flags)
{
	return my_syscall2(__NR_delete_module, name, flags);
}

static void sys_sync(void)
{
	my_syscall0(__NR_sync);
}

/* read_file(path, buf, size): the file's text, NUL-terminated; -1 on error. */
static long read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY, 0);
	long n, got = 0;

	if (fd < 0)
		return -1;
	while (got < (long)size - 1 && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return got;
}

/* nolibc has no strstr. */
static char *find(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s; s++)
		if (!strncmp(s, needle, n))
			return (char *)s;
	return NULL;
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* param(name, out, size): the value of NAME=... on the kernel command line. */
static int param(const char *name, char *out, size_t size)
{
	size_t n = strlen(name);

	for (const char *p = cmdline; *p; ) {
		while (*p == ' ' || *p == '\n')
			p++;
		if (!strncmp(p, name, n) && p[n] == '=') {
			size_t i = 0;

			for (p += n + 1; *p && *p != ' ' && *p != '\n' && i < size - 1; p++)
				out[i++] = *p;
			out[i] = 0;
			return 1;
		}
		while (*p && *p != ' ')
			p++;
	}
	return 0;
}

/* zlib's CRC-32, the one gzip's trailer carries. */
static uint32_t crc32(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

/* ---- the kernel log --------------------------------------------------- */

/*
 * kmsg(prefix, echo_errors): read the kernel log records written since
 * the last call; print as "@@ kmsg" those whose text starts with prefix
 * (none if null) and, with echo_errors, every error or worse.  Returns
 * how many error-level records it saw.
 */
static int kmsg(const char *prefix, int echo_errors)
{
	static char rec[2048];
	int errors = 0;
	long n;

	if (kmsg_fd < 0)
		return 0;
	for (;;) {
		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten records: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		char *text = strchr(rec, ';');
		char *nl;
		int level = atoi(rec) & 7;

		if (!text)
			continue;
		text++;
		nl = strchr(text, '\n');
		if (nl)
			*nl = 0;
		if (level <= 3)
			errors++;
		if ((prefix && starts(text, prefix)) || (echo_errors && level <= 3))
			say("@@ kmsg ", text, "");
	}
	return errors;
}

/* ---- steps ------------------------------------------------------------ */

static int count_harts(void)
{
	static char buf[8192];
	int n = 0;

	if (read_file("/proc/cpuinfo", buf, sizeof(buf)) < 0)
		return -1;
	for (char *p = buf; (p = find(p, "processor")); p++)
		if (p == buf || p[-1] == '\n')
			n++;
	return n;
}

/* The user-visible ISA: AT_HWCAP from /proc/self/auxv, one bit a letter. */
static void step_boot(void)
{
	static char buf[8192];
	unsigned long auxv[2 * 64];
	char letters[27];
	long n;
	int i, k = 0;
	char *isa;

	n = read_file("/proc/self/auxv", (char *)auxv, sizeof(auxv));
	for (i = 0; n > 0 && i < n / 16; i++)
		if (auxv[2 * i] == 16)	/* AT_HWCAP */
			for (int b = 0; b < 26; b++)
				if (auxv[2 * i + 1] & (1ul << b))
					letters[k++] = 'a' + b;
	letters[k] = 0;
	if (k)
		ok("hwcap", letters);
	else
		fail("hwcap", "no AT_HWCAP in /proc/self/auxv", 0);

	if (read_file("/proc/cpuinfo", buf, sizeof(buf)) > 0 && (isa = find(buf, "isa\t"))) {
		char *end = strchr(isa, '\n');

		if (end)
			*end = 0;
		isa = strchr(isa, ':');
		ok("cpuinfo_isa", isa ? isa + 2 : "?");
	} else {
		fail("cpuinfo_isa", "no isa line in /proc/cpuinfo", 0);
	}
	if (read_file("/sys/devices/system/cpu/online", buf, sizeof(buf)) > 0) {
		char *end = strchr(buf, '\n');

		if (end)
			*end = 0;
		ok("cpus_online", buf);
	}
}

#ifdef __riscv_flen
static void yield(void)
{
	sched_yield();
}

static void put_fp(const char *who, uint64_t seed, int rounds, uint64_t h)
{
	put("@@ fp ");
	put(who);
	put(" ");
	put_u(seed);
	put(" ");
	put_d(rounds);
	put(" ");
	put_x(h, 16);
	end_line();
}

/* Two processes run the FP mix at once, yielding every round. */
static void step_fpu(void)
{
	char arg[32];
	int rounds = 20000, status = 0;
	pid_t child;

	if (param("norvm.fpu", arg, sizeof(arg)))
		rounds = atoi(arg);
	child = fork();
	if (child == 0) {
		put_fp("child", 2, rounds, fp_mix(2, rounds, yield));
		exit(0);
	}
	if (child < 0) {
		fail("fpu", "fork", errno);
		return;
	}
	put_fp("parent", 1, rounds, fp_mix(1, rounds, yield));
	if (waitpid(child, &status, 0) != child || status != 0)
		fail("fpu", "the child failed", 0);
	else
		ok("fpu", "");
}
#else
static void step_fpu(void)
{
	fail("fpu", "this /init is built without the F and D extensions", 0);
}
#endif

/* mtd_number(name): N of the /proc/mtd line `mtdN: ... "name"`, or -1. */
static int mtd_number(const char *name)
{
	static char buf[4096];
	char quoted[80];

	if (read_file("/proc/mtd", buf, sizeof(buf)) < 0)
		return -1;
	quoted[0] = 0;
	strlcat(quoted, "\"", sizeof(quoted));
	strlcat(quoted, name, sizeof(quoted));
	strlcat(quoted, "\"", sizeof(quoted));
	for (char *p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		char *end = strchr(p, '\n');
		char *q = find(p, quoted);

		if (starts(p, "mtd") && q && (!end || q < end))
			return atoi(p + 3);
	}
	return -1;
}

/* load(module, params): finit_module it; 0 or an errno value. */
static int load(const char *module, const char *params)
{
	char path[96] = "/lib/modules/";
	int fd, err = 0;

	strlcat(path, module, sizeof(path));
	strlcat(path, ".ko", sizeof(path));
	fd = open(path, O_RDONLY, 0);
	if (fd < 0)
		return errno;
	if (sys_finit_module(fd, params, 0) < 0)
		err = errno;
	close(fd);
	return err;
}

/*
 * One MTD test module: "readtest:count=3" loads mtd_readtest.ko with
 * "dev=N count=3", reports its kernel log lines and its result, and
 * unloads it.
 */
static void mtd_test(char *spec, int dev)
{
	char module[48] = "mtd_", params[256] = "dev=";
	char *colon = strchr(spec, ':');
	int err, errors;

	if (colon)
		*colon = 0;
	strlcat(module, spec, sizeof(module));
	{
		char n[12];
		int i = sizeof(n);

		n[--i] = 0;
		do n[--i] = '0' + dev % 10; while ((dev /= 10));
		strlcat(params, n + i, sizeof(params));
	}
	for (char *p = colon ? colon + 1 : NULL; p; ) {
		char *next = strchr(p, ':');

		if (next)
			*next++ = 0;
		strlcat(params, " ", sizeof(params));
		strlcat(params, p, sizeof(params));
		p = next;
	}
	put("@@ info ");
	put(module);
	put(": ");
	put(params);
	end_line();
	kmsg(NULL, 0);
	err = load(module, params);
	{
		char prefix[56];

		prefix[0] = 0;
		strlcat(prefix, module, sizeof(prefix));
		strlcat(prefix, ": ", sizeof(prefix));
		errors = kmsg(prefix, 1);
	}
	if (err)
		fail(module, "the module's init failed", err);
	else if (errors)
		fail(module, "the kernel logged errors", 0);
	else
		ok(module, params);
	if (!err && sys_delete_module(module, O_NONBLOCK) < 0)
		fail(module, "delete_module", errno);
}

static void step_mtd(void)
{
	char list[512] = "readtest,torturetest:eb=0:ebcnt=4:cycles_count=2,stresstest:count=200";
	char name[64] = "22000000.flash";
	int dev, err;

	param("norvm.mtd", list, sizeof(list));
	param("norvm.mtddev", name, sizeof(name));
	dev = mtd_number(name);
	if (dev < 0) {
		fail("mtd", "no such MTD device in /proc/mtd", 0);
		return;
	}
	kmsg(NULL, 0);
	err = load("mtd_test", "");
	kmsg(NULL, 1);
	if (err) {
		fail("mtd_test", "cannot load mtd_test.ko", err);
		return;
	}
	ok("mtd_test", "");
	for (char *p = list; p && *p; ) {
		char *next = strchr(p, ',');

		if (next)
			*next++ = 0;
		mtd_test(p, dev);
		p = next;
	}
}

/* ---- files on a flash file system -------------------------------------- */

static unsigned char buf_a[16384], buf_b[16384];

/* The content of generated file i: its size and bytes follow from i. */
static size_t gen_size(int i)
{
	return (size_t)(i * 977) % 6000;
}

static void gen_fill(int i, unsigned char *p, size_t n)
{
	uint32_t x = 0x9e3779b9u * (i + 1);

	for (size_t k = 0; k < n; k++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[k] = x;
	}
}

static void gen_path(int i, char *path, size_t size)
{
	char n[4] = { '0' + i / 10, '0' + i % 10, 0 };

	path[0] = 0;
	strlcat(path, MNT "/dir/f", size);
	strlcat(path, n, size);
}

/* copy_payload(): PAYLOAD into MNT/payload; 0 or an errno value. */
static int copy_payload(void)
{
	int in = open(PAYLOAD, O_RDONLY, 0), out, err = 0;
	long n;

	if (in < 0)
		return errno;
	out = open(MNT "/payload", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		err = errno;
		close(in);
		return err;
	}
	while ((n = read(in, buf_a, sizeof(buf_a))) > 0)
		if (write(out, buf_a, n) != n) {
			err = errno ? errno : EIO;
			break;
		}
	if (!err && fsync(out) < 0)
		err = errno;
	close(out);
	close(in);
	return err;
}

static int write_files(const char *fs)
{
	int err = copy_payload();

	if (err) {
		fail(fs, "writing payload", err);
		return -1;
	}
	if (mkdir(MNT "/dir", 0755) < 0 && errno != EEXIST) {
		fail(fs, "mkdir dir", errno);
		return -1;
	}
	for (int i = 0; i < NFILES; i++) {
		char path[64];
		size_t n = gen_size(i);
		int fd;

		gen_path(i, path, sizeof(path));
		gen_fill(i, buf_a, n);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, buf_a, n) != (ssize_t)n) {
			fail(fs, "writing a generated file", errno);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	sys_sync();
	return 0;
}

/*
 * verify_files(fs): the payload and every generated file read back equal
 * to what was written; reports the payload's CRC-32 ("@@ ok FS-verify
 * crc32 X bytes N files M").
 */
static int verify_files(const char *fs, const char *name)
{
	int a = open(PAYLOAD, O_RDONLY, 0), b = open(MNT "/payload", O_RDONLY, 0);
	uint32_t crc = 0;
	unsigned long long total = 0;
	long n, m;
	char detail[96];

	if (a < 0 || b < 0) {
		fail(name, "opening the payload", errno);
		goto out;
	}
	for (;;) {
		n = read(a, buf_a, sizeof(buf_a));
		m = 0;
		while (m < n) {
			long r = read(b, buf_b + m, n - m);

			if (r <= 0)
				break;
			m += r;
		}
		if (n < 0 || m != n || memcmp(buf_a, buf_b, n)) {
			fail(name, "the payload read back differs", 0);
			goto out;
		}
		if (n == 0)
			break;
		crc = crc32(crc, buf_b, n);
		total += n;
	}
	if (read(b, buf_b, 1) != 0) {
		fail(name, "the payload is longer than written", 0);
		goto out;
	}
	close(a);
	close(b);
	a = b = -1;
	for (int i = 0; i < NFILES; i++) {
		char path[64];
		size_t size = gen_size(i);
		int fd;

		gen_path(i, path, sizeof(path));
		fd = open(path, O_RDONLY, 0);
		n = fd < 0 ? -1 : read(fd, buf_b, sizeof(buf_b));
		if (fd >= 0)
			close(fd);
		gen_fill(i, buf_a, size);
		if (n != (long)size || memcmp(buf_a, buf_b, size)) {
			fail(name, "a generated file read back differs", 0);
			return -1;
		}
	}
	line_len = 0;
	put("crc32 ");
	put_x(crc, 8);
	put(" bytes ");
	put_u(total);
	put(" files ");
	put_u(NFILES);
	memcpy(detail, line, line_len);
	detail[line_len] = 0;
	line_len = 0;
	ok(name, detail);
	(void)fs;
	return 0;
out:
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	return -1;
}

static int do_mount(const char *what, const char *src, const char *type, unsigned long flags)
{
	kmsg(NULL, 0);
	if (mount(src, MNT, type, flags, NULL) < 0) {
		int err = errno;

		kmsg(NULL, 1);
		fail(what, src, err);
		return -1;
	}
	kmsg(NULL, 1);
	ok(what, src);
	return 0;
}

static int do_umount(const char *what)
{
	if (umount2(MNT, 0) < 0) {
		fail(what, "umount", errno);
		return -1;
	}
	return 0;
}

/* fs_write(fs, src, name): mount, write, unmount, mount again, verify. */
static void fs_write(const char *fs, const char *src)
{
	char what[40];

	what[0] = 0;
	strlcat(what, fs, sizeof(what));
	strlcat(what, "_mount", sizeof(what));
	if (do_mount(what, src, fs, 0) < 0)
		return;
	if (write_files(fs) == 0)
		ok(fs[0] == 'j' ? "jffs2_write" : "ubifs_write", "");
	if (do_umount(fs) < 0)
		return;
	strlcat(what, "_again", sizeof(what));
	if (do_mount(what, src, fs, 0) < 0)
		return;
	verify_files(fs, fs[0] == 'j' ? "jffs2_verify" : "ubifs_verify");
	do_umount(fs);
}

static void fs_read(const char *fs, const char *src)
{
	char what[40];

	what[0] = 0;
	strlcat(what, fs, sizeof(what));
	strlcat(what, "_mount_ro", sizeof(what));
	if (do_mount(what, src, fs, MS_RDONLY) < 0)
		return;
	verify_files(fs, fs[0] == 'j' ? "jffs2_verify_ro" : "ubifs_verify_ro");
	do_umount(fs);
}

static void step_jffs2(int writing)
{
	char name[64] = "jffs2", src[80] = "mtd";
	int n;

	param("norvm.jffs2", name, sizeof(name));
	n = mtd_number(name);
	if (n < 0) {
		fail("jffs2", "no such MTD device in /proc/mtd", 0);
		return;
	}
	{
		char d[12];
		int i = sizeof(d);

		d[--i] = 0;
		do d[--i] = '0' + n % 10; while ((n /= 10));
		strlcat(src, d + i, sizeof(src));
	}
	if (writing)
		fs_write("jffs2", src);
	else
		fs_read("jffs2", src);
}

/* ubi_attach(): attach the UBI MTD device; the UBI device number or -1. */
static int ubi_attach(void)
{
	char name[64] = "ubi";
	struct ubi_attach_req req;
	int fd, mtd;

	param("norvm.ubi", name, sizeof(name));
	mtd = mtd_number(name);
	if (mtd < 0) {
		fail("ubi_attach", "no such MTD device in /proc/mtd", 0);
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.ubi_num = UBI_DEV_NUM_AUTO;
	req.mtd_num = mtd;
	fd = open("/dev/ubi_ctrl", O_RDONLY, 0);
	if (fd < 0) {
		fail("ubi_attach", "/dev/ubi_ctrl", errno);
		return -1;
	}
	kmsg(NULL, 0);
	if (ioctl(fd, UBI_IOCATT, &req) < 0) {
		int err = errno;

		kmsg(NULL, 1);
		fail("ubi_attach", "UBI_IOCATT", err);
		close(fd);
		return -1;
	}
	kmsg("ubi", 1);
	close(fd);
	ok("ubi_attach", "");
	return req.ubi_num;
}

/* A dynamic volume "data" over all the space the UBI device has free. */
static int ubi_mkvol(int ubi)
{
	char path[64] = "/sys/class/ubi/ubi", val[32], dev[32] = "/dev/ubi";
	struct ubi_mkvol_req req;
	long long lebs, leb_size;
	char n[2] = { '0' + ubi, 0 };
	size_t base;
	int fd;

	strlcat(path, n, sizeof(path));
	base = strlen(path);
	strlcat(path, "/avail_eraseblocks", sizeof(path));
	if (read_file(path, val, sizeof(val)) <= 0) {
		fail("ubi_mkvol", path, errno);
		return -1;
	}
	lebs = atol(val);
	path[base] = 0;
	strlcat(path, "/eraseblock_size", sizeof(path));
	if (read_file(path, val, sizeof(val)) <= 0) {
		fail("ubi_mkvol", path, errno);
		return -1;
	}
	leb_size = atol(val);
	memset(&req, 0, sizeof(req));
	req.vol_id = UBI_VOL_NUM_AUTO;
	req.alignment = 1;
	req.bytes = lebs * leb_size;
	req.vol_type = UBI_DYNAMIC_VOLUME;
	strcpy(req.name, "data");
	req.name_len = strlen(req.name);
	strlcat(dev, n, sizeof(dev));
	fd = open(dev, O_RDONLY, 0);
	if (fd < 0 || ioctl(fd, UBI_IOCMKVOL, &req) < 0) {
		fail("ubi_mkvol", dev, errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	put("@@ ok ubi_mkvol lebs ");
	put_d(lebs);
	put(" leb_size ");
	put_d(leb_size);
	end_line();
	n_ok++;
	return 0;
}

static void step_ubifs(int writing)
{
	int ubi = ubi_attach();
	char src[16] = "ubi";
	char n[2] = { '0' + ubi, 0 };

	if (ubi < 0)
		return;
	strlcat(src, n, sizeof(src));
	strlcat(src, ":data", sizeof(src));
	if (writing) {
		if (ubi_mkvol(ubi) < 0)
			return;
		fs_write("ubifs", src);
	} else {
		fs_read("ubifs", src);
	}
}

/* ---- UEFI ------------------------------------------------------------- */

#define EFIVARS "/sys/firmware/efi/efivars"
/* The variable the UEFI suite looks for in the Shell afterwards. */
#define EFI_VAR EFIVARS "/NorvmLinux-b5a6e2c1-7d3e-4f6a-9c21-6e6f72766d21"

/*
 * Booted through UEFI: the EFI system table and its runtime services are
 * there, and a variable written through efivarfs (the runtime SetVariable,
 * EDK2's flash driver underneath) reads back.
 */
static void step_efi(void)
{
	static const char value[] = "\x07\x00\x00\x00LNX1";	/* NV|BS|RT, data */
	char buf[64];
	long n;
	int fd;

	if (read_file("/sys/firmware/efi/systab", buf, sizeof(buf)) < 0) {
		fail("efi_systab", "no /sys/firmware/efi/systab: not booted through UEFI",
		     errno);
		return;
	}
	ok("efi_systab", "");
	/* Linux makes the efivars directory only with runtime services. */
	fd = open(EFIVARS, O_RDONLY, 0);
	if (fd < 0) {
		fail("efi_runtime", "no " EFIVARS ": no runtime services", errno);
		return;
	}
	close(fd);
	ok("efi_runtime", "");
	if (mount("efivarfs", EFIVARS, "efivarfs", 0, NULL) < 0) {
		fail("efivarfs", "mounting efivarfs", errno);
		return;
	}
	ok("efivarfs", "");
	fd = open(EFI_VAR, O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || write(fd, value, sizeof(value) - 1) != (ssize_t)sizeof(value) - 1) {
		fail("efi_setvar", "writing " EFI_VAR, errno);
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	n = read_file(EFI_VAR, buf, sizeof(buf));
	if (n == (long)sizeof(value) - 1 && !memcmp(buf, value, (size_t)n))
		ok("efi_setvar", "LNX1");
	else
		fail("efi_setvar", "the variable does not read back", errno);
}

/* ---- virtio-blk ------------------------------------------------------- */

#ifndef O_DIRECT
#define O_DIRECT 00040000	/* asm-generic */
#endif
#define BLK_MIB 32		/* bytes moved each way */
#define BLK_SECTORS 262144	/* the scratch disk: 128 MiB */

/* Nanoseconds on the guest's monotonic clock (no floating point: this
 * /init is also built without an FPU). */
static unsigned long long now_ns(void)
{
	struct __kernel_timespec ts = { 0 };

	my_syscall2(__NR_clock_gettime, 1 /* CLOCK_MONOTONIC */, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* "123.4": a speed in MB/s (10^6 bytes) with one decimal. */
static void put_rate(unsigned long long bytes, unsigned long long ns)
{
	unsigned long long tenths = ns ? (bytes * 10000ull + ns / 2) / ns : 0;

	put_u(tenths / 10);
	put(".");
	put_u(tenths % 10);
}

/*
 * Sequential write then read of BLK_MIB MiB on the scratch disk (the vdX
 * of BLK_SECTORS sectors), 1 MiB per request, O_DIRECT (no page cache),
 * timed on the guest's clock: "@@ ok blk write W read R" in MB/s.
 */
static void step_blk(void)
{
	static char buf[1 << 20] __attribute__((aligned(4096)));
	char path[32] = "/dev/vda", size[32];
	unsigned long long t0, t1, t2;
	int fd = -1;

	for (char c = 'a'; c <= 'h' && fd < 0; c++) {
		char sys[48] = "/sys/block/vda/size";

		sys[13] = c;
		if (read_file(sys, size, sizeof(size)) > 0 && atoi(size) == BLK_SECTORS) {
			path[7] = c;
			fd = open(path, O_RDWR | O_DIRECT, 0);
		}
	}
	if (fd < 0) {
		fail("blk", "no scratch disk of 128 MiB", errno);
		return;
	}
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	t0 = now_ns();
	for (int i = 0; i < BLK_MIB; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			fail("blk", "write", errno);
			close(fd);
			return;
		}
	fsync(fd);
	t1 = now_ns();
	lseek(fd, 0, SEEK_SET);
	for (int i = 0; i < BLK_MIB; i++)
		if (read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			fail("blk", "read", errno);
			close(fd);
			return;
		}
	t2 = now_ns();
	close(fd);
	if (buf[12345] != (char)(12345 * 7)) {
		fail("blk", "read back other bytes than written", 0);
		return;
	}
	put("@@ ok blk write ");
	put_rate(BLK_MIB * 1048576ull, t1 - t0);
	put(" read ");
	put_rate(BLK_MIB * 1048576ull, t2 - t1);
	end_line();
	n_ok++;
}

/* ---- main ------------------------------------------------------------- */

static void run(const char *step)
{
	say("@@ step ", step, "");
	if (!strcmp(step, "boot"))
		step_boot();
	else if (!strcmp(step, "fpu"))
		step_fpu();
	else if (!strcmp(step, "mtd"))
		step_mtd();
	else if (!strcmp(step, "jffs2-write"))
		step_jffs2(1);
	else if (!strcmp(step, "jffs2-read"))
		step_jffs2(0);
	else if (!strcmp(step, "ubifs-write"))
		step_ubifs(1);
	else if (!strcmp(step, "ubifs-read"))
		step_ubifs(0);
	else if (!strcmp(step, "efi"))
		step_efi();
	else if (!strcmp(step, "blk"))
		step_blk();
	else
		fail(step, "no such step", 0);
}

int main(int argc, char **argv)
{
	char steps[256] = "boot", uptime[64];

	(void)argc;
	(void)argv;
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	mkdir(MNT, 0755);
	if (mount("proc", "/proc", "proc", 0, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) < 0 ||
	    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) < 0)
		fail("init", "mounting proc, sysfs or devtmpfs", errno);
	read_file("/proc/uptime", uptime, sizeof(uptime));
	if (strchr(uptime, ' '))
		*strchr(uptime, ' ') = 0;
	put("@@ init: start uptime ");
	put(uptime);
	put(" harts ");
	put_d(count_harts());
	end_line();

	read_file("/proc/cmdline", cmdline, sizeof(cmdline));
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK, 0);
	kmsg("riscv: ", 0);	/* the boot's ISA and ELF capability lines */
	param("norvm.test", steps, sizeof(steps));
	for (char *p = steps; p && *p; ) {
		char *next = strchr(p, ',');

		if (next)
			*next++ = 0;
		run(p);
		p = next;
	}
	sys_sync();
	put("@@ init: done ok ");
	put_d(n_ok);
	put(" fail ");
	put_d(n_fail);
	end_line();
	reboot(RB_POWER_OFF);
	fail("init", "reboot(RB_POWER_OFF) returned", errno);
	return 1;	/* the kernel panics: init exited */
}
