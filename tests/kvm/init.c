/*
 * /init of the nested KVM test: a static riscv64 program, PID 1 twice over.
 *
 * In the riscv64 host that QEMU boots, it mounts /dev (for /dev/kvm),
 * /proc and /sys, then runs the steps of a file (norvm.steps= on the
 * kernel command line, default /share/steps), one per line:
 *
 *   run NAME [stdin=FILE] [uid=N] [timeout=S] PROGRAM ARGS...
 *   crc32 FILE        print the file's size and CRC-32 (zlib's)
 *
 * (words are separated by blanks; "a b" is one word)
 *   cat FILE          print the file between markers
 *   copy FROM TO      copy a file
 *
 * and powers off (norvm.verbose keeps kernel messages on the console
 * while the steps run).  Everything it says starts with "@@ " so the test
 * outside QEMU can cut the console output into steps:
 *
 *   @@ begin NAME
 *   ...the program's own output...
 *   @@ end NAME status N ms T        (or "@@ end NAME timeout ms T")
 *
 * In the Linux guest that a step boots on norvm (norvm.guest on its
 * command line) it reports what the guest sees of its harts and device
 * tree, runs an MTD test and reads a UEFI variable when its command line
 * asks (guest_checks), echoes a line of console input (unless it says
 * norvm.noinput), and powers off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS	64
#define DEFAULT_TIMEOUT	300	/* seconds per run step */

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("@@ ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static void mount_one(const char *type, const char *dir)
{
	mkdir(dir, 0755);
	if (mount(type, dir, type, 0, NULL) && errno != EBUSY)
		say("mount %s on %s: %s", type, dir, strerror(errno));
}

/* Reads a whole small file into buf; returns its length or -1. */
static ssize_t slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	static uint32_t table[256];

	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	while (n--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void step_crc32(const char *path)
{
	static uint8_t buf[65536];
	uint64_t size = 0;
	uint32_t crc = 0;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		say("crc32 %s error %s", path, strerror(errno));
		return;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		crc = crc32_update(crc, buf, (size_t)n);
		size += (uint64_t)n;
	}
	close(fd);
	say("crc32 %s %llu %08x", path, (unsigned long long)size, crc);
}

static void step_cat(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	say("cat %s", path);
	if (fd >= 0) {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)n, stdout);
		close(fd);
	}
	printf("\n");
	say("eof %s%s", path, fd < 0 ? " (missing)" : "");
}

static void step_copy(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || out < 0) {
		say("copy %s %s: %s", from, to, strerror(errno));
	} else {
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n) {
				say("copy %s %s: %s", from, to, strerror(errno));
				break;
			}
	}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
}

/* run NAME [stdin=FILE] [uid=N] [timeout=S] PROGRAM ARGS... */
static void step_run(char **w, int n)
{
	const char *name = w[1], *in = "/dev/null";
	int i = 2, uid = -1, timeout = DEFAULT_TIMEOUT, status;
	uint64_t start;
	pid_t pid;

	for (; i < n && strchr(w[i], '='); i++) {
		if (!strncmp(w[i], "stdin=", 6))
			in = w[i] + 6;
		else if (!strncmp(w[i], "uid=", 4))
			uid = atoi(w[i] + 4);
		else if (!strncmp(w[i], "timeout=", 8))
			timeout = atoi(w[i] + 8);
	}
	if (i >= n) {
		say("begin %s", name);
		say("end %s error no program", name);
		return;
	}
	say("begin %s", name);
	start = now_ms();
	pid = fork();
	if (pid == 0) {
		int fd = open(in, O_RDONLY);

		if (fd < 0 || dup2(fd, 0) < 0) {
			printf("init: %s: %s\n", in, strerror(errno));
			_exit(127);
		}
		if (uid >= 0 && (setgid((gid_t)uid) || setuid((uid_t)uid))) {
			printf("init: setuid %d: %s\n", uid, strerror(errno));
			_exit(127);
		}
		execv(w[i], w + i);
		printf("init: %s: %s\n", w[i], strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		say("end %s error fork: %s", name, strerror(errno));
		return;
	}
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		struct timespec tick = { 0, 10 * 1000000 };

		if (r == pid) {
			int code = WIFEXITED(status) ? WEXITSTATUS(status) :
				   128 + WTERMSIG(status);

			/* The program's last line may lack its newline. */
			printf("\n");
			say("end %s status %d ms %llu", name, code,
			    (unsigned long long)(now_ms() - start));
			return;
		}
		if (now_ms() - start > (uint64_t)timeout * 1000) {
			/* SIGTERM first: norvm still writes its statistics. */
			kill(pid, SIGTERM);
			for (int i = 0; i < 500 && waitpid(pid, &status, WNOHANG) != pid; i++)
				nanosleep(&tick, NULL);
			if (kill(pid, SIGKILL) == 0)
				waitpid(pid, &status, 0);
			printf("\n");
			say("end %s timeout ms %llu", name,
			    (unsigned long long)(now_ms() - start));
			return;
		}
		nanosleep(&tick, NULL);
	}
}

/* Words separated by blanks; "a b" is one word.  Returns the count. */
static int split(char *p, char **w)
{
	int n = 0;

	for (;;) {
		p += strspn(p, " \t\n");
		if (!*p || n == MAX_ARGS)
			break;
		if (*p == '"') {
			w[n++] = ++p;
			p += strcspn(p, "\"");
		} else {
			w[n++] = p;
			p += strcspn(p, " \t\n");
		}
		if (*p)
			*p++ = 0;
	}
	w[n] = NULL;
	return n;
}

