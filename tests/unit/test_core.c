/*
 * The MMIO bus and its exit timeline, vm_set_memory_region's checks, size
 * parsing, the loader.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board.h"
#include "board/riscv_virt.h"
#include "devtree.h"
#include "hw/cfi_flash.h"
#include "fakevm.h"
#include "loader.h"
#include "stats.h"
#include "test.h"
#include "util.h"

struct dev {
	uint64_t last_off, last_val;
	unsigned last_len, reads, writes;
};

static uint64_t dev_read(void *o, uint64_t off, unsigned len)
{
	struct dev *d = o;

	d->reads++;
	d->last_off = off;
	d->last_len = len;
	return 0x1122334455667788ull;
}

static void dev_write(void *o, uint64_t off, unsigned len, uint64_t val)
{
	struct dev *d = o;

	d->writes++;
	d->last_off = off;
	d->last_len = len;
	d->last_val = val;
}

static const struct mmio_ops dev_ops = { dev_read, dev_write };

static void bus_dispatches_by_range(void)
{
	struct vm vm;
	struct dev a = { 0 }, b = { 0 };
	struct mmio_exit e = { .addr = 0x1004, .len = 2 };

	fake_vm_init(&vm, 1);
	CHECK_EQ(mmio_register(&vm.bus, 0x2000, 0x100, "b", &dev_ops, &b), 0);
	CHECK_EQ(mmio_register(&vm.bus, 0x1000, 0x100, "a", &dev_ops, &a), 0);
	CHECK(mmio_dispatch(&vm.bus, &e));
	CHECK_EQ(a.reads, 1);
	CHECK_EQ(a.last_off, 4);
	CHECK_EQ(a.last_len, 2);
	CHECK_EQ(e.data, 0x7788);	/* truncated to the access size */
	e = (struct mmio_exit){ .addr = 0x20ff, .len = 1, .is_write = true, .data = 0xab };
	CHECK(mmio_dispatch(&vm.bus, &e));
	CHECK_EQ(b.writes, 1);
	CHECK_EQ(b.last_off, 0xff);
	CHECK_EQ(b.last_val, 0xab);
	CHECK_EQ(vm.bus.regions[0].counts.reads, 1);
	CHECK_EQ(vm.bus.regions[1].counts.writes, 1);
	CHECK_EQ(vm.bus.total.reads + vm.bus.total.writes, 2);
}

static void bus_rejects_overlap_and_unclaimed(void)
{
	struct vm vm;
	struct dev a = { 0 };
	struct mmio_exit e = { .addr = 0x10fe, .len = 4 };
	char log[] = "/tmp/norvm-core-log-XXXXXX", text[512] = "";
	int logfd = mkstemp(log), saved = dup(STDERR_FILENO);
	ssize_t n;

	fake_vm_init(&vm, 1);
	CHECK_EQ(mmio_register(&vm.bus, 0x1000, 0x100, "a", &dev_ops, &a), 0);
	CHECK_EQ(mmio_register(&vm.bus, 0x10ff, 0x10, "x", &dev_ops, &a), -EEXIST);
	CHECK_EQ(mmio_register(&vm.bus, 0x0f00, 0x101, "x", &dev_ops, &a), -EEXIST);
	CHECK_EQ(mmio_register(&vm.bus, 0x3000, 0, "x", &dev_ops, &a), -EINVAL);
	/* Running past the end of a region is not claimed; said once. */
	dup2(logfd, STDERR_FILENO);
	CHECK(!mmio_dispatch(&vm.bus, &e));
	e = (struct mmio_exit){ .addr = 0x5000, .len = 1 };
	CHECK(!mmio_dispatch(&vm.bus, &e));
	dup2(saved, STDERR_FILENO);
	close(saved);
	CHECK_EQ(vm.bus.unclaimed, 2);
	CHECK_EQ(a.reads, 0);
	n = pread(logfd, text, sizeof(text) - 1, 0);
	close(logfd);
	unlink(log);
	CHECK(n > 0 && !strcmp(text, "norvm: guest read of 4 bytes at 0x10fe hits no device: "
			       "access fault (logged once)\n"));
}

static void bus_fetch_counted_apart(void)
{
	struct vm vm;
	struct dev a = { 0 };
	struct mmio_exit e = { .addr = 0x1000, .len = 4, .is_fetch = true };

	fake_vm_init(&vm, 1);
	CHECK_EQ(mmio_register(&vm.bus, 0x1000, 0x100, "a", &dev_ops, &a), 0);
	CHECK(mmio_dispatch(&vm.bus, &e));
	CHECK_EQ(vm.bus.regions[0].counts.fetches, 1);
	CHECK_EQ(vm.bus.regions[0].counts.reads, 0);
}

