# norvm — build, test, benchmark.
#   make            build ./norvm
#   make check      run every test; ends with "N passed, N failed"
#   make SAN=1 check    the same, built with AddressSanitizer + UBSan
#   make TSAN=1 check   the same, built with ThreadSanitizer
#   make JIT=off check  the same on the interpreter alone (NORVM_JIT=off;
#                   the tests of the code generator still run it)
#   make bench      run the benchmarks under bench/
#   make fuzz       fuzz the CFI flash and the GDB protocol, FUZZ_TIME s each
#   make HOST=riscv64 LIBFDT_SRC=DIR    (or HOST=aarch64)
#                   norvm-riscv64 (norvm-aarch64): norvm for riscv64
#                   (arm64) hosts, to run on their KVM; static, with
#                   libfdt compiled from DIR (the kernel tree's
#                   scripts/dtc/libfdt: Debian has no cross libfdt)
#   make kvm-assets build what tests/e2e/kvm.sh boots (kernel, initramfs)
#   make arm64-assets   the same for tests/e2e/arm64.sh (arm64 kernel)
#   make install    install norvm, its man page (norvm.1, written from
#                   `norvm --help` by help2man), its firmware, the README
#                   and doc/ under PREFIX (/usr/local), within DESTDIR;
#   make uninstall  removes them again
#   make linux-assets   build what tests/e2e/linux.sh and bench/linux.sh
#                   boot (kernels, initramfs; the kernels are cached)

CC	?= cc
CROSS	?= riscv64-linux-gnu-
SAN	?=

WARN	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wvla -Wno-unused-parameter
CFLAGS	?= -O2 -g
# C11 with GNU extensions, which the code uses and says so: the
# interpreter's dispatch through labels as values (src/soft/exec.c),
# unsigned __int128 products (mulh, the SIMD registers under KVM), and
# glibc's _GNU_SOURCE interfaces (memfd_create, renameat2, signalfd).
STD	:= -std=gnu11 -D_GNU_SOURCE
CFLAGS	+= $(STD) $(WARN) -MMD -MP -Isrc
LDLIBS	:= -lfdt -lpthread -lm

ifneq ($(filter $(HOST),riscv64 aarch64),)
B	:= build-$(HOST)
CC	:= $(HOST)-linux-gnu-gcc
LIBFDT_SRC ?= $(error HOST=$(HOST) needs LIBFDT_SRC=<linux source>/scripts/dtc/libfdt)
CFLAGS	+= -I$(LIBFDT_SRC)
LDFLAGS	+= -static
LDLIBS	:= -lpthread -latomic -lm	# -latomic: riscv64 has no 1-byte atomic exchange
else ifneq ($(HOST),)
$(error HOST=$(HOST): riscv64 or aarch64)
else ifeq ($(TSAN),1)
B	:= build-tsan
CFLAGS	+= -fsanitize=thread -fno-omit-frame-pointer -Wno-tsan
LDFLAGS	+= -fsanitize=thread
else ifeq ($(SAN),1)
B	:= build-san
CFLAGS	+= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS	+= -fsanitize=address,undefined
else
B	:= build
endif

