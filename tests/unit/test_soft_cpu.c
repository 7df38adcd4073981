/*
 * The built-in CPU against the memory/exit contract: guest code encoded
 * here runs on a hand-built VM with RAM, a read-only slot backed by a
 * "flash-like" device, and a stop device.  The full instruction set is
 * covered by the guest programs in tests/isa/.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "soft/soft.h"
#include "test.h"
#include "vm.h"

#define RAM_BASE	0x80000000ull
#define RAM_SIZE	(1u << 20)
#define STOP_BASE	0x100000ull
#define ROM_BASE	0x90000000ull	/* read-only slot + device */

static struct vm vm;
static uint8_t *ram;
static uint8_t rom[4096] __attribute__((aligned(4096)));
static unsigned code_len;
static char err[256];
static const struct hart_entry ram_entry = { .pc = RAM_BASE };

/* The ROM device: sees stores, and toggles its slot like a flash does. */
static struct {
	unsigned reads, writes, fetches;
	uint64_t last_off, last_val;
	unsigned last_len;
	bool array;			/* reads answer array data */
} dev;

static uint64_t rom_read(void *opaque, uint64_t off, unsigned len)
{
	uint64_t v = 0;

	dev.reads++;
	if (!dev.array)
		return 0x5a5a5a5a5a5a5a5aull;
	memcpy(&v, rom + off, len);
	return v;
}

static void rom_write(void *opaque, uint64_t off, unsigned len, uint64_t val)
{
	dev.writes++;
	dev.last_off = off;
	dev.last_len = len;
	dev.last_val = val;
	/* Writing 1 or 2 unmaps the array, writing 0 maps it again. */
	dev.array = val == 2;
	if (val == 1 || val == 2)
		vm_set_memory_region(&vm, 3, 0, 0, NULL, 0);
	else if (val == 0)
		vm_set_memory_region(&vm, 3, ROM_BASE, sizeof(rom), rom,
				     MEM_FLAG_READONLY);
}

static const struct mmio_ops rom_ops = { rom_read, rom_write };

static uint64_t stop_read(void *opaque, uint64_t off, unsigned len)
{
	return 0;
}

static void stop_write(void *opaque, uint64_t off, unsigned len, uint64_t val)
{
	vm_request_exit(&vm, VM_EXIT_POWEROFF, (int)val);
}

static const struct mmio_ops stop_ops = { stop_read, stop_write };

/* Instruction encoders. */
static uint32_t i_type(unsigned op, unsigned f3, unsigned rd, unsigned rs1,
		       int32_t imm)
{
	return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 |
	       rd << 7 | op;
}