static void set_memory_region_checks_arguments(void)
{
	struct vm vm;
	static uint8_t page[8192] __attribute__((aligned(4096)));

	fake_vm_init(&vm, 1);
	CHECK_EQ(vm_set_memory_region(&vm, ACCEL_MAX_SLOTS, 0x1000, 4096, page, 0), -EINVAL);
	CHECK_EQ(vm_set_memory_region(&vm, 0, 0x1001, 4096, page, 0), -EINVAL);
	CHECK_EQ(vm_set_memory_region(&vm, 0, 0x1000, 100, page, 0), -EINVAL);
	CHECK_EQ(vm_set_memory_region(&vm, 0, 0x1000, 4096, NULL, 0), -EINVAL);
	CHECK_EQ(vm_set_memory_region(&vm, 0, 0x1000, 4096, page, 0x80), -EINVAL);
	CHECK_EQ(fake_slot_changes, 0);
	CHECK_EQ(vm_set_memory_region(&vm, 3, 0x1000, 8192, page, MEM_FLAG_READONLY), 0);
	CHECK(fake_slot_at(0x2fff) && fake_slot_at(0x2fff)->flags == MEM_FLAG_READONLY);
	CHECK_EQ(vm_set_memory_region(&vm, 3, 0, 0, NULL, 0), 0);	/* removal */
	CHECK(!fake_slot_at(0x1000));
}

static void sizes_parse(void)
{
	uint64_t v = 0;

	CHECK_EQ(parse_size("256M", 1, &v), 0);
	CHECK_EQ(v, 256ull << 20);
	CHECK_EQ(parse_size("2G", 1, &v), 0);
	CHECK_EQ(v, 2ull << 30);
	CHECK_EQ(parse_size("512", 1, &v), 0);		/* bare number: bytes */
	CHECK_EQ(v, 512);
	CHECK_EQ(parse_size("512", 1 << 20, &v), 0);	/* ...or -m's MiB */
	CHECK_EQ(v, 512ull << 20);
	CHECK_EQ(parse_size("64k", 1, &v), 0);
	CHECK_EQ(v, 64ull << 10);
	CHECK_EQ(parse_size("32MiB", 1, &v), 0);
	CHECK_EQ(v, 32ull << 20);
	CHECK_EQ(parse_size("4096B", 1 << 20, &v), 0);
	CHECK_EQ(v, 4096);
	CHECK_EQ(parse_size("020", 1 << 20, &v), 0);	/* decimal, never octal */
	CHECK_EQ(v, 20ull << 20);
	CHECK_EQ(parse_size("01000K", 1, &v), 0);
	CHECK_EQ(v, 1000ull << 10);
	CHECK_EQ(parse_size("0x100K", 1, &v), 0);
	CHECK_EQ(v, 256ull << 10);
	CHECK_EQ(parse_size("", 1, &v), -EINVAL);
	CHECK_EQ(parse_size("-1M", 1, &v), -EINVAL);
	CHECK_EQ(parse_size(" 1M", 1, &v), -EINVAL);
	CHECK_EQ(parse_size("0x", 1, &v), -EINVAL);
	CHECK_EQ(parse_size("12Q", 1, &v), -EINVAL);
	CHECK_EQ(parse_size("99999999999999999999T", 1, &v), -EINVAL);
	CHECK_EQ(parse_size("20000000T", 1, &v), -EINVAL);
	CHECK_EQ(parse_u64("077", &v), 0);
	CHECK_EQ(v, 77);
	CHECK_EQ(parse_u64("0xFf", &v), 0);
	CHECK_EQ(v, 255);
	CHECK_EQ(parse_u64("18446744073709551615", &v), 0);
	CHECK_EQ(v, UINT64_MAX);
	CHECK_EQ(parse_u64("18446744073709551616", &v), -EINVAL);
	CHECK_EQ(parse_u64("1 ", &v), -EINVAL);
	CHECK_EQ(parse_u64("+1", &v), -EINVAL);
}

static char *temp_file(const void *data, size_t len)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/norvm-test-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
	return path;
}

