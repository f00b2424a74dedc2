# `make bench`: the runtime timed on the host beside the Rust building blocks
# of the post, and the kernels measured in QEMU. Included by the top-level
# Makefile; everything it makes goes to build/bench/.
#
#   make bench                 C and Rust figures, QEMU figures, table, JSON, charts
#   make bench ONLY=block_on   only the figures whose name contains block_on
#                              (and their partners on the other side)
#   make bench RUST=0          without the Rust side
#   make bench QUICK=1         a smoke run in under 30 s (5 ms repetitions, 2 s idle)
#   make bench LTO=0           the C figures without link-time optimisation
#   make bench RUST_LTO=1      the Rust figures with fat LTO in one codegen unit
#   make bench COUNT=0         without instructions per operation (valgrind's callgrind)
#   make bench UPDATE_BOOK=1   and copy the results to book/data/bench-results.json
#                              (with RUST_LTO=1, to bench-results-rust-lto.json)
#   make bench-quick           what CI runs: QUICK=1, and asserts nothing about times
#
# Each C figure file bench/NAME.c is one program, linked with the runtime
# sources it needs (BENCH_NEEDS_NAME) taken from the latest chapter that has
# all of them, so the figures follow the chapters as they are written and a
# figure whose chapter does not exist yet is skipped.

BENCH_DIR := $(ROOT)/build/bench
# Link-time optimisation of the C side (why: at BENCH_CFLAGS). Each setting
# builds into a folder of its own, so that switching it rebuilds the programs
# instead of timing the ones the other setting built.
LTO ?= 1
BENCH_BIN := $(BENCH_DIR)/bin$(if $(filter 1,$(LTO)),,-nolto)
BENCH_Q := $(if $(V),,@)
# A chapter exists once it has a Makefile (one being written may have only src/).
BENCH_CHAPTERS := $(patsubst %/Makefile,%/src,$(sort $(wildcard $(ROOT)/chapters/[0-9][0-9]-*/Makefile)))

# region: bench_needs
BENCH_NEEDS_block_on := future.c block_on.c
BENCH_NEEDS_simple_executor := future.c task.c simple_executor.c yield.c
BENCH_NEEDS_ring := byte_ring.c
BENCH_NEEDS_atomic_waker := future.c atomic_waker.c
BENCH_NEEDS_executor := future.c task.c yield.c ready_queue.c executor.c
BENCH_NEEDS_deque := deque.c
BENCH_NEEDS_spawn2 := future.c task.c deque.c injector.c executor.c
# endregion: bench_needs
# A new figure file: a BENCH_NEEDS_ line, its name here, and its pair in
# tools/bench.py's PAIRS.
BENCH_PROGRAMS := block_on simple_executor ring atomic_waker executor deque spawn2
# Chapter 06's two-CPU code: built only with SMP-safe atomics (the lock
# prefix), as chapter 06's kernel runs it. spawn2 plays two CPUs on host
# threads (bench/two_cpus.c instead of bench/cpu.c).
BENCH_SMP_ONLY := deque spawn2
BENCH_CPU_spawn2 := two_cpus.c

# The latest chapter src/ folder that holds every file program $(1) needs.
bench_has_all = $(if $(strip $(foreach f,$(BENCH_NEEDS_$(1)),$(if $(wildcard $(2)/$(f)),,no))),,$(2))
bench_chapter = $(lastword $(foreach c,$(BENCH_CHAPTERS),$(call bench_has_all,$(1),$(c))))
BENCH_BUILT := $(foreach p,$(BENCH_PROGRAMS),$(if $(call bench_chapter,$(p)),$(p)))
BENCH_BINS := $(addprefix $(BENCH_BIN)/,$(BENCH_BUILT))

