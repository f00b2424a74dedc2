# The build rules shared by kernel-base and every chapter. A program's
# Makefile names its files, then includes this file:
#
#   NAME         := 01-futures          # its folder under build/
#   SOURCES      := src/main.c src/future.c   # everything in the kernel image
#   PORTABLE     := src/future.c        # the part the host tests also link
#   HOST_TESTS   := $(wildcard tests/host/*.c)     # Criterion tests
#   KERNEL_TESTS := $(wildcard tests/kernel/*.c)   # KTEST tests, in the image
#   GOLDEN       := tests/expected-output.txt      # optional: what `make run` prints
#   SMP          := 1                   # optional: a kernel for two CPUs (below)
#   include ../../kernel-base/build.mk
#
# Targets: kernel, host-tests, test (host + QEMU), test-host, test-qemu, run,
# debug, iso, test-iso, clean. Output goes to build/NAME/ (BUILD= overrides it).

KERNEL_BASE := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
ROOT ?= $(abspath $(KERNEL_BASE)/..)
BUILD ?= $(ROOT)/build/$(NAME)
TOOLS ?= $(ROOT)/tools
PYTHON ?= python3

CC := gcc
# V=1 shows the full commands.
Q := $(if $(V),,@)
WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
INCLUDES := -I$(KERNEL_BASE)/include $(addprefix -I,$(INCLUDE_DIRS))
# include/ holds the portable interfaces; the kernel's own headers sit beside
# its code in kernel/, which host builds cannot see: a host test that includes
# one fails to build.
KERNEL_INCLUDES := $(INCLUDES) -I$(KERNEL_BASE)/kernel

KERNEL_CFLAGS := -std=gnu11 $(WARNINGS) -O2 -g -ffreestanding -fno-stack-protector \
    -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only -mno-sse -mno-mmx -mcmodel=small \
    -fno-omit-frame-pointer -fno-asynchronous-unwind-tables $(KERNEL_INCLUDES) -MMD -MP
# One CPU (every program but an SMP one): read-modify-writes without the
# lock prefix (katomic.h says why).
KERNEL_CFLAGS += $(if $(filter 1,$(SMP)),,-DKATOMIC_ONE_CPU)
# The kernels and the host tests are built with the chapters' trace layer
# (trace.h); the benchmarks and the fuzz and thread programs without it.
KERNEL_CFLAGS += -DTRACE
# A program may add -D options of its own (chapter 05's IDLE=naive).
KERNEL_CFLAGS += $(DEFINES)
KERNEL_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 \
    -T $(KERNEL_BASE)/linker.ld

HOST_CFLAGS := -std=gnu11 $(WARNINGS) -O1 -g -DHOST -DTRACE -fsanitize=address,undefined \
    -fno-sanitize-recover=all -fno-omit-frame-pointer $(INCLUDES) -I$(KERNEL_BASE)/host -MMD -MP
HOST_LDLIBS := -lcriterion

BASE_PORTABLE := $(addprefix $(KERNEL_BASE)/,lib/kformat.c lib/heap.c lib/irq.c lib/mem.c \
    lib/scancode.c lib/scancode_keys.c)
BASE_KERNEL := $(addprefix $(KERNEL_BASE)/kernel/,boot.S isr.S start.c boot_info.c gdt.c \
    interrupts.c pic.c pit.c keyboard.c serial.c vga.c console.c mem.c panic.c ktest.c string.c \
    bench_keys.c ksyms.c)
BASE_HOST := $(addprefix $(KERNEL_BASE)/host/,simcpu.c mem.c console.c panic.c testing.c)
# Portable code that only SMP kernels run; the host tests always test it.
BASE_SMP_PORTABLE := $(KERNEL_BASE)/lib/spinlock.c

# region: smp_build
# SMP := 1 builds a kernel for several CPUs: -DSMP, the code that starts the
# other CPUs, and QEMU_CPUS CPUs in QEMU (make run, make debug, test-qemu),
# each on a host thread of its own. Without it nothing of this is built in,
# and QEMU boots one CPU, as before.
ifeq ($(SMP),1)
KERNEL_CFLAGS += -DSMP
BASE_KERNEL += $(addprefix $(KERNEL_BASE)/kernel/,ap_boot.S acpi.c lapic.c paging.c smp.c)
KERNEL_SMP_PORTABLE := $(BASE_SMP_PORTABLE)
QEMU_CPUS ?= 2
QEMU_ACCEL ?= -accel tcg,thread=multi
endif
# endregion: smp_build

# Objects mirror their source paths: kernel-base's under base/, ours under obj/.
base_objs = $(patsubst $(KERNEL_BASE)/%,$(BUILD)/$(1)/base/%.o,$(2))
own_objs = $(patsubst %,$(BUILD)/$(1)/obj/%.o,$(2))
KERNEL_OBJS := $(call base_objs,kernel,$(BASE_KERNEL) $(BASE_PORTABLE) $(KERNEL_SMP_PORTABLE)) \
    $(call own_objs,kernel,$(SOURCES) $(KERNEL_TESTS))