static void vm_with_ram(struct vm *vm, uint64_t size)
{
	fake_vm_init(vm, 1);
	vm->ram_base = VIRT_RAM_BASE;
	vm->ram_size = size;
	vm->ram = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void loader_raw_and_bounds(void)
{
	struct vm vm;
	struct loaded_image img;
	char err[256];
	uint8_t code[16] = { 1, 2, 3, 4 };
	char *path = temp_file(code, sizeof(code));

	vm_with_ram(&vm, 1 << 20);
	CHECK_EQ(load_image(&vm, path, "--firmware", VIRT_RAM_BASE + 0x100, &img, err, sizeof(err)), 0);
	CHECK_EQ(img.entry, VIRT_RAM_BASE + 0x100);
	CHECK_EQ(vm.ram[0x100], 1);
	CHECK_EQ(vm.ram[0x103], 4);
	/* The last byte of RAM still fits; one more does not. */
	CHECK_EQ(load_image(&vm, path, "--firmware", VIRT_RAM_BASE + (1 << 20) - 16, &img, err, sizeof(err)), 0);
	CHECK_EQ(load_image(&vm, path, "--firmware", VIRT_RAM_BASE + (1 << 20) - 15, &img, err, sizeof(err)), -EFBIG);
	CHECK(strstr(err, "does not fit") != NULL);
	CHECK_EQ(load_image(&vm, "/nonexistent/x", "--firmware", VIRT_RAM_BASE, &img, err, sizeof(err)), -ENOENT);
	CHECK_EQ(load_image(&vm, "/tmp", "--firmware", VIRT_RAM_BASE, &img, err, sizeof(err)), -EINVAL);
	unlink(path);
	munmap(vm.ram, vm.ram_size);
}

static void loader_elf_segments(void)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph[2];
		uint8_t data[8];
	} f = { 0 };
	struct vm vm;
	struct loaded_image img;
	char err[256], *path;

	memcpy(f.eh.e_ident, ELFMAG, SELFMAG);
	f.eh.e_ident[EI_CLASS] = ELFCLASS64;
	f.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	f.eh.e_machine = EM_RISCV;
	f.eh.e_entry = VIRT_RAM_BASE + 0x2004;
	f.eh.e_phoff = offsetof(__typeof__(f), ph);
	f.eh.e_phentsize = sizeof(Elf64_Phdr);
	f.eh.e_phnum = 2;
	f.ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = offsetof(__typeof__(f), data),
				.p_paddr = VIRT_RAM_BASE + 0x2000, .p_filesz = 8, .p_memsz = 16 };
	f.ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_paddr = 0x10 };
	memset(f.data, 0xaa, 8);
	path = temp_file(&f, sizeof(f));
	vm_with_ram(&vm, 1 << 20);
	memset(vm.ram + 0x2000, 0x55, 32);
	CHECK_EQ(load_image(&vm, path, "--firmware", VIRT_RAM_BASE, &img, err, sizeof(err)), 0);
	CHECK_EQ(img.entry, VIRT_RAM_BASE + 0x2004);
	CHECK_EQ(vm.ram[0x2007], 0xaa);
	CHECK_EQ(vm.ram[0x2008], 0);		/* bss part zeroed */
	CHECK_EQ(vm.ram[0x2010], 0x55);		/* beyond memsz untouched */
	/* A segment outside RAM is refused with a clear message. */
	f.ph[0].p_paddr = 0x1000;
	unlink(path);
	path = temp_file(&f, sizeof(f));
	CHECK_EQ(load_image(&vm, path, "--firmware", VIRT_RAM_BASE, &img, err, sizeof(err)), -EFBIG);
	CHECK(strstr(err, "(0x10 bytes at 0x1000) does not fit in the 1 MiB of RAM") != NULL);
	/* One that would run past 2^64 says where it starts, not a wrapped end. */
	f.ph[0].p_paddr = UINT64_MAX - 7;
	unlink(path);
	path = temp_file(&f, sizeof(f));
	CHECK_EQ(load_image(&vm, path, "--firmware", VIRT_RAM_BASE, &img, err, sizeof(err)), -EFBIG);
	CHECK(strstr(err, "(0x10 bytes at 0xfffffffffffffff8)") != NULL);
	/* More bytes in the file than in memory: a bad file, said so. */
	f.ph[0].p_paddr = VIRT_RAM_BASE + 0x2000;
	f.ph[0].p_memsz = 4;
	unlink(path);
	path = temp_file(&f, sizeof(f));
	CHECK_EQ(load_image(&vm, path, "--firmware", VIRT_RAM_BASE, &img, err, sizeof(err)), -ENOEXEC);
	CHECK(strstr(err, "has 0x8 bytes in the file but 0x4 in memory") != NULL);
	/* An entry point outside RAM. */
	f.ph[0].p_memsz = 16;
	f.eh.e_entry = 0x1000;
	unlink(path);
	path = temp_file(&f, sizeof(f));
	CHECK_EQ(load_image(&vm, path, "--firmware", VIRT_RAM_BASE, &img, err, sizeof(err)), -ENOEXEC);
	CHECK(strstr(err, "entry point 0x1000 is outside the 1 MiB of RAM") != NULL);
	/* The board's machine: AArch64 on an arm64 board, and not RISC-V. */
	{
		static const struct board arm64 = { .name = "arm64-virt", .arch = "arm64" };

		f.eh.e_entry = VIRT_RAM_BASE + 0x2004;
		unlink(path);
		path = temp_file(&f, sizeof(f));
		vm.board = &arm64;
		CHECK_EQ(load_image(&vm, path, "--kernel", VIRT_RAM_BASE, &img, err, sizeof(err)), -ENOEXEC);
		CHECK(strstr(err, "not a 64-bit little-endian AArch64 ELF file (the arm64-virt "
			      "board's guests are arm64)") != NULL);
		f.eh.e_machine = EM_AARCH64;
		unlink(path);
		path = temp_file(&f, sizeof(f));
		CHECK_EQ(load_image(&vm, path, "--kernel", VIRT_RAM_BASE, &img, err, sizeof(err)), 0);
		CHECK_EQ(img.entry, VIRT_RAM_BASE + 0x2004);
	}
	unlink(path);
	munmap(vm.ram, vm.ram_size);
}