static uint32_t s_type(unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
	uint32_t u = (uint32_t)imm;

	return (u >> 5 & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
	       (u & 0x1f) << 7 | 0x23;
}

static uint32_t r_type(unsigned f7, unsigned f3, unsigned rd, unsigned rs1,
		       unsigned rs2)
{
	return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | 0x33;
}

#define ADDI(rd, rs1, imm)	i_type(0x13, 0, rd, rs1, imm)
#define LUI(rd, imm20)		((uint32_t)(imm20) << 12 | (rd) << 7 | 0x37)
#define LW(rd, rs1, imm)	i_type(0x03, 2, rd, rs1, imm)
#define LD(rd, rs1, imm)	i_type(0x03, 3, rd, rs1, imm)
#define SW(rs2, rs1, imm)	s_type(2, rs1, rs2, imm)
#define SD(rs2, rs1, imm)	s_type(3, rs1, rs2, imm)
#define JALR(rd, rs1, imm)	i_type(0x67, 0, rd, rs1, imm)
#define CSRRW(rd, csr, rs1)	i_type(0x73, 1, rd, rs1, csr)
#define CSRRS(rd, csr, rs1)	i_type(0x73, 2, rd, rs1, csr)
#define DIV(rd, a, b)		r_type(1, 4, rd, a, b)
#define REM(rd, a, b)		r_type(1, 6, rd, a, b)
#define MULH(rd, a, b)		r_type(1, 1, rd, a, b)
#define WFI			0x10500073u
#define MRET			0x30200073u
#define ECALL			0x00000073u
#define FENCE_I			0x0000100fu

static void emit(uint32_t insn)
{
	memcpy(ram + code_len, &insn, 4);
	code_len += 4;
}

/* rd = a page-aligned address below 4 GiB (lui sign-extends bit 31). */
static void emit_addr(unsigned rd, uint64_t addr)
{
	emit(LUI(rd, addr >> 12));
	emit(i_type(0x13, 1, rd, rd, 32));	/* slli rd, rd, 32 */
	emit(i_type(0x13, 5, rd, rd, 32));	/* srli rd, rd, 32 */
}

/* x31 = STOP_BASE; sw x0/x30 there stops the VM with that status. */
static void emit_stop(unsigned status_reg)
{
	emit(LUI(31, STOP_BASE >> 12));
	emit(SW(status_reg, 31, 0));
	emit(0x0000006f);	/* j . */
}

static void vm_setup(void)
{
	memset(&vm, 0, sizeof(vm));
	memset(&dev, 0, sizeof(dev));
	vm.accel = &soft_accel_ops;
	vm.nharts = 1;
	clock_gettime(CLOCK_MONOTONIC, &vm.start);
	if (!ram)
		ram = aligned_alloc(4096, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	for (unsigned i = 0; i < sizeof(rom); i++)
		rom[i] = (uint8_t)(i * 7 + 1);
	code_len = 0;
	CHECK_EQ(vm.accel->create(&vm, err, sizeof(err)), 0);
	CHECK_EQ(vm_set_memory_region(&vm, 0, RAM_BASE, RAM_SIZE, ram, 0), 0);
	CHECK_EQ(vm_set_memory_region(&vm, 3, ROM_BASE, sizeof(rom), rom,
				      MEM_FLAG_READONLY), 0);
	CHECK_EQ(mmio_register(&vm.bus, STOP_BASE, 0x1000, "stop", &stop_ops,
			       NULL), 0);
	CHECK_EQ(mmio_register(&vm.bus, ROM_BASE, sizeof(rom), "rom", &rom_ops,
			       NULL), 0);
}

static void vm_go(void)
{
	vm.accel->reset_hart(&vm, 0, &ram_entry);
	vm.accel->run_hart(&vm, 0);
}

static void vm_teardown(void)
{
	vm.accel->destroy(&vm);
}

static uint64_t reg(unsigned r)
{
	return soft_get_reg(&vm, 0, r);
}

static void test_arith_and_stop(void)
{
	vm_setup();
	emit(ADDI(1, 0, -7));
	emit(ADDI(2, 0, 0));
	emit(DIV(3, 1, 2));		/* by zero: all ones */
	emit(REM(4, 1, 2));		/* by zero: dividend */
	emit(ADDI(5, 0, 1));
	emit(i_type(0x13, 1, 5, 5, 63));	/* slli x5, x5, 63 */
	emit(ADDI(6, 0, -1));
	emit(DIV(7, 5, 6));		/* overflow: INT64_MIN */
	emit(MULH(8, 1, 1));		/* (-7)^2 >> 64 = 0 */
	emit(ADDI(30, 0, 42));
	emit_stop(30);
	vm_go();
	CHECK_EQ(vm.exit_reason, VM_EXIT_POWEROFF);
	CHECK_EQ(vm.exit_code, 42);
	CHECK_EQ(reg(1), (uint64_t)-7);
	CHECK_EQ(reg(3), UINT64_MAX);
	CHECK_EQ(reg(4), (uint64_t)-7);
	CHECK_EQ(reg(7), 1ull << 63);
	CHECK_EQ(reg(8), 0);
	CHECK_EQ(vm.accel->instret(&vm, 0), 12);
	CHECK_EQ(vm.bus.total.writes, 1);
	vm_teardown();
}

/* A store to a READONLY slot exits to the device with its size and data;
 * loads from the slot never exit. */
static void test_readonly_store_exits(void)
{
	vm_setup();
	emit_addr(10, ROM_BASE);
	emit(LD(11, 10, 8));
	emit(ADDI(12, 0, 0x77));
	emit(SW(12, 10, 0x10));
	emit(LD(13, 10, 8));
	emit_stop(0);
	vm_go();
	CHECK_EQ(vm.exit_code, 0);
	CHECK_EQ(dev.writes, 1);
	CHECK_EQ(dev.reads, 0);
	CHECK_EQ(dev.last_off, 0x10);
	CHECK_EQ(dev.last_len, 4);
	CHECK_EQ(dev.last_val, 0x77);
	CHECK_EQ(rom[0x10], 0x10 * 7 + 1);	/* the slot is unchanged */
	CHECK_EQ(reg(11), reg(13));
	CHECK_EQ(reg(11) & 0xff, 8 * 7 + 1);
	vm_teardown();
}

/* A slot removed inside an MMIO exit is gone for the very next access,
 * and back for the access after the exit that maps it again. */
static void test_unmap_seen_by_next_access(void)
{
	vm_setup();
	emit_addr(10, ROM_BASE);
	emit(LD(11, 10, 0));		/* warm the TLB: array data */
	emit(ADDI(12, 0, 1));
	emit(SD(12, 10, 0));		/* device unmaps */
	emit(LD(13, 10, 0));		/* must exit: device data */
	emit(SD(0, 10, 0));		/* device maps again */
	emit(LD(14, 10, 0));		/* array data again */
	emit_stop(0);
	vm_go();
	CHECK_EQ(reg(13), 0x5a5a5a5a5a5a5a5aull);
	CHECK_EQ(reg(11), reg(14));
	CHECK(reg(11) != reg(13));
	CHECK_EQ(dev.reads, 1);
	CHECK_EQ(dev.writes, 2);
	vm_teardown();
}

/* Code in an unmapped region is fetched through its device each time. */
static void test_fetch_through_device(void)
{
	uint32_t ret = JALR(0, 1, 0);

	vm_setup();
	memcpy(rom, &ret, 4);
	emit_addr(10, ROM_BASE);
	emit(JALR(1, 10, 0));		/* call the ROM: mapped, no exit */
	emit(ADDI(12, 0, 2));
	emit(SD(12, 10, 8));		/* unmap */
	emit(JALR(1, 10, 0));		/* call again: fetched by exits */
	emit_stop(0);
	vm_go();
	CHECK_EQ(vm.exit_reason, VM_EXIT_POWEROFF);
	CHECK_EQ(vm.bus.total.fetches, 1);
	CHECK_EQ(dev.writes, 1);
	vm_teardown();
}

/* Accesses nobody claims are access faults, reported in mcause/mtval. */
static void test_unclaimed_faults(void)
{
	vm_setup();
	/* handler at RAM+0x100: stop with status mcause*256 */
	emit(ADDI(1, 0, 0x100));
	emit_addr(2, RAM_BASE);
	emit(r_type(0, 0, 1, 1, 2));		/* add x1, x1, x2 */
	emit(CSRRW(0, 0x305, 1));		/* mtvec */
	emit(LUI(3, 0x40000));			/* 0x40000000: nothing */
	emit(LW(4, 3, 0));
	emit_stop(0);
	code_len = 0x100;
	emit(CSRRS(5, 0x342, 0));		/* mcause */
	emit(CSRRS(6, 0x343, 0));		/* mtval */
	emit(ADDI(30, 5, 0x100));
	emit_stop(30);
	vm_go();
	CHECK_EQ(vm.exit_code, 5 + 0x100);
	CHECK_EQ(reg(6), 0x40000000);
	CHECK_EQ(vm.bus.unclaimed, 1);
	vm_teardown();
}

/* FENCE.I makes code written by stores visible to fetch. */
static void test_fence_i(void)
{
	vm_setup();
	/* at 0x40: addi x20, x0, 1 ; jalr x0, 0(x1) */
	code_len = 0x40;
	emit(ADDI(20, 0, 1));
	emit(JALR(0, 1, 0));
	code_len = 0;
	emit_addr(10, RAM_BASE);
	emit(i_type(0x67, 0, 1, 10, 0x40));	/* call 0x40 */
	emit(LUI(11, (ADDI(20, 0, 2) + 0x800) >> 12));
	emit(ADDI(11, 11, (int32_t)(ADDI(20, 0, 2) & 0xfff)));
	emit(SW(11, 10, 0x40));			/* patch the callee */
	emit(FENCE_I);
	emit(i_type(0x67, 0, 1, 10, 0x40));	/* call again */
	emit_stop(0);
	vm_go();
	CHECK_EQ(reg(20), 2);
	vm_teardown();
}

static void *raise_later(void *arg)
{
	usleep(20000);
	vm.accel->set_irq(&vm, 0, IRQ_M_EXT, true);
	return NULL;
}

/* WFI sleeps until another thread raises an interrupt line. */
static void test_wfi_wakes_on_irq(void)
{
	pthread_t t;
	struct timespec a, b;

	vm_setup();
	emit(ADDI(1, 0, 1));
	emit(i_type(0x13, 1, 1, 1, 11));	/* x1 = MEIE */
	emit(CSRRW(0, 0x304, 1));		/* mie */
	emit(WFI);				/* MIE=0: resumes, no trap */
	emit(CSRRS(5, 0x344, 0));		/* mip */
	emit_stop(0);
	pthread_create(&t, NULL, raise_later, NULL);
	clock_gettime(CLOCK_MONOTONIC, &a);
	vm_go();
	clock_gettime(CLOCK_MONOTONIC, &b);
	pthread_join(t, NULL);
	CHECK_EQ(reg(5) & (1u << 11), 1u << 11);
	CHECK((b.tv_sec - a.tv_sec) * 1000000000L + b.tv_nsec - a.tv_nsec >
	      15000000L);
	vm_teardown();
}

/* Ends a run that should have ended by itself: 10 s after it starts. */
static pthread_mutex_t watchdog_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watchdog_cond = PTHREAD_COND_INITIALIZER;
static bool watchdog_done;

static void *watchdog(void *arg)
{
	struct timespec until;
	bool fired;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&watchdog_lock);
	while (!watchdog_done &&
	       pthread_cond_timedwait(&watchdog_cond, &watchdog_lock, &until) == 0)
		;
	fired = !watchdog_done;
	pthread_mutex_unlock(&watchdog_lock);
	if (fired)
		vm_request_exit(&vm, VM_EXIT_USER, 0);
	return NULL;
}

/* The timer interrupt is taken through a vectored mtvec (a timer that never
 * fires fails the check after 10 s: the watchdog ends the WFI). */
static void test_timer_vectored(void)
{
	pthread_t w;

	vm_setup();
	code_len = 0x200 + 4 * 7;		/* vector 7: MTI */
	emit(CSRRS(5, 0x342, 0));
	emit_stop(0);
	code_len = 0;
	emit_addr(1, RAM_BASE);
	emit(ADDI(1, 1, 0x201));		/* vectored at +0x200 */
	emit(CSRRW(0, 0x305, 1));
	emit(ADDI(2, 0, 0x80));
	emit(CSRRW(0, 0x304, 2));		/* MTIE */
	emit(ADDI(3, 0, 8));
	emit(CSRRW(0, 0x300, 3));		/* MIE */
	emit(WFI);
	emit(0x0000006f);
	vm.accel->reset_hart(&vm, 0, &ram_entry);
	vm.accel->set_timecmp(&vm, 0, vm_mtime(&vm) + 1000);
	watchdog_done = false;
	pthread_create(&w, NULL, watchdog, NULL);
	vm.accel->run_hart(&vm, 0);
	pthread_mutex_lock(&watchdog_lock);
	watchdog_done = true;
	pthread_cond_signal(&watchdog_cond);
	pthread_mutex_unlock(&watchdog_lock);
	pthread_join(w, NULL);
	CHECK_EQ(vm.exit_reason, VM_EXIT_POWEROFF);
	CHECK_EQ(reg(5), (1ull << 63) | 7);
	vm_teardown();
}

int main(void)
{
	RUN(test_arith_and_stop);
	RUN(test_readonly_store_exits);
	RUN(test_unmap_seen_by_next_access);
	RUN(test_fetch_through_device);
	RUN(test_unclaimed_faults);
	RUN(test_fence_i);
	RUN(test_wfi_wakes_on_irq);
	RUN(test_timer_vectored);
	free(ram);
	return TEST_EXIT();
}