LIB_SRC	:= $(filter-out src/main.c,$(wildcard src/*.c src/board/*.c src/hw/*.c src/soft/*.c src/kvm/*.c))
LIB_OBJ	:= $(LIB_SRC:%.c=$(B)/%.o) $(B)/src/stage0_blob.o
ifneq ($(HOST),)
LIB_OBJ	+= $(patsubst $(LIBFDT_SRC)/%.c,$(B)/libfdt/%.o,$(wildcard $(LIBFDT_SRC)/*.c))
endif
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%)

# Guest programs: ISA tests and benchmark guests, built with the cross gcc.
GUEST_CFLAGS := -march=rv64imafdc_zicsr_zifencei -mabi=lp64 -nostdlib -nostartfiles \
	-static -Wl,--no-relax -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Itests/isa
ISA_SRC	:= $(wildcard tests/isa/*.S)
ISA_ELF	:= $(ISA_SRC:tests/isa/%.S=build/isa/%.elf)
GUEST_SRC := $(wildcard bench/guest/*.S guest/*.S tests/smp/*.S tests/guest/*.S tests/sbi/*.S)
GUEST_ELF := $(GUEST_SRC:%.S=build/%.elf)
# Guest programs in C for rv64gc (the F and D oracle).
GUEST_C	:= $(wildcard tests/guest/*.c)
GUEST_ELF += $(GUEST_C:%.c=build/%.elf)
GUEST_C_FLAGS := -march=rv64gc -mabi=lp64 -O2 -ffreestanding -fno-builtin \
	-nostdlib -nostartfiles -static -Wall -Wextra -Werror -Wl,--no-relax \
	-Wl,--build-id=none -Wl,--no-warn-rwx-segments

NORVM	:= $(if $(HOST),norvm-$(HOST),$(if $(filter 1,$(TSAN)),norvm-tsan,$(if $(filter 1,$(SAN)),norvm-san,norvm)))

# The firmware norvm carries (firmware/, compressed), unpacked where norvm
# looks for it: build/firmware beside the binary.
FIRMWARE := $(patsubst firmware/%.xz,build/firmware/%,$(wildcard firmware/*/*.xz))
build/firmware/%: firmware/%.xz
	@mkdir -p $(dir $@)
	xz -dc $< >$@.tmp && mv $@.tmp $@

all: $(NORVM) $(FIRMWARE)

# Flash command sets register themselves (constructors) and nothing refers
# to them by name, so their objects are linked whole, before the archive.
CMDSET_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard src/hw/cfi_cmdset_*.c))
LINK_LIB = $(CMDSET_OBJ) $(B)/libnorvm.a

$(NORVM): $(B)/src/main.o $(B)/libnorvm.a
	$(CC) $(LDFLAGS) -o $@ $(B)/src/main.o $(LINK_LIB) $(LDLIBS)

# FP semantics: no compile-time folding, nothing moved across fenv calls.
$(B)/src/soft/fpu.o: CFLAGS += -frounding-math -fsignaling-nans

$(B)/libnorvm.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The kernel's copy of libfdt, built as its own project builds it.
$(B)/libfdt/%.o: $(LIBFDT_SRC)/%.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -I$(LIBFDT_SRC) -c -o $@ $<

# The stage-0 loader of bootable flash images, built for the guest and
# carried inside norvm as bytes.  Its view of the boot header is printed
# from src/boot_header.h by a program built for this host.
HOSTCC	?= cc
build/guest/stage0_layout.inc: guest/stage0_layout.c src/boot_header.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(STD) $(WARN) -Isrc -o build/guest/stage0_layout $<
	build/guest/stage0_layout >$@.tmp && mv $@.tmp $@

build/guest/stage0.elf: guest/stage0.S build/guest/stage0_layout.inc tests/isa/link.ld
	$(CROSS)gcc $(GUEST_CFLAGS) -Ibuild/guest -T tests/isa/link.ld -o $@ $<

build/guest/stage0.bin: build/guest/stage0.elf
	$(CROSS)objcopy -O binary -j .text $< $@
	@[ $$(stat -c %s $@) -le 512 ] || { echo "$@: larger than 512 bytes, overlaps the image header"; rm -f $@; exit 1; }

$(B)/src/stage0_blob.o: src/stage0_blob.S build/guest/stage0.bin
	@mkdir -p $(dir $@)
	$(CC) -c -Ibuild/guest -o $@ $<

$(B)/tests/unit/%: tests/unit/%.c $(B)/libnorvm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -Itests/unit -o $@ $< $(LINK_LIB) $(LDLIBS)