extern const struct board riscv_virt_board;

/* A fake VM on the riscv-virt board, its devices made by the board. */
static void board_vm(struct vm *vm, unsigned nharts, const struct accel_ops *accel)
{
	char err[256];

	fake_vm_init(vm, nharts);
	vm->accel = accel;
	vm->board = &riscv_virt_board;
	vm->ram_base = VIRT_RAM_BASE;
	vm->ram_size = 128 << 20;
	CHECK_EQ(vm->board->create(vm, err, sizeof(err)), 0);
}

static void board_vm_done(struct vm *vm)
{
	for (unsigned i = vm->ndevices; i-- > 0;)
		if (vm->devices[i].destroy)
			vm->devices[i].destroy(vm->devices[i].state);
}

static void devtree_lists_devices(void)
{
	struct vm vm;
	struct fdt_extra x = { 0x84000000, 0x84001000 };
	char err[256];
	int node;

	board_vm(&vm, 3, &fake_accel_ops);
	vm.cfg.append = "console=ttyS0";
	{
		struct cfi_flash_config fc = { .base = VIRT_FLASH0_BASE,
			.window = VIRT_FLASH_WINDOW, .slot = SLOT_FLASH0, .name = "flash0" };
		struct cfi_flash *f = cfi_flash_create(&vm, &fc, err, sizeof(err));

		CHECK(f != NULL);
		if (f)
			CHECK_EQ(vm_add_device(&vm, (struct device){ 0 }), 0);
		if (f)
			vm.devices[vm.ndevices - 1] = cfi_flash_device(f);
	}
	CHECK_EQ(fdt_build(&vm, &x, err, sizeof(err)), 0);
	CHECK_EQ(fdt_check_header(vm.fdt), 0);
	CHECK(fdt_path_offset(vm.fdt, "/cpus/cpu@2") >= 0);
	CHECK(fdt_path_offset(vm.fdt, "/cpus/cpu@3") < 0);
	CHECK(fdt_path_offset(vm.fdt, "/soc/serial@10000000") >= 0);
	node = fdt_path_offset(vm.fdt, "/flash@20000000");
	CHECK(node >= 0);
	CHECK(fdt_node_check_compatible(vm.fdt, node, "cfi-flash") == 0);
	CHECK(fdt_path_offset(vm.fdt, "/flash@22000000") < 0);
	node = fdt_path_offset(vm.fdt, "/chosen");
	CHECK(!strcmp(fdt_getprop(vm.fdt, node, "bootargs", NULL), "console=ttyS0"));
	CHECK(fdt_getprop(vm.fdt, node, "linux,initrd-end", NULL) != NULL);
	/* CLINT: two interrupts per hart, four cells each pair. */
	node = fdt_path_offset(vm.fdt, "/soc/clint@2000000");
	{
		int len = 0;

		CHECK(fdt_getprop(vm.fdt, node, "interrupts-extended", &len) != NULL);
		CHECK_EQ(len, 3 * 4 * 4);
	}
	free(vm.fdt);
	board_vm_done(&vm);
}

