/*
 * norvm's command line as --help shows it: the run command's options in
 * one table, from which getopt's table and the option list of --help
 * (and so the man page) are made.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "vm.h"

static const char usage_head[] =
"usage: norvm run [options]            boot a guest (KVM or the built-in RV64 CPU)\n"
"       norvm flash create FILE --size SIZE | --part NAME | --from TEMPLATE\n"
"                                       write an erased flash image, or one\n"
"                                       that starts with TEMPLATE (default\n"
"                                       size then 32M: EDK2's variable store)\n"
"       norvm flash pack FILE --firmware FW [--kernel K] [--size SIZE]\n"
"                                       write a bootable flash image: stage-0\n"
"                                       copies FW and K to RAM and enters FW\n"
"       norvm flash pack FILE --kernel K [--size SIZE]\n"
"                                       the same for an S-mode payload (KVM)\n"
"       norvm flash info FILE [--part NAME] [--json]\n"
"                                       describe an image: its erase blocks,\n"
"                                       which are used, and a bootable image's\n"
"                                       payloads with their CRC-32s\n"
"       norvm flash parts                list the flash parts --flash can be\n"
"       norvm --help | --version\n"
"\n";

static const char usage_tail[] =
"\n"
"console: on a terminal, Ctrl-A x quits; piped input is typed into the UART\n"
"as the guest becomes ready for it.\n";


/*
 * The run command's options, in the order --help lists them: getopt's
 * table and --help (and so the man page, help2man's reading of it) are
 * made from this one list.
 */
struct run_option {
	const char *name;	/* the long option */
	int has_arg;		/* getopt's */
	int id;			/* the short option's letter, or OPT_* */
	const char *synopsis;	/* as --help shows it; NULL: not shown */
	const char *help;	/* lines of --help, '\n' between them */
};

#define STR_(x)	#x
#define STR(x)	STR_(x)