# kernel-base's host support, as the host tests link it (build.mk's
# BASE_PORTABLE and BASE_HOST: kmalloc over malloc, panic, kprintf), except
# the simulated CPU: bench/cpu.c's interrupt points are empty, as the kernel's.
BENCH_BASE := $(wildcard $(ROOT)/kernel-base/lib/*.c) \
    $(filter-out %/simcpu.c,$(wildcard $(ROOT)/kernel-base/host/*.c))
bench_cpu = $(ROOT)/bench/$(or $(BENCH_CPU_$(1)),cpu.c)
bench_cflags = $(if $(filter $(1),$(BENCH_SMP_ONLY)),$(filter-out -DKATOMIC_ONE_CPU,$(BENCH_CFLAGS)) \
    -pthread,$(BENCH_CFLAGS))
BENCH_BASE_HEADERS := $(wildcard $(ROOT)/kernel-base/include/*.h $(ROOT)/kernel-base/host/*.h \
    $(ROOT)/kernel-base/lib/*.h)

# -O2 without sanitizers, as DESIGN.md asks. Link-time optimisation by
# default: the CPU interface that is inline assembly in the kernel (cli, sti,
# interrupt points) is a file of its own here (bench/cpu.c), and without LTO
# every use of it would be a call the kernel never makes. LTO also inlines
# across the chapter's files, which the kernel's build does not; the Rust side
# keeps cargo's release profile (inlining across crates only what is generic
# or marked inline), unless RUST_LTO=1 gives it fat LTO too (the costs
# appendix shows both).
# And no SLP vectoriser: the kernel is built without SSE, so it copies a
# 16-byte struct waker through two general registers; GCC 12 on the host
# stores the two halves and reloads them as one 16-byte SSE value, which
# misses store-to-load forwarding (about 6 ns per atomic_waker_register,
# measured): a cost the kernel never pays.
# Instruction counts (callgrind) beside the times: on, but for a quick run.
COUNT ?= $(if $(filter 1,$(QUICK)),0,1)
# KATOMIC_ONE_CPU: the atomics of the one-CPU kernels (chapters 01-05), no
# lock prefix (katomic.h); the _smp figures are built without it.
BENCH_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
    -Wmissing-prototypes -O2 -g -DHOST -DKATOMIC_ONE_CPU -fno-tree-slp-vectorize \
    $(if $(filter 1,$(LTO)),-flto=auto) -I$(ROOT)/bench -I$(ROOT)/kernel-base/include \
    -I$(ROOT)/kernel-base/host

# One program per figure file, compiled in one go with its chapter's sources
# (small enough that objects would not save time). Each rule records which
# chapter it was built from, for results.json.
define bench_program
$(BENCH_BIN)/$(1): $(ROOT)/bench/$(1).c $(ROOT)/bench/harness.c $(ROOT)/bench/harness.h $(ROOT)/bench/yield_loop.h \
        $(addprefix $(call bench_chapter,$(1))/,$(BENCH_NEEDS_$(1))) \
        $(wildcard $(call bench_chapter,$(1))/*.h) $(BENCH_BASE) $(BENCH_BASE_HEADERS) \
        $(call bench_cpu,$(1)) $(wildcard $(ROOT)/bench/*.h) $(ROOT)/bench/bench.mk
	@mkdir -p $$(@D)
	@echo "  CC      bench/$(1) with $(patsubst $(ROOT)/chapters/%/src,%,$(call bench_chapter,$(1)))"
	$(BENCH_Q)gcc $(call bench_cflags,$(1)) -I$(call bench_chapter,$(1)) -o $$@ $(ROOT)/bench/$(1).c \
	    $(ROOT)/bench/harness.c $(addprefix $(call bench_chapter,$(1))/,$(BENCH_NEEDS_$(1))) \
	    $(BENCH_BASE) $(call bench_cpu,$(1))
	@echo "$(patsubst $(ROOT)/chapters/%/src,%,$(call bench_chapter,$(1)))" > $$@.chapter
endef
$(foreach p,$(BENCH_BUILT),$(eval $(call bench_program,$(p))))

# What SMP safety costs: the chapter 03 protocols (written SMP-safe) built as
# chapter 06's two-CPU kernel runs them, with C11 atomics that take the lock
# prefix. Their figures are named NAME_smp.
BENCH_SMP_PROGRAMS := $(filter ring atomic_waker,$(BENCH_BUILT))
define bench_smp_program
$(BENCH_BIN)/$(1)_smp: $(BENCH_BIN)/$(1)
	@echo "  CC      bench/$(1) (SMP-safe atomics)"
	$(BENCH_Q)gcc $(filter-out -DKATOMIC_ONE_CPU,$(BENCH_CFLAGS)) -DBENCH_SMP \
	    -I$(call bench_chapter,$(1)) -o $$@ $(ROOT)/bench/$(1).c $(ROOT)/bench/harness.c \
	    $(addprefix $(call bench_chapter,$(1))/,$(BENCH_NEEDS_$(1))) $(BENCH_BASE) \
	    $(call bench_cpu,$(1))
	@cp $(BENCH_BIN)/$(1).chapter $$@.chapter
endef
$(foreach p,$(BENCH_SMP_PROGRAMS),$(eval $(call bench_smp_program,$(p))))
BENCH_BINS += $(addsuffix _smp,$(addprefix $(BENCH_BIN)/,$(BENCH_SMP_PROGRAMS)))

# What the change to deque.c that the costs appendix recommends would buy:
# bench/deque.c on bench/deque_seqcst.c, a copy of the chapter's deque.c
# with seq_cst accesses in place of its two fences; figures NAME_seqcst.
ifneq ($(filter deque,$(BENCH_BUILT)),)
$(BENCH_BIN)/deque_seqcst: $(BENCH_BIN)/deque $(ROOT)/bench/deque_seqcst.c
	@echo "  CC      bench/deque on bench/deque_seqcst.c"
	$(BENCH_Q)gcc $(call bench_cflags,deque) -DBENCH_NAME_SUFFIX='"_seqcst"' \
	    -I$(call bench_chapter,deque) -o $@ $(ROOT)/bench/deque.c $(ROOT)/bench/harness.c \
	    $(ROOT)/bench/deque_seqcst.c $(BENCH_BASE) $(call bench_cpu,deque)
	@cp $(BENCH_BIN)/deque.chapter $@.chapter
BENCH_BINS += $(BENCH_BIN)/deque_seqcst
endif

# The Rust side is copied to build/ and built there: Cargo writes Cargo.lock
# beside Cargo.toml, and a lock written by a newer cargo (rustup's) cannot be
# read by Debian's, so none is kept in the source tree. Whichever cargo is on
# PATH is used; the offline Debian registry is named in .cargo/config.toml.
# (cp -p: the copies keep their times, so cargo sees nothing new to build.)
RUST ?= 1
CARGO ?= cargo
# The rustc that sits beside that cargo: Debian's cargo must not pick up a
# rustup rustc that happens to come first on PATH, or the other way round.
BENCH_CARGO_PATH = $(shell command -v $(CARGO))
BENCH_RUSTC = $(or $(wildcard $(dir $(BENCH_CARGO_PATH))rustc),rustc)
BENCH_RUST_SRC := $(BENCH_DIR)/rust-src
# RUST_LTO=1: the release profile with whole-program optimisation.
RUST_LTO ?= 0
BENCH_RUST_LTO = $(if $(filter 1,$(RUST_LTO)),CARGO_PROFILE_RELEASE_LTO=fat \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1)
# One target folder per toolchain and profile, so switching rebuilds nothing.
BENCH_RUST_TARGET = $(BENCH_DIR)/rust-target$(if $(filter /usr/bin/%,$(BENCH_CARGO_PATH)),-debian)$(if \
    $(filter 1,$(RUST_LTO)),-lto)
BENCH_RUST_BIN = $(BENCH_RUST_TARGET)/release/bench-rust

.PHONY: bench bench-quick bench-c bench-rust bench-kernels
bench-c: $(BENCH_BINS)

bench-rust:
	@rm -rf $(BENCH_RUST_SRC) && mkdir -p $(BENCH_RUST_SRC)
	@cp -rp $(ROOT)/bench/rust/Cargo.toml $(ROOT)/bench/rust/src $(ROOT)/bench/rust/.cargo \
	    $(BENCH_RUST_SRC)/
	@echo "  CARGO   bench/rust ($(BENCH_CARGO_PATH), $$($(BENCH_RUSTC) --version))"
	$(BENCH_Q)cd $(BENCH_RUST_SRC) && RUSTC=$(BENCH_RUSTC) $(BENCH_RUST_LTO) $(CARGO) build --release --offline \
	    --quiet --target-dir $(BENCH_RUST_TARGET)

# Every chapter's kernel, for the QEMU figures (each chapter's own build decides
# whether it is up to date), and chapter 05's naive twin with its window
# widened, for the lost-wakeup figure: both get the same key flood.
BENCH_IDLE := $(patsubst %/Makefile,%,$(wildcard $(ROOT)/chapters/05-sleep-idle/Makefile))
BENCH_FLOOD := $(if $(BENCH_IDLE),05-sleep-idle 05-sleep-idle-naive)
bench-kernels:
	@for c in $(patsubst %/src,%,$(BENCH_CHAPTERS)); do \
	    $(MAKE) --no-print-directory -s -C $$c kernel || exit 1; done
	$(if $(BENCH_IDLE),@$(MAKE) --no-print-directory -s -C $(BENCH_IDLE) IDLE=naive \
	    IDLE_WINDOW=large kernel)

BENCH_ARGS = --out $(BENCH_DIR) $(addprefix --c ,$(BENCH_BINS)) \
    $(if $(filter 1,$(RUST)),--rust $(BENCH_RUST_BIN) --rustc $(BENCH_RUSTC)) \
    $(if $(filter 1,$(QUICK)),--quick) $(if $(ONLY),--only '$(ONLY)') \
    $(if $(filter 1,$(COUNT)),--count) \
    $(if $(filter 1,$(RUST_LTO)),--rust-lto) \
    $(if $(filter 1,$(UPDATE_BOOK)),--update-book \
        $(ROOT)/book/data/bench-results$(if $(filter 1,$(RUST_LTO)),-rust-lto).json) \
    --cflags '$(BENCH_CFLAGS)' $(addprefix --kernel ,$(patsubst $(ROOT)/chapters/%/src,%,$(BENCH_CHAPTERS))) \
    $(addprefix --flood ,$(BENCH_FLOOD))

bench:
	@RUST=$(RUST) $(ROOT)/tools/deps.sh bench
	@$(MAKE) --no-print-directory bench-c $(if $(filter 1,$(RUST)),bench-rust) bench-kernels
	@python3 $(ROOT)/tools/bench.py run $(BENCH_ARGS)

bench-quick:
	@$(MAKE) --no-print-directory bench QUICK=1