/* Without M-mode: no CLINT, one PLIC context per hart, the CPU as told. */
static void devtree_without_mmode(void)
{
	struct vm vm;
	struct fdt_extra x = { 0 };
	const fdt32_t *cells;
	char err[256];
	int node, len = 0;

	board_vm(&vm, 2, &fake_smode_accel_ops);
	strcpy(vm.cpu_isa, "rv64imafdc_zicsr_zifencei");
	vm.timebase_hz = 12345678;
	CHECK_EQ(fdt_build(&vm, &x, err, sizeof(err)), 0);
	CHECK(fdt_path_offset(vm.fdt, "/soc/clint@2000000") < 0);
	CHECK(fdt_path_offset(vm.fdt, "/soc/test@100000") >= 0);
	node = fdt_path_offset(vm.fdt, "/soc/plic@c000000");
	cells = fdt_getprop(vm.fdt, node, "interrupts-extended", &len);
	CHECK(cells != NULL);
	CHECK_EQ(len, 2 * 2 * 4);
	if (cells && len == 16) {
		CHECK_EQ(fdt32_to_cpu(cells[1]), IRQ_S_EXT);
		CHECK_EQ(fdt32_to_cpu(cells[3]), IRQ_S_EXT);
		CHECK(fdt32_to_cpu(cells[0]) != fdt32_to_cpu(cells[2]));
	}
	node = fdt_path_offset(vm.fdt, "/cpus/cpu@1");
	CHECK(!strcmp(fdt_getprop(vm.fdt, node, "riscv,isa", NULL), "rv64imafdc_zicsr_zifencei"));
	node = fdt_path_offset(vm.fdt, "/cpus");
	cells = fdt_getprop(vm.fdt, node, "timebase-frequency", NULL);
	CHECK(cells && fdt32_to_cpu(cells[0]) == 12345678);
	free(vm.fdt);
	board_vm_done(&vm);
}

/* Devices without state, so that several threads may exit to them at once. */
static uint64_t quiet_read(void *o, uint64_t off, unsigned len)
{
	return 0;
}

static void quiet_write(void *o, uint64_t off, unsigned len, uint64_t val)
{
}

static const struct mmio_ops quiet_ops = { quiet_read, quiet_write };

/* A hart exiting to the device at `addr` for `ms` ms of wall time. */
struct exiter {
	struct mmio_bus *bus;
	uint64_t addr;
	unsigned ms;
	uint64_t exits;
};

static void *exit_loop(void *arg)
{
	struct exiter *x = arg;
	struct timespec t0, t;
	long ms = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ms < (long)x->ms) {
		for (unsigned i = 0; i < 256; i++, x->exits++) {
			struct mmio_exit e = { .addr = x->addr, .len = 4,
					       .is_write = i % 3 == 0, .is_fetch = i % 5 == 0 };

			mmio_dispatch(x->bus, &e);
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
	}
	return NULL;
}

/* A timeline's column for device d, added up. */
static uint64_t column_sum(const uint64_t *rows, unsigned ndev, size_t nrows, unsigned d)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < nrows; i++)
		sum += rows[i * ndev + d];
	return sum;
}

/*
 * Four threads exit to devices a and b (none to c) while the sampler reads
 * the counters every millisecond: each device's rows add up to its
 * counters and to what the threads did, and the JSON names the columns.
 */