static const struct run_option run_table[] = {
	{ "machine", required_argument, 'M', "-M, --machine NAME",
	  "the board: riscv-virt (default; QEMU riscv virt's map,\n"
	  "KVM on riscv64 or the built-in CPU) or arm64-virt\n"
	  "(QEMU arm virt's map; KVM on arm64 hosts)" },
	{ "accel", required_argument, OPT_ACCEL, "--accel kvm|soft|auto",
	  "kvm: Linux KVM (riscv64 host with the H extension),\n"
	  "the payload starts in S-mode; soft: the built-in CPU,\n"
	  "starting M-mode firmware; auto (default): kvm when\n"
	  "/dev/kvm works and no --firmware is given, else soft" },
	{ "jit", required_argument, OPT_JIT, "--jit off|on[,buffer=SIZE][,threshold=N]",
	  "the built-in CPU: translate guest code to host code\n"
	  "(x86-64 hosts; default on there) or interpret it.\n"
	  "buffer: host code kept per hart, 256K to 1G (default\n"
	  "16M; when full it is emptied and filling starts over);\n"
	  "threshold: runs of a block before it is translated,\n"
	  "1 to 65536 (default 32). NORVM_JIT in the environment\n"
	  "takes the same values and sets the default" },
	{ "firmware", required_argument, OPT_FIRMWARE, "--firmware FILE",
	  "M-mode firmware (ELF, or raw binary loaded at 0x80000000)" },
	{ "kernel", required_argument, OPT_KERNEL, "--kernel FILE",
	  "next stage, or under KVM the S-mode payload (ELF, or\n"
	  "raw binary at 0x80200000)" },
	{ "initrd", required_argument, OPT_INITRD, "--initrd FILE",
	  "initial ramdisk (placed in the middle of RAM)" },
	{ "append", required_argument, OPT_APPEND, "--append STR",
	  "kernel command line (/chosen/bootargs)" },
	{ "memory", required_argument, 'm', "-m, --memory SIZE",
	  "guest RAM, e.g. 512M or 2G (default 256M; bare number = MiB)" },
	{ "cpus", required_argument, 'c', "-c, --cpus N",
	  "number of harts, 1 to " STR(VM_MAX_HARTS) " (default 1)" },
	{ "flash", required_argument, OPT_FLASH, "--flash FILE[,OPTION]...",
	  "a CFI flash bank backed by FILE (repeat for bank 1);\n"
	  "with one image, bank 1 is a volatile erased bank.\n"
	  "readonly: never written; sync: flushed to disk on\n"
	  "every completed program or erase; map=off: this bank\n"
	  "is never mapped (as --flash-map=off for one bank);\n"
	  "part=NAME: a real part (norvm flash parts; default\n"
	  "virt: 2 x16 Intel devices, 256 KiB blocks);\n"
	  "timing=real|instant: operations take the part's\n"
	  "typical time in guest time (default instant);\n"
	  "cmdset=intel|amd, width=x8|x16|x32, interleave=N,\n"
	  "regions=COUNTxSIZE+..., buffer=BYTES, mfr=ID,\n"
	  "id=ID[/ID/ID]: describe the devices, or change a part\n"
	  "powercut=N: the power fails during the bank's N-th\n"
	  "program or erase (from 1; --stats counts them): it is\n"
	  "left partial and norvm exits with status 99;\n"
	  "fail=N: the N-th reports a program or erase failure;\n"
	  "seed=S: the partial states' seed (default 1)" },
	{ "clock", required_argument, OPT_CLOCK, "--clock host|virtual",
	  "guest time: the host's, or virtual, advancing with the\n"
	  "instructions retired (10 million a guest second; WFI\n"
	  "skips to the next timer), the same from run to run on\n"
	  "one hart (built-in CPU; default: virtual when a bank has\n"
	  "timing=real, else host)" },
	{ "flash-map", required_argument, OPT_FLASH_MAP, "--flash-map=on|off",
	  "map the flash array into the guest while in read-array\n"
	  "mode (default on); off traps every access" },
	{ "gdb", required_argument, OPT_GDB, "--gdb tcp::PORT|tcp:HOST:PORT|unix:PATH",
	  "serve GDB's remote protocol there (TCP on loopback\n"
	  "unless HOST is given); one client at a time" },
	{ "gdb-wait", no_argument, OPT_GDB_WAIT, "--gdb-wait",
	  "with --gdb: harts wait at reset until GDB continues" },
	{ "uefi", required_argument, OPT_UEFI, "--uefi VARS",
	  "boot UEFI from flash bank 0, executing in place, its\n"
	  "variables in bank 1 from the file VARS (made from the\n"
	  "firmware's template if it is absent). riscv-virt: EDK2,\n"
	  "carried in firmware/ (the built-in CPU enters it through\n"
	  "OpenSBI in S-mode); arm64-virt: Debian's AAVMF" },
	{ "uefi-code", required_argument, OPT_UEFI_CODE, "--uefi-code FILE",
	  "with --uefi: another build of the code (bank 0)" },
	{ "drive", required_argument, OPT_DRIVE, "--drive FILE[,readonly]",
	  "a virtio-blk disk on a raw image (up to " STR(VM_MAX_DRIVES) ")" },
	{ "boot", required_argument, OPT_BOOT, "--boot ram|flash",
	  "start the firmware (KVM: the payload) in RAM (default)\n"
	  "or execute in place from flash bank 0 (riscv-virt: an\n"
	  "image norvm flash pack wrote; arm64-virt: firmware\n"
	  "built for QEMU's arm virt, from its first byte)" },
	{ "dump-dtb", required_argument, OPT_DUMP_DTB, "--dump-dtb FILE",
	  "write the guest's device tree to FILE and exit" },
	{ "stats", no_argument, OPT_STATS, "--stats",
	  "print exit statistics when the guest stops" },
	{ "stats-json", required_argument, OPT_STATS_JSON, "--stats-json FILE",
	  "write the same statistics as JSON, with a timeline:\n"
	  "each device's exits in every interval of wall time" },
	{ "stats-interval", required_argument, OPT_STATS_INTERVAL, "--stats-interval MS",
	  "the timeline's interval, 1 to 60000 ms (default 10)" },
	{ "trace", required_argument, OPT_TRACE, "--trace LIST",
	  "one line on stderr per event of each kind in LIST\n"
	  "(comma-separated): mmio (every device access), flash\n"
	  "(every flash write cycle and the mode it leaves), map\n"
	  "(a flash array mapped or unmapped), or all.\n"
	  "NORVM_TRACE in the environment takes the same list" },
	{ "help", no_argument, OPT_HELP, NULL, NULL },
};

#define RUN_OPTIONS	(sizeof(run_table) / sizeof(run_table[0]))
#define HELP_COLUMN	22	/* where the help text starts */

void print_usage(FILE *f)
{
	fputs(usage_head, f);
	fputs("run options:\n", f);
	for (const struct run_option *o = run_table; o < run_table + RUN_OPTIONS; o++) {
		const char *h = o->help, *nl;
		int n;

		if (!o->synopsis)
			continue;
		n = fprintf(f, "  %s", o->synopsis);
		if (n >= HELP_COLUMN) {
			fputc('\n', f);
			n = 0;
		}
		for (;;) {
			nl = strchrnul(h, '\n');
			fprintf(f, "%*s%.*s\n", HELP_COLUMN - n, "", (int)(nl - h), h);
			n = 0;
			if (!*nl)
				break;
			h = nl + 1;
		}
	}
	fputs(usage_tail, f);
}

/* getopt_long's table, from run_table. */
const struct option *run_getopt(void)
{
	static struct option opts[RUN_OPTIONS + 1];

	for (unsigned i = 0; i < RUN_OPTIONS; i++)
		opts[i] = (struct option){ run_table[i].name, run_table[i].has_arg,
					   NULL, run_table[i].id };
	return opts;
}