static void run_steps(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];

	if (!f) {
		say("steps %s: %s", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *w[MAX_ARGS + 1];
		int n = split(line, w);

		if (!n || w[0][0] == '#')
			continue;
		if (!strcmp(w[0], "run") && n >= 2)
			step_run(w, n);
		else if (!strcmp(w[0], "crc32") && n == 2)
			step_crc32(w[1]);
		else if (!strcmp(w[0], "cat") && n == 2)
			step_cat(w[1]);
		else if (!strcmp(w[0], "copy") && n == 3)
			step_copy(w[1], w[2]);
		else
			say("bad step: %s", w[0]);
	}
	fclose(f);
}

#ifdef __riscv
/* A device tree property of the running system, as a big-endian u32. */
static long dt_u32(const char *path)
{
	uint8_t b[4];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, b, 4);

	if (fd >= 0)
		close(fd);
	return n == 4 ? (long)((uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]) : -1;
}
#endif

/* Load /lib/NAME.ko with `args`; says how it went. */
static void load_module(const char *name, const char *args)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/lib/%s.ko", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syscall(SYS_finit_module, fd, args, 0))
		printf("guest: %s: %s\n", path, strerror(errno));
	else
		printf("guest: %s loaded\n", path);
	if (fd >= 0)
		close(fd);
	fflush(stdout);
}

/* The value of `key` (say "norvm.mtdtest=") on the command line, or "". */
static void cmdline_arg(const char *cmdline, const char *key, char *out, size_t len)
{
	const char *p = strstr(cmdline, key);

	*out = 0;
	if (p) {
		p += strlen(key);
		snprintf(out, len, "%.*s", (int)strcspn(p, " \n"), p);
	}
}

/*
 * norvm.mtdtest=NAME: the MTD devices, then the test module NAME (after
 * mtd_test, the helpers the tests share) on the first of them.
 * norvm.efivar=NAME-GUID: that UEFI variable's attributes and data, in
 * hex, from efivarfs.
 */
static void guest_checks(const char *cmdline)
{
	char arg[128], buf[512];
	ssize_t n;

	cmdline_arg(cmdline, "norvm.mtdtest=", arg, sizeof(arg));
	if (*arg) {
		if (slurp("/proc/mtd", buf, sizeof(buf)) > 0)
			printf("guest: /proc/mtd\n%s", buf);
		load_module("mtd_test", "");
		load_module(arg, "dev=0");
	}
	cmdline_arg(cmdline, "norvm.efivar=", arg, sizeof(arg));
	if (*arg) {
		uint8_t v[64];
		int fd;

		printf("guest: efi %s\n", access("/sys/firmware/efi", F_OK) ? "absent" : "present");
		if (mount("efivarfs", "/sys/firmware/efi/efivars", "efivarfs", 0, NULL))
			printf("guest: efivarfs: %s\n", strerror(errno));
		snprintf(buf, sizeof(buf), "/sys/firmware/efi/efivars/%s", arg);
		fd = open(buf, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, v, sizeof(v));
		printf("guest: efivar %s", arg);
		if (n < 0)
			printf(" %s", strerror(errno));
		for (ssize_t i = 0; i < n; i++)
			printf("%s%02x", i == 0 || i == 4 ? " " : "", v[i]);
		printf("\n");
		if (fd >= 0)
			close(fd);
	}
	fflush(stdout);
}

static void guest(const char *cmdline)
{
	char buf[4096], *isa;
	cpu_set_t set;

	CPU_ZERO(&set);
	sched_getaffinity(0, sizeof(set), &set);
	printf("guest: %d harts online\n", CPU_COUNT(&set));
	if (slurp("/proc/cpuinfo", buf, sizeof(buf)) > 0 && (isa = strstr(buf, "isa\t"))) {
		isa[strcspn(isa, "\n")] = 0;
		printf("guest: cpu %s\n", isa);
	}
#ifdef __riscv	/* what KVM on riscv64 gives the board */
	struct stat st;

	printf("guest: timebase %ld\n",
	       dt_u32("/sys/firmware/devicetree/base/cpus/timebase-frequency"));
	printf("guest: clint %s\n",
	       stat("/sys/firmware/devicetree/base/soc/clint@2000000", &st) ? "absent" : "present");
#endif
	fflush(stdout);
	guest_checks(cmdline);
	/*
	 * Lines typed on norvm's console come back through the UART.  The
	 * first may lose bytes typed while the 8250 driver set the port up
	 * (it clears the FIFOs), so the input repeats the word.
	 */
	for (int i = 0; i < 8 && !strstr(cmdline, "norvm.noinput") &&
			fgets(buf, sizeof(buf), stdin); i++) {
		buf[strcspn(buf, "\n")] = 0;
		printf("guest: read '%s'\n", buf);
		if (!strcmp(buf, "ping"))
			break;
	}
	printf("guest: powering off\n");
	fflush(stdout);
	power_off();
}

int main(void)
{
	char cmdline[1024] = "", *p, steps[256] = "/share/steps";

	mount_one("proc", "/proc");
	mount_one("sysfs", "/sys");
	slurp("/proc/cmdline", cmdline, sizeof(cmdline));
	if (strstr(cmdline, "norvm.guest"))
		guest(cmdline);
	mount_one("devtmpfs", "/dev");
	/* Kernel messages from here on would cut into the steps' output. */
	if (!strstr(cmdline, "norvm.verbose"))
		klogctl(8, NULL, 1);
	if ((p = strstr(cmdline, "norvm.steps="))) {
		snprintf(steps, sizeof(steps), "%s", p + 12);
		steps[strcspn(steps, " \n")] = 0;
	}
	say("init: steps %s", steps);
	run_steps(steps);
	say("init: done");
	power_off();
	return 0;
}