static void timeline_sums_match_counters(void)
{
	static struct mmio_bus bus;
	struct exiter x[4];
	pthread_t tid[4];
	struct stats_timeline *t;
	struct timespec t0, t1;
	const uint64_t *rows;
	unsigned ndev;
	uint64_t interval;
	size_t nrows, len = 0;
	long ms;
	char err[128], *json = NULL;
	FILE *f;

	memset(&bus, 0, sizeof(bus));
	CHECK_EQ(mmio_register(&bus, 0x3000, 0x100, "c", &quiet_ops, NULL), 0);
	CHECK_EQ(mmio_register(&bus, 0x1000, 0x100, "a", &quiet_ops, NULL), 0);
	CHECK_EQ(mmio_register(&bus, 0x2000, 0x100, "b", &quiet_ops, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = stats_timeline_start(&bus, 1, &t0, err, sizeof(err));
	CHECK(t != NULL);
	if (!t)
		return;
	for (unsigned i = 0; i < 4; i++) {
		x[i] = (struct exiter){ .bus = &bus, .addr = i % 2 ? 0x2004 : 0x1008,
					.ms = 30 + 10 * i };
		CHECK_EQ(pthread_create(&tid[i], NULL, exit_loop, &x[i]), 0);
	}
	for (unsigned i = 0; i < 4; i++)
		pthread_join(tid[i], NULL);
	stats_timeline_stop(t);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;

	rows = stats_timeline_rows(t, &ndev, &nrows, &interval);
	CHECK_EQ(ndev, 3);
	CHECK_EQ(interval, 1);
	CHECK(nrows >= 2);
	CHECK(nrows <= (size_t)ms + 1);		/* one a deadline, and the last */
	for (unsigned d = 0; d < ndev && d < 3; d++) {
		struct mmio_counts *c = &bus.regions[d].counts;

		CHECK_EQ(column_sum(rows, ndev, nrows, d), c->reads + c->writes + c->fetches);
	}
	CHECK_EQ(column_sum(rows, ndev, nrows, 0), x[0].exits + x[2].exits);	/* a */
	CHECK_EQ(column_sum(rows, ndev, nrows, 1), x[1].exits + x[3].exits);	/* b */
	CHECK_EQ(column_sum(rows, ndev, nrows, 2), 0);				/* c */

	f = open_memstream(&json, &len);
	CHECK(f != NULL);
	if (f) {
		stats_timeline_json(t, f, "");
		fclose(f);
		CHECK(strstr(json, "\"interval_ms\": 1,") != NULL);
		CHECK(strstr(json, "\"devices\": [\"a\", \"b\", \"c\"]") != NULL);
		free(json);
	}
	stats_timeline_free(t);
}

/*
 * Past STATS_TIMELINE_MAX_ROWS rows, neighbours are added up and the
 * interval doubles; nothing is lost.  Samples are taken by hand: the
 * sampler's own interval (60 s) never ends.
 */
static void timeline_merges_rows(void)
{
	static struct mmio_bus bus;
	struct stats_timeline *t;
	struct timespec t0;
	const uint64_t *rows;
	unsigned ndev;
	uint64_t interval;
	size_t nrows;
	uint64_t total = 0;
	char err[128];
	bool pairs = true;

	memset(&bus, 0, sizeof(bus));
	CHECK_EQ(mmio_register(&bus, 0x1000, 0x100, "a", &quiet_ops, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = stats_timeline_start(&bus, 60000, &t0, err, sizeof(err));
	CHECK(t != NULL);
	if (!t)
		return;
	for (uint64_t i = 1; i <= STATS_TIMELINE_MAX_ROWS + 2; i++) {
		atomic_fetch_add(&bus.regions[0].counts.reads, i);
		total += i;
		stats_timeline_sample(t);
	}
	rows = stats_timeline_rows(t, &ndev, &nrows, &interval);
	CHECK_EQ(nrows, STATS_TIMELINE_MAX_ROWS / 2 + 2);
	CHECK_EQ(interval, 120000);
	for (uint64_t j = 0; j < STATS_TIMELINE_MAX_ROWS / 2; j++)
		pairs &= rows[j] == (2 * j + 1) + (2 * j + 2);
	CHECK(pairs);
	CHECK_EQ(rows[nrows - 1], STATS_TIMELINE_MAX_ROWS + 2);
	stats_timeline_stop(t);
	rows = stats_timeline_rows(t, &ndev, &nrows, &interval);
	CHECK_EQ(nrows, STATS_TIMELINE_MAX_ROWS / 2 + 3);
	CHECK_EQ(rows[nrows - 1], 0);
	CHECK_EQ(column_sum(rows, ndev, nrows, 0), total);
	stats_timeline_free(t);
}

int main(void)
{
	RUN(bus_dispatches_by_range);
	RUN(bus_rejects_overlap_and_unclaimed);
	RUN(bus_fetch_counted_apart);
	RUN(timeline_sums_match_counters);
	RUN(timeline_merges_rows);
	RUN(set_memory_region_checks_arguments);
	RUN(sizes_parse);
	RUN(loader_raw_and_bounds);
	RUN(loader_elf_segments);
	RUN(devtree_lists_devices);
	RUN(devtree_without_mmode);
	return TEST_EXIT();
}