HOST_OBJS := $(call base_objs,host,$(BASE_HOST) $(BASE_PORTABLE) $(BASE_SMP_PORTABLE)) \
    $(call own_objs,host,$(PORTABLE) $(HOST_TESTS))

KERNEL_ELF := $(BUILD)/kernel.elf
KERNEL_IMAGE := $(BUILD)/kernel32.elf
HOST_TEST_BIN := $(BUILD)/host-tests

.PHONY: all kernel host-tests test test-host test-qemu run debug iso test-iso clean print-build-files
all: kernel host-tests

kernel: $(KERNEL_IMAGE)
host-tests: $(HOST_TEST_BIN)

# The kernel names its own functions in fault reports (kernel/ksyms.h): a
# first link with an empty symbol table, then the table of that link's
# functions, then the final link with it. The table is read-only data, which
# comes after all the code, so no function moves: the check says so.
KSYMS_FROM_NM = awk 'BEGIN { print "\#include \"ksyms.h\""; print "const struct ksym ksyms[] = {" } \
    $$2 ~ /^[tT]$$/ && $$3 !~ /^\./ { printf "    {0x%s, \"%s\"},\n", $$1, $$3; n++ } \
    END { if (!n) print "    {0, 0},"; print "};"; print "const unsigned ksyms_count = " n + 0 ";" }'
$(BUILD)/ksyms0.c: $(KERNEL_BASE)/build.mk
	@mkdir -p $(@D)
	$(Q): | $(KSYMS_FROM_NM) > $@
$(BUILD)/kernel0.elf: $(KERNEL_OBJS) $(BUILD)/ksyms0.o $(KERNEL_BASE)/linker.ld
	$(Q)$(CC) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/ksyms0.o -lgcc
$(BUILD)/ksyms.c: $(BUILD)/kernel0.elf
	$(Q)nm -n --defined-only $< | $(KSYMS_FROM_NM) > $@
$(BUILD)/ksyms0.o $(BUILD)/ksyms.o: %.o: %.c
	$(Q)$(CC) $(KERNEL_CFLAGS) -c -o $@ $<
$(KERNEL_ELF): $(BUILD)/kernel0.elf $(BUILD)/ksyms.o
	@echo "  LD      $(@:$(ROOT)/%=%)"
	$(Q)$(CC) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/ksyms.o -lgcc
	$(Q)nm -n --defined-only $< | grep -i ' t ' > $(BUILD)/ksyms0.txt; \
	nm -n --defined-only $@ | grep -i ' t ' > $(BUILD)/ksyms.txt; \
	if ! cmp -s $(BUILD)/ksyms0.txt $(BUILD)/ksyms.txt; then \
	    echo "ksyms: the symbol table moved code; its addresses would be wrong" >&2; rm -f $@; exit 1; fi

# QEMU's -kernel loads only 32-bit Multiboot ELF files; the code inside is the
# same, only the container changes.
$(KERNEL_IMAGE): $(KERNEL_ELF)
	$(Q)objcopy -O elf32-i386 $< $@

$(HOST_TEST_BIN): $(HOST_OBJS)
	@echo "  LD      $(@:$(ROOT)/%=%)"
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ $^ $(HOST_LDLIBS)

$(BUILD)/kernel/base/%.o: $(KERNEL_BASE)/%
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) -c -o $@ $<
$(BUILD)/kernel/obj/%.o: %
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) -c -o $@ $<
$(BUILD)/host/base/%.o: $(KERNEL_BASE)/%
	@mkdir -p $(@D)
	@echo "  HOSTCC  $<"
	$(Q)$(CC) $(HOST_CFLAGS) -c -o $@ $<
$(BUILD)/host/obj/%.o: %
	@mkdir -p $(@D)
	@echo "  HOSTCC  $<"
	$(Q)$(CC) $(HOST_CFLAGS) -c -o $@ $<

# Criterion runs each test in its own process, so a crash fails one test.
# Without LeakSanitizer: Criterion passes a test whose process leaks anyway,
# and the check at each exit doubles a test's cost. The tests assert leaks
# themselves, through kmalloc's live count (mem_stats).
NO_LEAK_CHECK := ASAN_OPTIONS=detect_leaks=0:$(ASAN_OPTIONS)
test-host: $(HOST_TEST_BIN) check-header-split
	$(NO_LEAK_CHECK) $(HOST_TEST_BIN) $(CRITERION_FLAGS)