build/isa/%.elf: tests/isa/%.S $(wildcard tests/isa/*.h) tests/isa/link.ld
	@mkdir -p $(dir $@)
	$(CROSS)gcc $(GUEST_CFLAGS) -T tests/isa/link.ld -o $@ $<

# S-mode payloads for OpenSBI, linked where fw_jump enters them.
build/tests/sbi/%.elf: tests/sbi/%.S tests/sbi/link.ld
	@mkdir -p $(dir $@)
	$(CROSS)gcc $(GUEST_CFLAGS) -T tests/sbi/link.ld -o $@ $<

build/%.elf: %.S $(wildcard tests/isa/*.h) tests/isa/link.ld
	@mkdir -p $(dir $@)
	$(CROSS)gcc $(GUEST_CFLAGS) -T tests/isa/link.ld -o $@ $<

build/%.elf: %.c tests/isa/link.ld
	@mkdir -p $(dir $@)
	$(CROSS)gcc $(GUEST_C_FLAGS) -T tests/isa/link.ld -o $@ $<

tests: $(NORVM) $(FIRMWARE) $(UNIT_BIN) $(ISA_ELF) $(GUEST_ELF)

# Random programs for tests/e2e/jit_oracle.sh: a host program writes them.
$(B)/tests/jit/rvgen: tests/jit/rvgen.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<
tests: $(B)/tests/jit/rvgen

# The nested KVM test (tests/e2e/kvm.sh) boots a kernel built from
# Debian's linux-source-6.1: minutes the first time, then cached outside
# the clone.  Built here, before the tests run, whenever TESTS selects it.
KVM_TEST := tests/e2e/kvm.sh
kvm-assets: build/guest/stage0.bin
	-@tests/kvm/build-assets

# The nested arm64 suite (tests/e2e/arm64.sh): the same, with an arm64
# kernel (host and guest) and norvm for aarch64.
ARM64_TEST := tests/e2e/arm64.sh
arm64-assets:
	-@tests/arm64/build-assets

# The Linux suite (tests/e2e/linux.sh) boots kernels built from Debian's
# linux-source-6.1: minutes the first time, then cached outside the
# clone.  Built here, before the tests run, whenever TESTS selects it; a
# failure is the test's to report (it prints FAIL, or SKIP when there is
# no kernel source), so the other tests still run.
LINUX_TEST := tests/e2e/linux.sh tests/e2e/uefi.sh
linux-assets:
	-@tests/linux/build-assets

# The kernels build one after the other (scripts/build-kernel locks).
selected = $(if $(or $(if $(TESTS),,1),$(findstring $(TESTS),$(1))),$(2))
check: tests $(if $(SAN)$(TSAN),,$(call selected,$(KVM_TEST),kvm-assets) $(call selected,$(ARM64_TEST),arm64-assets)) $(call selected,$(LINUX_TEST),linux-assets)
	@NORVM=./$(NORVM) BUILD=$(B) $(if $(JIT),NORVM_JIT=$(JIT)) tests/run.sh

# Every benchmark runs, each printing its table; fails if any failed.
bench: $(NORVM) $(GUEST_ELF) build/bench/pty_run linux-assets
	@failed=; for b in bench/*.sh; do [ "$$b" != bench/lib.sh ] || continue; echo "== $$b"; \
		NORVM=./$(NORVM) $$b || failed="$$failed $$b"; echo; done; \
	[ -z "$$failed" ] || { echo "failed:$$failed"; exit 1; }

# Runs a command on a pseudo-terminal, for bench/console.sh.
build/bench/pty_run: bench/pty_run.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< -lutil

# libFuzzer target for the CFI flash (clang), run for FUZZ_TIME seconds.
FUZZ_TIME ?= 30
FUZZ_LIB := $(wildcard src/hw/cfi_*.c) src/vm_core.c src/mmio.c src/util.c src/files.c src/devtree.c src/trace.c
build/fuzz/fuzz_cfi_flash: fuzz/fuzz_cfi_flash.c $(FUZZ_LIB) $(wildcard src/*.h src/hw/*.h)
	@mkdir -p $(dir $@)
	clang -g -O1 $(STD) -Wall -Wextra -Werror -Wno-unused-parameter \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Isrc -Itests/unit -o $@ fuzz/fuzz_cfi_flash.c $(FUZZ_LIB) -lfdt -lpthread

# Seeds: fuzz/seeds.txt, one hex line per input.
build/fuzz/seeds.stamp: fuzz/seeds.txt
	@rm -rf build/fuzz/seeds && mkdir -p build/fuzz/seeds
	perl -ne 'next if /^\s*(#|$$)/; my ($$n, @h) = split; open(my $$f, ">", "build/fuzz/seeds/$$n") or die; print $$f pack("H*", join("", @h));' $<
	@touch $@

# The GDB protocol: packets from a client, against a fake target.
build/fuzz/fuzz_gdb: fuzz/fuzz_gdb.c src/gdb.c src/gdb.h
	@mkdir -p $(dir $@)
	clang -g -O1 $(STD) -Wall -Wextra -Werror \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Isrc -o $@ fuzz/fuzz_gdb.c src/gdb.c

fuzz: build/fuzz/fuzz_cfi_flash build/fuzz/seeds.stamp build/fuzz/fuzz_gdb
	@mkdir -p build/fuzz/corpus build/fuzz/corpus-gdb
	build/fuzz/fuzz_cfi_flash -max_total_time=$(FUZZ_TIME) build/fuzz/corpus build/fuzz/seeds
	build/fuzz/fuzz_gdb -max_total_time=$(FUZZ_TIME) -dict=fuzz/gdb.dict build/fuzz/corpus-gdb

clean:
	rm -rf build build-san build-tsan build-riscv64 build-aarch64 norvm norvm-san norvm-tsan norvm-riscv64 norvm-aarch64

# Installing.  The binary finds its firmware in ../share/norvm/firmware.
PREFIX	?= /usr/local
BINDIR	:= $(DESTDIR)$(PREFIX)/bin
MANDIR	:= $(DESTDIR)$(PREFIX)/share/man/man1
DATADIR	:= $(DESTDIR)$(PREFIX)/share/norvm
DOCDIR	:= $(DESTDIR)$(PREFIX)/share/doc/norvm
build/norvm.1: norvm
	@mkdir -p $(dir $@)
	help2man --no-info --no-discard-stderr \
		--name "a virtual machine monitor around an emulated CFI NOR flash" \
		-o $@.tmp ./norvm && mv $@.tmp $@
install: norvm build/norvm.1 $(FIRMWARE)
	install -d $(BINDIR) $(MANDIR) $(DOCDIR)
	install -m 755 norvm $(BINDIR)/norvm
	install -m 644 build/norvm.1 $(MANDIR)/norvm.1
	install -m 644 README.md $(DOCDIR)/README.md
	install -d $(DOCDIR)/doc
	install -m 644 doc/*.md doc/*.svg $(DOCDIR)/doc/
	for f in $(FIRMWARE); do \
		install -d $(DATADIR)/$$(dirname $${f#build/}) && \
		install -m 644 $$f $(DATADIR)/$${f#build/} || exit 1; done
uninstall:
	rm -f $(BINDIR)/norvm $(MANDIR)/norvm.1 $(DOCDIR)/README.md
	rm -f $(addprefix $(DOCDIR)/,$(wildcard doc/*.md doc/*.svg))
	-rmdir $(DOCDIR)/doc 2>/dev/null
	for f in $(FIRMWARE); do rm -f $(DATADIR)/$${f#build/}; done
	-rmdir $(DOCDIR) $(DATADIR)/firmware/* $(DATADIR)/firmware $(DATADIR) 2>/dev/null

.PHONY: all tests check bench fuzz clean kvm-assets arm64-assets linux-assets install uninstall
.SECONDARY:

-include $(shell find build build-san build-tsan build-riscv64 build-aarch64 -name '*.d' 2>/dev/null)
