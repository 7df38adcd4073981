/*
 * rvgen SEED [N]: writes to stdout a bare-metal M-mode RISC-V program (.S,
 * linked with tests/isa/link.ld) that runs a random stream of N (default
 * 3000) RV64IMC operations and then prints every register and a hash of its
 * scratch memory on the UART, as "xN 0x%016lx" and "mem 0x%016lx" lines,
 * and powers off.  tests/e2e/jit_oracle.sh runs it on norvm's interpreter,
 * on its code generator and on QEMU and compares what they print.
 *
 * The stream: ALU ops of every form (edge shift amounts, edge divisor and
 * dividend), lui/auipc, loads and stores of every width around two page
 * boundaries of a 16 KiB buffer, misaligned and straddling ones included,
 * forward branches of every kind, counted loops (tested at the bottom, or
 * at the top with a jump back), calls to leaf functions through jal, call,
 * jalr and c.jalr, compressed forms (the assembler's and explicit c.*),
 * mscratch accesses (a JIT block ends there), and code rewritten in place
 * (a store, then FENCE.I).
 * Loads, stores, LR and AMOs that fault (now and then, hot code included):
 * their trap is hashed and the instruction skipped, and what they would
 * have written must stay as it was.
 * Seeds come in three kinds, by SEED % 3: 0 runs in M-mode, where faulting
 * accesses go to a page a locked PMP entry closes; 1 the same with MPRV set
 * and MPP = M, so that norvm's code generator makes the accesses through
 * its TLB rather than straight to RAM; 2 in S-mode under Sv39 (devices and
 * RAM mapped to themselves), where faulting accesses go to an unmapped
 * page.  Faulting AMOs sit between #ifndef NO_AMO_FAULTS lines: QEMU 7.2
 * lets an M-mode AMO through a locked PMP entry and reports an AMO's page
 * fault as a load's, so the program QEMU runs is built without them.
 * The stream runs four times over, so that code grows hot for norvm's
 * code generator and its translations run again and link.  Nothing
 * it runs depends on time.  The same seed gives the same file.
 *
 * Registers that keep a role: ra (calls), sp (buffer + 12 KiB - 256),
 * s0 (buffer + 4 KiB - 128), t5 (a hash of the traps taken: only the
 * faulting accesses trap, misaligned ones are performed) and t6
 * (loop counter).  Any register is a source; the others are destinations.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NFUNC		6
#define PASSES		4	/* runs of the stream, registers carried over */
#define SP_OFF		(12288 - 256)	/* sp's page boundary: sp + 256 */
#define S0_OFF		(4096 - 128)	/* s0's page boundary: s0 + 128 */

static uint64_t state;
static unsigned label;
static enum { KIND_M, KIND_MPRV, KIND_SV39 } kind;	/* SEED % 3 */
/* The scratch CSR the stream uses, and the one the trap handler uses. */
static const char *scratch, *trap_scratch;
#define FAULT_PAGE	"0x40000000"	/* Sv39: under an empty table */

