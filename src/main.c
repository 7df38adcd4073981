/* norvm's command line: `norvm run ...`, `norvm flash create|pack|info ...`. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board.h"
#include "console.h"
#include "files.h"
#include "firmware.h"
#include "flash_info.h"
#include "loader.h"
#include "gdbserver.h"
#include "hw/cfi_flash.h"
#include "machine.h"
#include "options.h"
#include "pack.h"
#include "stats.h"
#include "trace.h"
#include "util.h"

#define NORVM_VERSION "0.1.0"

static int die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "norvm: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see norvm --help)\n");
	return 2;
}

/* A number (decimal, or hex after 0x) from `min` to `max`. */
static int parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;

	if (parse_u64(s, &v) || v < min || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/*
 * Fault injection's options: powercut=N, fail=N (N from 1) and seed=S
 * (any 64-bit number, the partial states' seed).
 */
static int parse_injection(struct flash_config *f, const char *opt)
{
	const char *eq = strchr(opt, '=') + 1;
	bool seed = !strncmp(opt, "seed=", 5);
	uint64_t v;

	if (parse_u64(eq, &v) || (!seed && !v))
		return die_usage(seed ? "--flash: %s: the seed is a number (e.g. seed=7)" :
				 "--flash: %s: operations count from 1 (e.g. powercut=3)",
				 opt);
	if (seed)
		f->seed = v;
	else
		*(!strncmp(opt, "fail=", 5) ? &f->fail : &f->powercut) = v;
	return 0;
}

/*
 * --jit off | on[,buffer=SIZE][,threshold=N], or the same in NORVM_JIT:
 * `what` is "--jit" or "NORVM_JIT", which errors name.
 */
static int parse_jit(const char *what, char *arg, struct vm_config *c)
{
	char *rest = arg, *mode = strsep(&rest, ",");
	const char *sep = what[0] == '-' ? " " : "=";	/* "--jit X", "NORVM_JIT=X" */

	if (strcmp(mode, "on") && strcmp(mode, "off"))
		return die_usage("%s%s%s: must be off, or on with options", what, sep, mode);
	c->jit = !strcmp(mode, "on");
	c->jit_buffer = 0;
	c->jit_threshold = 0;
	if (rest && !c->jit)
		return die_usage("%s%soff,%s: options go with on", what, sep, rest);
	while (rest) {
		char *opt = strsep(&rest, ",");
		const char *bad = NULL;

		if (!strncmp(opt, "buffer=", 7)) {
			if (parse_size(opt + 7, 1, &c->jit_buffer) ||
			    c->jit_buffer < (256u << 10) || c->jit_buffer > (1u << 30))
				bad = "the buffer must be from 256K to 1G";
		} else if (!strncmp(opt, "threshold=", 10)) {
			if (parse_unsigned(opt + 10, 1, 65536, &c->jit_threshold))
				bad = "the threshold must be from 1 to 65536";
		} else {
			return die_usage("%s: unknown option '%s' (buffer=, threshold=)",
					 what, opt);
		}
		if (bad)
			return die_usage("%s%s%s: %s", what, sep, opt, bad);
	}
	return 0;
}

/* One --flash option other than part=; 0 or 2 (the message printed). */
static int flash_option(struct flash_config *f, char *opt)
{
	char *eq = strchr(opt, '='), err[256];

	if (!strcmp(opt, "readonly")) {
		f->readonly = true;
	} else if (!strcmp(opt, "sync")) {
		f->sync = true;
	} else if (!*opt) {
		return die_usage("--flash %s: an empty option after a comma", f->path);
	} else if (!strncmp(opt, "map=", 4)) {
		if (strcmp(opt + 4, "on") && strcmp(opt + 4, "off"))
			return die_usage("--flash: %s: map is on or off", opt);
		f->trap = !strcmp(opt + 4, "off");
	} else if (!strncmp(opt, "timing=", 7)) {
		if (strcmp(opt + 7, "real") && strcmp(opt + 7, "instant"))
			return die_usage("--flash: %s: timing is real or instant", opt);
		f->timing = !strcmp(opt + 7, "real");
	} else if (!strncmp(opt, "powercut=", 9) || !strncmp(opt, "fail=", 5) ||
		   !strncmp(opt, "seed=", 5)) {
		return parse_injection(f, opt);
	} else {
		int ret = -ENOENT;

		if (eq) {
			*eq = 0;
			ret = cfi_part_option(&f->part, opt, eq + 1, err, sizeof(err));
			*eq = '=';
		}
		if (ret == -ENOENT) {
			cfi_part_option_names(err, sizeof(err));
			return die_usage("--flash: unknown option '%s' (readonly, sync, timing=, "
					 "map=, %s, powercut=, fail=, seed=)", opt, err);
		}
		if (ret)
			return die_usage("--flash: %s", err);
	}
	return 0;
}

/*
 * FILE[,OPTION]...: FILE is everything up to the first comma.  part= (or
 * chip=) is applied first, whatever its place, so the other options
 * change the part it names; it may be given once.  Every option is
 * applied or refused: there is no limit to how many.
 */
static int parse_flash(char *arg, struct vm_config *c)
{
	struct flash_config *f;
	char *rest = arg, *opt, *part = NULL, err[256];
	unsigned n = 0;

	if (c->nflash == VM_MAX_FLASH)
		return die_usage("--flash %s: at most two flash banks", arg);
	f = &c->flash[c->nflash];
	f->part = *cfi_part_default();
	f->seed = 1;
	f->path = strsep(&rest, ",");
	if (!*f->path)
		return die_usage("--flash: no image file given (--flash FILE[,OPTION]...)");
	/* Split the options in place: rest ... end holds n of them, NUL-ended. */
	for (char *p = rest; p; n++)
		strsep(&p, ",");
	opt = rest;
	for (unsigned i = 0; i < n; i++, opt += strlen(opt) + 1)
		if (!strncmp(opt, "part=", 5) || !strncmp(opt, "chip=", 5)) {
			if (part)
				return die_usage("--flash %s: %s and %s: one part per bank",
						 f->path, part, opt);
			part = opt;
		}
	if (part) {
		part[4] = 0;
		if (cfi_part_option(&f->part, part, part + 5, err, sizeof(err)))
			return die_usage("--flash: %s", err);
		part[4] = '=';
	}
	opt = rest;
	for (unsigned i = 0; i < n; i++, opt += strlen(opt) + 1)
		if (opt != part && flash_option(f, opt))
			return 2;
	if (cfi_part_check(&f->part, err, sizeof(err)))
		return die_usage("--flash: %s", err);
	c->nflash++;
	return 0;
}

/* --drive FILE[,readonly] */
static int parse_drive(char *arg, struct vm_config *c)
{
	char *rest = arg, *opt;
	struct drive_config *d;

	if (c->ndrives == VM_MAX_DRIVES)
		return die_usage("--drive %s: at most %d disks", arg, VM_MAX_DRIVES);
	d = &c->drive[c->ndrives];
	d->path = strsep(&rest, ",");
	if (!*d->path)
		return die_usage("--drive: no image file given (--drive FILE[,readonly])");
	while ((opt = strsep(&rest, ","))) {
		if (strcmp(opt, "readonly"))
			return die_usage("--drive %s: unknown option '%s' (readonly)", d->path,
					 opt);
		d->readonly = true;
	}
	c->ndrives++;
	return 0;
}

static int parse_run(int argc, char **argv, struct vm_config *c)
{
	const struct option *options = run_getopt();
	int opt, clock = -1;
	const char *trace_list = NULL;

	memset(c, 0, sizeof(*c));
	c->ram_size = UINT64_C(256) << 20;
	c->nharts = 1;
	c->flash_map = true;
	c->accel = "auto";
	c->jit = -1;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":m:c:M:", options, NULL)) != -1) {
		switch (opt) {
		case 'M':
			if (!board_find(optarg))
				return die_usage("--machine %s: no such board (%s)", optarg,
						 board_names);
			c->machine = optarg;
			break;
		case OPT_FIRMWARE: c->firmware = optarg; break;
		case OPT_KERNEL: c->kernel = optarg; break;
		case OPT_INITRD: c->initrd = optarg; break;
		case OPT_APPEND: c->append = optarg; break;
		case OPT_DUMP_DTB: c->dump_dtb = optarg; break;
		case OPT_TRACE: trace_list = optarg; break;
		case OPT_STATS: c->stats = true; break;
		case OPT_STATS_JSON: c->stats_json = optarg; break;
		case OPT_STATS_INTERVAL:
			if (parse_unsigned(optarg, 1, STATS_INTERVAL_MS_MAX, &c->stats_interval_ms))
				return die_usage("--stats-interval %s: must be a number of "
						 "milliseconds from 1 to 60000", optarg);
			break;
		case 'm':
			if (parse_size(optarg, UINT64_C(1) << 20, &c->ram_size))
				return die_usage("-m %s: not a size (e.g. 256M, 2G)", optarg);
			break;
		case 'c':
			if (parse_unsigned(optarg, 1, VM_MAX_HARTS, &c->nharts))
				return die_usage("--cpus %s: must be a number from 1 to %d", optarg,
						 VM_MAX_HARTS);
			break;
		case OPT_FLASH:
			if (parse_flash(optarg, c))
				return 2;
			break;
		case OPT_FLASH_MAP:
			if (strcmp(optarg, "on") && strcmp(optarg, "off"))
				return die_usage("--flash-map=%s: must be on or off", optarg);
			c->flash_map = !strcmp(optarg, "on");
			break;
		case OPT_GDB: c->gdb = optarg; break;
		case OPT_GDB_WAIT: c->gdb_wait = true; break;
		case OPT_BOOT:
			if (strcmp(optarg, "ram") && strcmp(optarg, "flash"))
				return die_usage("--boot %s: must be ram or flash", optarg);
			c->boot_flash = !strcmp(optarg, "flash");
			break;
		case OPT_ACCEL:
			if (!accel_known(optarg))
				return die_usage("--accel %s: must be %s", optarg,
						 accel_choices());
			c->accel = optarg;
			break;
		case OPT_JIT:
			if (parse_jit("--jit", optarg, c))
				return 2;
			break;
		case OPT_UEFI: c->uefi_vars = optarg; break;
		case OPT_UEFI_CODE: c->uefi_code = optarg; break;
		case OPT_DRIVE:
			if (parse_drive(optarg, c))
				return 2;
			break;
		case OPT_CLOCK:
			if (strcmp(optarg, "host") && strcmp(optarg, "virtual"))
				return die_usage("--clock %s: must be host or virtual", optarg);
			clock = !strcmp(optarg, "virtual");
			break;
		case OPT_HELP:
			print_usage(stdout);
			exit(0);
		case ':':
			return die_usage("%s needs an argument", argv[optind - 1]);
		default:
			return die_usage("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return die_usage("unexpected argument '%s'", argv[optind]);
	if (c->jit >= 0 && !strcmp(c->accel, "kvm"))
		return die_usage("--jit is for the built-in CPU; KVM runs the guest");
	if (clock == 1 && !strcmp(c->accel, "kvm"))
		return die_usage("--clock virtual is the built-in CPU's; KVM runs on host time");
	if (!trace_list)
		trace_list = getenv("NORVM_TRACE");
	if (trace_list) {
		char why[256];

		if (trace_parse(trace_list, why, sizeof(why)))
			return die_usage("%s", why);
	}
	/* The environment's default, for running whole test suites one way. */
	if (c->jit < 0 && getenv("NORVM_JIT")) {
		char *env = strdup(getenv("NORVM_JIT"));
		int ret = env ? parse_jit("NORVM_JIT", env, c) :
				die_usage("NORVM_JIT: out of memory");

		free(env);
		if (ret)
			return 2;
	}
	if (c->stats_interval_ms && !c->stats_json)
		return die_usage("--stats-interval needs --stats-json");
	if (c->uefi_code && !c->uefi_vars)
		return die_usage("--uefi-code needs --uefi VARS");
	if (c->uefi_vars && c->nflash)
		return die_usage("--uefi puts UEFI's code in flash bank 0 and its variables "
				 "in bank 1: drop --flash");
	if (c->uefi_vars && c->kernel)
		return die_usage("--uefi starts the firmware from flash; boot a kernel "
				 "through UEFI from a --drive, not with --kernel");
	if (c->uefi_vars && !*c->uefi_vars)
		return die_usage("--uefi: no variable store file given (--uefi VARS)");
	/*
	 * Unless told, a bank that takes its part's real times runs on the
	 * virtual clock wherever the built-in CPU surely runs the guest: a
	 * firmware's timeouts then never expire because the host was busy.
	 */
	if (clock < 0) {
		bool timing = false;

		for (unsigned i = 0; i < c->nflash; i++)
			timing |= c->flash[i].timing;
		clock = timing && (!strcmp(c->accel, "soft") ||
				   (!strcmp(c->accel, "auto") && c->firmware));
	}
	c->clock_virtual = clock;
	if (!c->stats_interval_ms)
		c->stats_interval_ms = STATS_INTERVAL_MS_DEFAULT;
	return 0;
}


/*
 * --uefi VARS: the board's UEFI code, read-only, as bank 0 (executed in
 * place) and the variable store as bank 1, made from the template if it
 * is absent.
 */
static int setup_uefi(struct vm_config *c, char *err, size_t errlen)
{
	const struct board *b = c->machine ? board_find(c->machine) : board_default();
	static char code[PATH_MAX];
	int ret;

	if (!c->uefi_code) {
		ret = firmware_find(b->uefi_code, b->uefi_package, code, sizeof(code),
				    err, errlen);
		if (ret)
			return ret;
		c->uefi_code = code;
	}
	ret = uefi_vars_prepare(c->uefi_vars, b, err, errlen);
	if (ret)
		return ret;
	for (unsigned i = 0; i < 2; i++)
		c->flash[i] = (struct flash_config){
			.option = i ? "--uefi" : "--uefi-code",
			.path = i ? c->uefi_vars : c->uefi_code, .readonly = !i, .seed = 1,
			.part = *cfi_part_default(),
		};
	c->nflash = 2;
	c->boot_flash = true;
	return 0;
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int cmd_run(int argc, char **argv)
{
	struct vm_config cfg;
	struct vm vm;
	struct gdb_server *gdb = NULL;
	struct stats_timeline *timeline = NULL;
	struct timespec t0;
	char err[512];
	int ret, status;

	ret = parse_run(argc, argv, &cfg);
	if (ret)
		return ret;
	/* Before any thread starts: the GDB server, the timeline, the harts. */
	console_block_signals();
	if (cfg.uefi_vars && setup_uefi(&cfg, err, sizeof(err))) {
		fprintf(stderr, "norvm: %s\n", err);
		return 1;
	}
	if (machine_create(&vm, &cfg, err, sizeof(err))) {
		fprintf(stderr, "norvm: %s\n", err);
		machine_destroy(&vm);
		return 1;
	}
	if (cfg.dump_dtb) {
		ret = machine_dump_dtb(&vm, cfg.dump_dtb, err, sizeof(err));
		if (ret)
			fprintf(stderr, "norvm: %s\n", err);
		machine_destroy(&vm);
		return ret ? 1 : 0;
	}
	/* Found now, not after the whole run. */
	if (cfg.stats_json && output_check(cfg.stats_json, "--stats-json", err, sizeof(err))) {
		fprintf(stderr, "norvm: %s\n", err);
		machine_destroy(&vm);
		return 1;
	}
	if (cfg.gdb_wait && !cfg.gdb) {
		machine_destroy(&vm);
		return die_usage("--gdb-wait needs --gdb");
	}
	if (cfg.gdb) {
		gdb = gdb_server_start(&vm, cfg.gdb, cfg.gdb_wait, err, sizeof(err));
		if (!gdb) {
			fprintf(stderr, "norvm: %s\n", err);
			machine_destroy(&vm);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (cfg.stats_json) {
		timeline = stats_timeline_start(&vm.bus, cfg.stats_interval_ms, &t0,
						err, sizeof(err));
		if (!timeline) {
			fprintf(stderr, "norvm: %s\n", err);
			gdb_server_stop(gdb);
			machine_destroy(&vm);
			return 1;
		}
	}
	status = machine_run(&vm);
	gdb_server_stop(gdb);
	if (timeline)
		stats_timeline_stop(timeline);	/* every hart has stopped: the sums are exact */
	if (cfg.stats)
		stats_print(&vm, stderr, elapsed(&t0));
	if (cfg.stats_json && stats_write_json(&vm, timeline, cfg.stats_json, elapsed(&t0),
					       err, sizeof(err))) {
		fprintf(stderr, "norvm: %s\n", err);
		status = status ? status : 1;
	}
	stats_timeline_free(timeline);
	machine_destroy(&vm);
	return status;
}

/* norvm flash info FILE [--part NAME] [--json] */
static int cmd_flash_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "part", required_argument, NULL, 'p' },
		{ "chip", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cfi_part *part = cfi_part_default();
	bool json = false;
	char err[512];
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			part = cfi_part_find(optarg);
			if (!part)
				return die_usage("flash info: --part %s: unknown part (norvm "
						 "flash parts lists them)", optarg);
			break;
		case 'j':
			json = true;
			break;
		case ':':
			return die_usage("%s needs an argument", argv[optind - 1]);
		default:
			return die_usage("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind == argc)
		return die_usage("flash info: expected an image FILE");
	if (optind + 1 < argc)
		return die_usage("flash info: unexpected argument '%s'", argv[optind + 1]);
	if (flash_info(argv[optind], part, json, stdout, err, sizeof(err))) {
		fflush(stdout);
		fprintf(stderr, "norvm: %s\n", err);
		return 1;
	}
	return 0;
}

/* flash create: erased, or a template (--from) padded with 0xFF. */
static int create_image(const char *out, uint64_t size, const char *from, char *err,
			size_t errlen)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret;

	if (from) {
		ret = read_file(from, "--from", &buf, &len, CFI_MAX_BANK, err, errlen);
		if (ret)
			return ret;
	}
	ret = cfi_flash_create_image(out, size, buf, len, err, errlen);
	free(buf);
	return ret;
}

/* norvm flash create|pack FILE [options] */
static int cmd_flash(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "firmware", required_argument, NULL, 'f' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "part", required_argument, NULL, 'p' },
		{ "chip", required_argument, NULL, 'p' },
		{ "from", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	int idx;
	struct pack_config pc = { .size = 32ull << 20 };
	const char *from = NULL;
	const struct cfi_part *part = NULL;
	bool pack, have_size = false;
	char err[512];
	int opt, ret;

	if (argc == 2 && (!strcmp(argv[1], "parts") || !strcmp(argv[1], "chips"))) {
		cfi_part_list(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "info"))
		return cmd_flash_info(argc - 1, argv + 1);
	if (argc < 2 || (strcmp(argv[1], "create") && strcmp(argv[1], "pack")))
		return die_usage("flash: expected 'create', 'pack', 'info' or 'parts'");
	pack = !strcmp(argv[1], "pack");
	argc--;
	argv++;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", opts, &idx)) != -1) {
		switch (opt) {
		case 's':
			if (parse_size(optarg, 1, &pc.size))
				return die_usage("--size %s: not a size (e.g. 32M)", optarg);
			have_size = true;
			break;
		case 'f':
		case 'k':
			if (!pack)
				return die_usage("flash create: --%s is for flash pack",
						 opts[idx].name);
			*(opt == 'f' ? &pc.firmware : &pc.kernel) = optarg;
			break;
		case 'F':
			if (pack)
				return die_usage("flash pack: --from is for flash create");
			from = optarg;
			break;
		case 'p':
			if (pack)
				return die_usage("flash pack: --%s is for flash create",
						 opts[idx].name);
			part = cfi_part_find(optarg);
			if (!part)
				return die_usage("flash create: --part %s: unknown part (norvm "
						 "flash parts lists them)", optarg);
			break;
		case ':':
			return die_usage("%s needs an argument", argv[optind - 1]);
		default:
			return die_usage("unknown option %s", argv[optind - 1]);
		}
	}
	if (part && cfi_part_size(part)) {
		if (have_size && pc.size != cfi_part_size(part))
			return die_usage("flash create: --size disagrees with --part %s, "
					 "whose size is fixed: drop --size", part->name);
		pc.size = cfi_part_size(part);
		have_size = true;
	}
	if (optind != argc - 1)
		return die_usage("flash %s: expected exactly one image FILE", argv[0]);
	pc.out = argv[optind];
	if (!pack && !have_size && from && !part)
		have_size = true;	/* a template: a whole 32 MiB bank, as QEMU's */
	if (!pack && !have_size && part)
		return die_usage("flash create %s: --part %s has no fixed size (its image "
				 "decides): give --size too", pc.out, part->name);
	if (!pack && !have_size)
		return die_usage("flash create %s: --size or --part is required", pc.out);
	if (pack && !pc.firmware && !pc.kernel)
		return die_usage("flash pack %s: --firmware is required (or --kernel "
				 "alone for an S-mode payload)", pc.out);
	if (pack)
		ret = flash_pack(&pc, err, sizeof(err));
	else
		ret = create_image(pc.out, pc.size, from, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "norvm: %s\n", err);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return die_usage("no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		print_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("norvm %s\n", NORVM_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "flash"))
		return cmd_flash(argc - 1, argv + 1);
	return die_usage("unknown command '%s'", argv[1]);
}