# The split of the headers holds: each kernel-only header fails to compile
# in a host build, as a host test that includes one would.
KERNEL_ONLY_HEADERS := $(notdir $(wildcard $(KERNEL_BASE)/kernel/*.h))
.PHONY: check-header-split
check-header-split:
	$(Q)for h in $(KERNEL_ONLY_HEADERS); do \
	    if echo "#include \"$$h\"" | $(CC) $(filter-out -MMD -MP,$(HOST_CFLAGS)) -fsyntax-only -x c - 2>/dev/null; then \
	        echo "$$h compiles in a host build: kernel-only headers belong in kernel-base/kernel/"; \
	        exit 1; fi; done

QEMU_TEST_ARGS := --kernel $(KERNEL_IMAGE) --name $(NAME) $(if $(GOLDEN),--golden $(GOLDEN))
ifneq ($(SMP),1)
test-qemu: $(KERNEL_IMAGE)
	$(PYTHON) $(TOOLS)/qemu-test.py $(QEMU_TEST_ARGS)
else
# region: smp_test_qemu
# Twice: with a host thread per CPU, as make run boots it, and under -icount,
# where QEMU runs the CPUs in turn on one thread and every run is the same,
# instruction for instruction (the kernel's command line then says `icount`:
# a test may hold timing to exact counts). A test whose verdict hangs on
# timing must pass both ways.
QEMU_TEST_ARGS += --cpus $(QEMU_CPUS) --timeout 60
test-qemu: $(KERNEL_IMAGE)
	$(PYTHON) $(TOOLS)/qemu-test.py $(QEMU_TEST_ARGS) --qemu-args="$(QEMU_ACCEL)"
	$(PYTHON) $(TOOLS)/qemu-test.py $(QEMU_TEST_ARGS) --qemu-args="-icount shift=0,sleep=off" \
	    --append icount --name $(NAME)-icount --logs $(BUILD)/qemu-test-icount
# endregion: smp_test_qemu
endif

test: test-host test-qemu

# What the build uses, for tools/check-snapshots.py: the sources, then the
# flags that find their headers.
print-build-files:
	@echo "sources: $(SOURCES) $(PORTABLE) $(HOST_TESTS) $(KERNEL_TESTS)"
	@echo "kernel-flags: $(KERNEL_INCLUDES)"
	@echo "host-flags: -DHOST $(INCLUDES) -I$(KERNEL_BASE)/host"

# QEMU_CPUS and QEMU_ACCEL reach the scripts only from SMP kernels.
QEMU_SMP_ENV := $(if $(QEMU_CPUS),QEMU_CPUS="$(QEMU_CPUS)" QEMU_ACCEL="$(QEMU_ACCEL)")
run: $(KERNEL_IMAGE)
	@$(QEMU_SMP_ENV) $(TOOLS)/qemu.sh run $(KERNEL_IMAGE) $(BUILD)/serial.log

debug: $(KERNEL_IMAGE)
	@$(QEMU_SMP_ENV) $(TOOLS)/qemu.sh debug $(KERNEL_IMAGE) $(KERNEL_ELF)

# make iso: an image that boots a PC from a CD or a USB stick (the book's
# Setup page). GRUB loads the same Multiboot image as QEMU's -kernel; its first
# menu entry passes ISO_CMDLINE, its second `test`. Only GRUB's BIOS modules:
# the kernel writes to the VGA text screen, which UEFI firmware does not set up.
# GRUB draws on the screen only, so serial output stays the kernel's alone.
ISO_CMDLINE ?=
ISO := $(BUILD)/kernel.iso

# $(call make_iso,IMAGE,COMMAND LINE,SECONDS IN THE MENU). Made every time
# (half a second), so that a new ISO_CMDLINE is never missed.
define make_iso
	$(Q)rm -rf $(1).files && mkdir -p $(1).files/boot/grub
	$(Q)cp $(KERNEL_IMAGE) $(1).files/boot/kernel.elf
	$(Q)printf '%s\n' 'set timeout=$(3)' \
	    'menuentry "$(NAME)" {' '    multiboot /boot/kernel.elf $(2)' '}' \
	    'menuentry "$(NAME): in-kernel tests" {' '    multiboot /boot/kernel.elf test' '}' \
	    > $(1).files/boot/grub/grub.cfg
	$(Q)grub-mkrescue -d /usr/lib/grub/i386-pc -o $(1) $(1).files 2> $(1).log || \
	    { cat $(1).log; exit 1; }
endef

iso: $(KERNEL_IMAGE)
	$(call make_iso,$(ISO),$(ISO_CMDLINE),3)
	@echo "The bootable image is $(ISO)"
	@echo "  in QEMU:  qemu-system-x86_64 -cdrom $(ISO)"
	@echo "            (in a terminal without a desktop, add -display curses)"
	@echo "  on a PC:  write it to a USB stick and boot it in BIOS (legacy) mode;"
	@echo "            the book's Setup page says how"

# The image booted through GRUB from QEMU's CD drive, with `test` and no menu:
# the KTESTs run as under -kernel, after a real PC's boot path.
test-iso: $(KERNEL_IMAGE)
	$(call make_iso,$(BUILD)/kernel-test.iso,test,0)
	$(PYTHON) $(TOOLS)/qemu-test.py --cdrom $(BUILD)/kernel-test.iso --name $(NAME)-iso \
	    $(if $(QEMU_CPUS),--cpus $(QEMU_CPUS) --timeout 60 --qemu-args="$(QEMU_ACCEL)")

clean:
	rm -rf $(BUILD)

-include $(KERNEL_OBJS:.o=.d) $(HOST_OBJS:.o=.d)