static uint64_t rnd(void)		/* splitmix64 */
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned pick(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static int range(int lo, int hi)	/* lo..hi inclusive */
{
	return lo + (int)pick((unsigned)(hi - lo + 1));
}

#define PICK(a)	(a)[pick(sizeof(a) / sizeof((a)[0]))]

/* Destinations: not x0, ra, sp, s0, t5, t6. */
static const int dst_regs[] = { 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29 };
static const int cdst_regs[] = { 9, 10, 11, 12, 13, 14, 15 };	/* rd' */

static int rd(void) { return PICK(dst_regs); }
/* A destination, now and then x0 (the result must vanish). */
static int rd0(void) { return pick(24) ? rd() : 0; }
static int crd(void) { return PICK(cdst_regs); }
static int rs(void) { return (int)pick(32); }
static int crs(void) { return 8 + (int)pick(8); }

/* A 64-bit value, often one at an edge of some operation. */
static uint64_t value(void)
{
	static const uint64_t edge[] = { 0, 1, 2, -1ull, -2ull, 0x8000000000000000ull,
		0x7fffffffffffffffull, 0xffffffff80000000ull, 0x7fffffff, 0x80000000,
		0xffffffff, 31, 32, 63, 64, 0x100000000ull };

	switch (pick(5)) {
	case 0: case 1: return PICK(edge);
	case 2: return (uint64_t)(int64_t)(int32_t)rnd();
	case 3: return rnd() >> pick(64);
	default: return rnd();
	}
}

static int imm12(void)
{
	static const int edge[] = { 0, 1, -1, 2047, -2048, 31, 32, 63 };

	return pick(3) ? range(-2048, 2047) : PICK(edge);
}

static void li(int r, uint64_t v)
{
	printf("\tli\tx%d, 0x%" PRIx64 "\n", r, v);
}

static void alu_rr(void)
{
	static const char *const op[] = { "add", "sub", "sll", "slt", "sltu", "xor",
		"srl", "sra", "or", "and", "addw", "subw", "sllw", "srlw", "sraw" };
	static const uint64_t amt[] = { 0, 31, 32, 63, 64, 95, -1ull };
	unsigned i = pick(15);
	int a = rs(), b = rs();

	if ((1u << i) & 0x70c4 && pick(2)) {	/* a shift: edge amounts */
		b = rd();
		li(b, PICK(amt));
	}
	printf("\t%s\tx%d, x%d, x%d\n", op[i], rd0(), a, b);
}

static void muldiv(void)
{
	static const char *const op[] = { "mul", "mulh", "mulhsu", "mulhu", "div",
		"divu", "rem", "remu", "mulw", "divw", "divuw", "remw", "remuw" };
	static const uint64_t num[] = { 0x8000000000000000ull, 0xffffffff80000000ull,
		0x80000000, 0, -1ull, 1 };
	static const uint64_t den[] = { 0, -1ull, 1, 0xffffffff, 0xffffffff00000000ull };
	int a = rs(), b = rs();

	if (!pick(3)) {
		a = rd();
		li(a, PICK(num));
	}
	if (!pick(3)) {
		do
			b = rd();
		while (b == a);
		li(b, PICK(den));
	}
	printf("\t%s\tx%d, x%d, x%d\n", PICK(op), rd0(), a, b);
}

static void alu_ri(void)
{
	static const char *const op[] = { "addi", "slti", "sltiu", "xori", "ori",
		"andi", "addiw" };
	static const char *const sh[] = { "slli", "srli", "srai" };
	static const char *const shw[] = { "slliw", "srliw", "sraiw" };
	static const int amt[] = { 0, 1, 31, 32, 63 };
	static const int amtw[] = { 0, 1, 31 };

	switch (pick(3)) {
	case 0:
		if (!pick(6))	/* zext.b */
			printf("\tandi\tx%d, x%d, 255\n", rd0(), rs());
		else
			printf("\t%s\tx%d, x%d, %d\n", PICK(op), rd0(), rs(), imm12());
		break;
	case 1:
		printf("\t%s\tx%d, x%d, %d\n", PICK(sh), rd(), rs(),
		       pick(2) ? PICK(amt) : range(0, 63));
		break;
	default:
		printf("\t%s\tx%d, x%d, %d\n", PICK(shw), rd(), rs(),
		       pick(2) ? PICK(amtw) : range(0, 31));
	}
}

/* A base register and an offset for an access of w bytes: aligned,
 * misaligned, or straddling the page boundary past the base. */
static void address(int w, int *base, int *off)
{
	int edge = pick(2) ? 256 : 128;

	*base = edge == 256 ? 2 : 8;
	switch (pick(4)) {
	case 0:
		*off = edge - (w > 1 ? range(1, w - 1) : 0);
		break;
	case 1:
		*off = range(-2048, 2047 - 8);
		break;
	default:
		*off = range(-2048, 2047 - 8) & -w;
	}
}

static void mem(void)
{
	static const char *const ld[] = { "lb", "lbu", "lh", "lhu", "lw", "lwu", "ld" };
	static const char *const st[] = { "sb", "sh", "sw", "sd" };
	static const int ldw[] = { 1, 1, 2, 2, 4, 4, 8 };
	bool load = pick(2);
	unsigned i = load ? pick(7) : pick(4);
	int base, off, copy = 0, delta = range(-64, 64);

	address(load ? ldw[i] : 1 << i, &base, &off);
	/* Now and then through a copy of the base, which a load may then
	 * overwrite and a store store. */
	if (!pick(4) && off - delta >= -2048 && off - delta <= 2047) {
		copy = rd();
		printf("\taddi\tx%d, x%d, %d\n", copy, base, delta);
		base = copy;
		off -= delta;
	}
	if (load)
		printf("\t%s\tx%d, %d(x%d)\n", ld[i], copy && pick(2) ? copy : rd0(), off, base);
	else
		printf("\t%s\tx%d, %d(x%d)\n", st[i], copy && pick(2) ? copy : rs(), off, base);
}

/* Explicit compressed forms, their operands within what each encodes. */
static void compressed(void)
{
	static const int amt[] = { 1, 31, 32, 63 };
	static const char *const rr[] = { "sub", "xor", "or", "and", "addw", "subw" };
	int nz = range(1, 31) * (pick(2) ? 1 : -1);

	switch (pick(19)) {
	case 0: printf("\tc.addi\tx%d, %d\n", rd(), nz); break;
	case 1: printf("\tc.addiw\tx%d, %d\n", rd(), range(-32, 31)); break;
	case 2: printf("\tc.li\tx%d, %d\n", rd(), range(-32, 31)); break;
	case 3: printf("\tc.lui\tx%d, %d\n", rd(),
		       pick(2) ? range(1, 31) : range(0xfffe0, 0xfffff)); break;
	case 4: printf("\tc.slli\tx%d, %d\n", rd(), range(1, 63)); break;
	case 5: printf("\tc.%s\tx%d, %d\n", pick(2) ? "srli" : "srai", crd(),
		       pick(2) ? range(1, 63) : PICK(amt)); break;
	case 6: printf("\tc.andi\tx%d, %d\n", crd(), range(-32, 31)); break;
	case 7: printf("\tc.mv\tx%d, x%d\n", rd(), range(1, 31)); break;
	case 8: printf("\tc.add\tx%d, x%d\n", rd(), range(1, 31)); break;
	case 9: printf("\tc.%s\tx%d, x%d\n", PICK(rr), crd(), crs()); break;
	case 10: printf("\tc.lw\tx%d, %d(x8)\n", crd(), range(0, 31) * 4); break;
	case 11: printf("\tc.ld\tx%d, %d(x8)\n", crd(), range(0, 31) * 8); break;
	case 12: printf("\tc.sw\tx%d, %d(x8)\n", crs(), range(0, 31) * 4); break;
	case 13: printf("\tc.sd\tx%d, %d(x8)\n", crs(), range(0, 31) * 8); break;
	case 14: printf("\tc.lwsp\tx%d, %d(x2)\n", rd(), range(0, 63) * 4); break;
	case 15: printf("\tc.ldsp\tx%d, %d(x2)\n", rd(), range(0, 63) * 8); break;
	case 16: printf("\tc.swsp\tx%d, %d(x2)\n", rs(), range(0, 63) * 4); break;
	case 17: printf("\tc.sdsp\tx%d, %d(x2)\n", rs(), range(0, 63) * 8); break;
	default: printf("\tc.addi4spn\tx%d, x2, %d\n", crd(), range(1, 255) * 4);
	}
}

static void csr(void)
{
	static const char *const op[] = { "csrrw", "csrrs", "csrrc" };

	switch (pick(kind == KIND_SV39 ? 4 : 5)) {
	case 0: printf("\tcsrw\t%s, x%d\n", scratch, rs()); break;
	case 1: printf("\tcsrr\tx%d, %s\n", rd(), scratch); break;
	case 2: printf("\t%s\tx%d, %s, x%d\n", PICK(op), rd(), scratch, rs()); break;
	case 3: printf("\t%si\tx%d, %s, %d\n", PICK(op), rd(), scratch, range(0, 31)); break;
	default: printf("\tcsrr\tx%d, mhartid\n", rd());	/* M-mode only */
	}
}

/*
 * An access that faults: a load, store, LR or AMO of any width into the
 * page that faults (aligned for LR and AMOs), through a base register
 * loaded first.  The trap handler skips it.
 */
static void fault(void)
{
	static const char *const ld[] = { "lb", "lbu", "lh", "lhu", "lw", "lwu", "ld" };
	static const char *const st[] = { "sb", "sh", "sw", "sd" };
	static const char *const amo[] = { "amoswap", "amoadd", "amoxor", "amoand",
		"amoor", "amomin", "amomax", "amominu", "amomaxu" };
	int base = rd(), off = range(0, 4096 - 8), what = pick(4);
	const char *w = pick(2) ? "d" : "w";

	if (what >= 2)
		off &= -8;
	if (kind == KIND_SV39)
		printf("\tli\tx%d, " FAULT_PAGE " + %d\n", base, off);
	else
		printf("\tla\tx%d, guard + %d\n", base, off);
	switch (what) {
	case 0: printf("\t%s\tx%d, 0(x%d)\n", PICK(ld), rd0(), base); break;
	case 1: printf("\t%s\tx%d, 0(x%d)\n", PICK(st), rs(), base); break;
	case 2: printf("\tlr.%s\tx%d, (x%d)\n", w, rd0(), base); break;
	default: printf("#ifndef NO_AMO_FAULTS\n\t%s.%s\tx%d, x%d, (x%d)\n#endif\n",
			PICK(amo), w, rd0(), rs(), base);
	}
}

/* One instruction (or a li and one) that does not change control flow. */
static void op(void)
{
	unsigned k = pick(100);

	if (k < 22) alu_rr();
	else if (k < 40) alu_ri();
	else if (k < 52) muldiv();
	else if (k < 70) mem();
	else if (k < 88) compressed();
	else if (k < 92) printf("\t%s\tx%d, 0x%x\n", pick(2) ? "lui" : "auipc", rd0(),
				(unsigned)pick(1 << 20));
	else if (k < 96) li(rd(), value());
	else if (k < 97) csr();
	else if (k < 98) fault();
	else printf("\t%s\n", pick(2) ? "nop" : "c.nop");
}

/* A forward branch over n ops; c.beqz/c.bnez reach only 256 bytes. */
static void branch(int n)
{
	static const char *const cond[] = { "beq", "bne", "blt", "bge", "bltu", "bgeu" };
	unsigned l = label++;
	int a = rs(), b = pick(4) ? rs() : a;

	switch (pick(8)) {
	case 0: printf("\tc.beqz\tx%d, L%u\n", crs(), l); n = n > 2 ? 2 : n; break;
	case 1: printf("\tc.bnez\tx%d, L%u\n", crs(), l); n = n > 2 ? 2 : n; break;
	case 2: printf("\t%s\tL%u\n", pick(2) ? "c.j" : "j", l); n = n > 2 ? 2 : n; break;
	default: printf("\t%s\tx%d, x%d, L%u\n", PICK(cond), a, b, l);
	}
	while (n-- > 0)
		op();
	printf("L%u:\n", l);
}

/* An op, or a forward branch over a few ops. */
static void step(void)
{
	if (pick(8))
		op();
	else
		branch(range(1, 4));
}

/* A call to a leaf function, F<NFUNC> being the one patch() rewrites. */
static void call(void)
{
	int f = (int)pick(NFUNC + 1), t = rd();

	switch (pick(8)) {
	case 0: printf("\tjal\tx1, F%d\n", f); break;
	case 1: printf("\tcall\tF%d\n", f); break;		/* auipc + jalr */
	case 2: printf("\tla\tx%d, F%d\n\tc.jalr\tx%d\n", t, f, t); break;
	case 3: printf("\tla\tx%d, F%d\n\tjalr\tx1, 0(x%d)\n", t, f, t); break;
	case 4: printf("\tla\tx%d, F%d + 40\n\tjalr\tx1, -40(x%d)\n", t, f, t); break;
	case 5: printf("\tla\tx%d, F%d + 1\n\tjalr\tx1, 0(x%d)\n", t, f, t); break; /* bit 0 */
	case 6: printf("\tla\tx1, F%d\n\tjalr\tx1, 0(x1)\n", f); break;	/* rd = rs1 */
	default: printf("\tla\tx1, F%d\n\tc.jalr\tx1\n", f);
	}
}

/* In the last pass: rewrite the first instruction of F<NFUNC> with
 * another addi, and make the new code visible to instruction fetch.
 * (FENCE.I drops every translation, so a patch in every pass would keep
 * the code from growing hot.) */
static void patch(void)
{
	uint32_t insn = (uint32_t)(imm12() & 0xfff) << 20 | (uint32_t)rs() << 15 |
			(uint32_t)rd() << 7 | 0x13;
	unsigned l = label++;
	int t = rd(), u;

	do
		u = rd();
	while (u == t);
	printf("\tla\tx%d, passes\n\tld\tx%d, 0(x%d)\n\taddi\tx%d, x%d, -1\n\tbnez\tx%d, L%u\n",
	       u, t, u, t, t, t, l);
	li(t, insn);
	printf("\tla\tx%d, F%d\n\tsw\tx%d, 0(x%d)\n\tfence.i\nL%u:\n", u, NFUNC, t, u, l);
}

/*
 * A loop of 1..16 rounds whose body is random ops and calls: tested at
 * the bottom, or at the top with a jump back to the test (norvm's code
 * generator follows that jump and makes the loop one block).
 */
static void loop(void)
{
	unsigned l = label++, end = label++;
	int n = range(2, 10);
	bool top = pick(2);

	li(31, (uint64_t)range(1, 16));
	printf("L%u:\n", l);
	if (top)
		printf(pick(2) ? "\tbeqz\tx31, L%u\n" : "\tbge\tx0, x31, L%u\n", end);
	while (n-- > 0) {
		if (pick(10)) step();
		else call();
	}
	printf("\taddi\tx31, x31, -1\n");
	if (top)
		printf("\tj\tL%u\nL%u:\n", l, end);
	else
		printf(pick(2) ? "\tbnez\tx31, L%u\n" : "\tblt\tx0, x31, L%u\n", l);
}

static void prologue(void)
{
	printf("\t.option nopic\n\t.option rvc\n\t.section .text.init\n\t.globl _start\n_start:\n"
	       "\tla\tt0, trap\n\tcsrw\tmtvec, t0\n"
	       "\tla\tt0, passes\n\tli\tt1, %d\n\tsd\tt1, 0(t0)\n", PASSES);
	/*
	 * PMP: M kinds, entry 0 locks every access out of the guard page
	 * (NAPOT, 4 KiB), entry 1 opens everything else to every mode.
	 * Sv39: entry 0 opens everything; the root maps 0-1 GiB (devices)
	 * and 2-3 GiB (RAM) to themselves, 1-2 GiB through an empty table.
	 */
	if (kind == KIND_SV39)
		printf("\tli\tt0, -1\n\tcsrw\tpmpaddr0, t0\n\tli\tt0, 0x1f\n\tcsrw\tpmpcfg0, t0\n"
		       "\tla\tt0, root\n\tli\tt1, 0xcf\n\tsd\tt1, 0(t0)\n"
		       "\tla\tt1, l1\n\tsrli\tt1, t1, 12\n\tslli\tt1, t1, 10\n\tori\tt1, t1, 1\n"
		       "\tsd\tt1, 8(t0)\n\tli\tt1, (0x80000000 >> 2) | 0xcf\n\tsd\tt1, 16(t0)\n"
		       "\tsrli\tt0, t0, 12\n\tli\tt1, 8 << 60\n\tor\tt0, t0, t1\n"
		       "\tcsrw\tsatp, t0\n\tsfence.vma\n");
	else
		printf("\tla\tt0, guard\n\tsrli\tt0, t0, 2\n\tori\tt0, t0, 0x1ff\n"
		       "\tcsrw\tpmpaddr0, t0\n\tli\tt0, -1\n\tcsrw\tpmpaddr1, t0\n"
		       "\tli\tt0, 0x1f98\n\tcsrw\tpmpcfg0, t0\n");
	if (kind == KIND_MPRV)
		printf("\tli\tt0, (3 << 11) | (1 << 17)\n\tcsrs\tmstatus, t0\n");
	li(5, rnd());
	printf("\tcsrw\t%s, t0\n", scratch);
	/* The buffer: xorshift64 words from a seed-derived start. */
	li(7, rnd() | 1);
	printf("\tla\tt0, buf\n\tli\tt1, 2048\n"
	       "1:\tslli\tt3, t2, 13\n\txor\tt2, t2, t3\n"
	       "\tsrli\tt3, t2, 7\n\txor\tt2, t2, t3\n\tslli\tt3, t2, 17\n\txor\tt2, t2, t3\n"
	       "\tsd\tt2, 0(t0)\n\taddi\tt0, t0, 8\n\taddi\tt1, t1, -1\n\tbnez\tt1, 1b\n");
	for (int r = 1; r < 32; r++) {
		if (r == 2)
			printf("\tla\tsp, buf + %d\n", SP_OFF);
		else if (r == 8)
			printf("\tla\ts0, buf + %d\n", S0_OFF);
		else if (r >= 30)
			li(r, 0);
		else
			li(r, value());
	}
	/* S-mode: mret there, every register as set above but t0. */
	if (kind == KIND_SV39)
		printf("\tli\tt0, 3 << 11\n\tcsrc\tmstatus, t0\n\tli\tt0, 1 << 11\n"
		       "\tcsrs\tmstatus, t0\n\tla\tt0, stream\n\tcsrw\tmepc, t0\n"
		       "\tli\tt0, 0\n\tmret\n");
}

/* Save x1..x31, print them and a hash of the buffer, power off.
 * Characters are numbers: 'x' 120, 'm' 109, 'e' 101, '0' 48, ' ' 32. */
static void epilogue(void)
{
	printf("finish:\n\tcsrw\t%s, x31\n\tla\tx31, regs\n", scratch);
	for (int r = 1; r < 31; r++)
		printf("\tsd\tx%d, %d(x31)\n", r, r * 8);
	printf("\tcsrr\tx30, %s\n\tsd\tx30, 248(x31)\n", scratch);
	printf(
	       "\tla\ts2, regs\n\tli\ts3, 0x10000000\n\tli\ts1, 0\n\tli\ts4, 10\n"
	       "1:\tli\tt0, 120\n\tsb\tt0, 0(s3)\n"
	       "\tblt\ts1, s4, 2f\n\tdivu\tt0, s1, s4\n\taddi\tt0, t0, 48\n\tsb\tt0, 0(s3)\n"
	       "2:\tremu\tt0, s1, s4\n\taddi\tt0, t0, 48\n\tsb\tt0, 0(s3)\n"
	       "\tld\ta0, 0(s2)\n\tcall\tputhex\n"
	       "\taddi\ts2, s2, 8\n\taddi\ts1, s1, 1\n\tli\tt0, 32\n\tblt\ts1, t0, 1b\n"
	       /* FNV-1a over the buffer's 64-bit words */
	       "\tli\ta0, 0xcbf29ce484222325\n\tli\ta1, 0x100000001b3\n"
	       "\tla\tt1, buf\n\tli\tt2, 2048\n"
	       "3:\tld\tt0, 0(t1)\n\txor\ta0, a0, t0\n\tmul\ta0, a0, a1\n"
	       "\taddi\tt1, t1, 8\n\taddi\tt2, t2, -1\n\tbnez\tt2, 3b\n"
	       "\tli\tt0, 109\n\tsb\tt0, 0(s3)\n\tli\tt0, 101\n\tsb\tt0, 0(s3)\n"
	       "\tli\tt0, 109\n\tsb\tt0, 0(s3)\n\tcall\tputhex\n"
	       "\tli\tt0, 0x100000\n\tli\tt1, 0x5555\n\tsw\tt1, 0(t0)\n4:\tj\t4b\n\n"
	       /* " 0x" a0 in hex "\n" on the UART at s3 */
	       "puthex:\n\tli\tt0, 32\n\tsb\tt0, 0(s3)\n\tli\tt0, 48\n\tsb\tt0, 0(s3)\n"
	       "\tli\tt0, 120\n\tsb\tt0, 0(s3)\n\tli\tt1, 60\n"
	       "1:\tsrl\tt0, a0, t1\n\tandi\tt0, t0, 15\n\tli\tt2, 10\n\tblt\tt0, t2, 2f\n"
	       "\taddi\tt0, t0, 39\n2:\taddi\tt0, t0, 48\n\tsb\tt0, 0(s3)\n"
	       "\taddi\tt1, t1, -4\n\tbgez\tt1, 1b\n\tli\tt0, 10\n\tsb\tt0, 0(s3)\n\tret\n\n");
	/* A trap: fold mcause and mtval into t5, skip the instruction.  Only
	 * t4 is free here (saved in the scratch CSR the stream does not use):
	 * the length is found by a branch, not an add (Sv39 maps the code
	 * to itself, so mepc is where it is). */
	printf("\t.balign 4\ntrap:\n\tcsrw\t%s, t4\n", trap_scratch);
	printf(
	       "\tcsrr\tt4, mcause\n\tadd\tt5, t5, t4\n\tslli\tt4, t5, 13\n\txor\tt5, t5, t4\n"
	       "\tcsrr\tt4, mtval\n\tadd\tt5, t5, t4\n\tsrli\tt4, t5, 7\n\txor\tt5, t5, t4\n"
	       "\tcsrr\tt4, mepc\n\tlhu\tt4, 0(t4)\n\tandi\tt4, t4, 3\n\taddi\tt4, t4, -3\n"
	       "\tbeqz\tt4, 1f\n\tcsrr\tt4, mepc\n\taddi\tt4, t4, 2\n\tj\t2f\n"
	       "1:\tcsrr\tt4, mepc\n\taddi\tt4, t4, 4\n2:\tcsrw\tmepc, t4\n");
	printf("\tcsrr\tt4, %s\n\tmret\n\n", trap_scratch);
}

/* The leaf functions calls go to: a few ops and a return. */
static void functions(void)
{
	static const char *const ret[] = { "ret", "c.jr\tx1",	/* and one not compressed */
		".option push\n\t.option norvc\n\tjalr\tx0, 0(x1)\n\t.option pop" };

	for (int f = 0; f < NFUNC; f++) {
		printf("F%d:\n", f);
		for (int i = range(1, 8); i > 0; i--)
			step();
		printf("\t%s\n", PICK(ret));
	}
	printf("F%d:\n\t.option push\n\t.option norvc\n\taddi\tx10, x10, 1\n"
	       "\t.option pop\n\tret\n", NFUNC);
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? strtol(argv[2], NULL, 0) : 3000;

	if (argc < 2 || argc > 3 || n < 1) {
		fprintf(stderr, "usage: rvgen SEED [N]\n");
		return 2;
	}
	state = strtoull(argv[1], NULL, 0);
	kind = state % 3;
	scratch = kind == KIND_SV39 ? "sscratch" : "mscratch";
	trap_scratch = kind == KIND_SV39 ? "mscratch" : "sscratch";
	printf("/* rvgen %s %ld */\n", argv[1], n);
	prologue();
	printf("stream:\n");
	for (long i = 0; i < n; i++) {
		unsigned k = pick(100);

		if (k < 87) step();
		else if (k < 93) call();
		else if (k < 94) patch();
		else loop();
	}
	/* Again, PASSES times in all, registers and memory carried over. */
	printf("\tla\tx29, passes\n\tld\tx28, 0(x29)\n\taddi\tx28, x28, -1\n"
	       "\tsd\tx28, 0(x29)\n\tbeqz\tx28, finish\n\tla\tx29, stream\n\tjr\tx29\n");
	epilogue();
	functions();
	printf("\n\t.bss\n\t.balign 4096\nbuf:\t.space 16384\n"
	       "guard:\t.space 4096\nroot:\t.space 4096\nl1:\t.space 4096\n"
	       "regs:\t.space 256\npasses:\t.space 8\n");
	return 0;
}
