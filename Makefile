# The workbook's front door. `make help` lists what it can do.
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
CHAPTERS := $(sort $(patsubst %/Makefile,%,$(wildcard chapters/[0-9][0-9]-*/Makefile)))
PROGRAMS := kernel-base $(CHAPTERS)
export ROOT

# CH= picks a program the same way for every command: base (kernel-base),
# or a chapter by number or name (1, 01, 01-futures, chapters/01-futures).
# The default is the last chapter (kernel-base until there is one).
CH_WORD := $(patsubst chapters/%,%,$(patsubst %/,%,$(strip $(CH))))
ifneq ($(filter base kernel-base,$(CH_WORD)),)
PROGRAM := kernel-base
else ifneq ($(CH_WORD),)
PROGRAM := $(firstword $(filter chapters/$(CH_WORD) chapters/$(CH_WORD)-% chapters/0$(CH_WORD)-%,$(CHAPTERS)))
else
PROGRAM := $(or $(lastword $(CHAPTERS)),kernel-base)
endif
CH_NAMES := base $(foreach c,$(CHAPTERS),$(notdir $(c)))

# make run and make debug boot DIR= (a copy of a chapter: your workspace)
# when it is given, else the reference; and say which it is.
RUN_DIR := $(or $(DIR),$(PROGRAM))
WORKSPACE := workspace/$(notdir $(PROGRAM))
WHOSE = $(if $(DIR),your copy in $(DIR),$(if $(filter kernel-base,$(PROGRAM)),kernel-base,the \
    reference in $(PROGRAM)$(if $(wildcard $(WORKSPACE)/Makefile), (yours: DIR=$(WORKSPACE)))))

.DEFAULT_GOAL := help
.PHONY: help check-program run debug iso test-iso test test-programs test-snapshots book book-check deps clean compile_commands.json \
    $(addprefix test-,$(PROGRAMS))

help:
	@echo "The workbook: cooperative multitasking in a kernel, in C"
	@echo ""
	@echo "  make run [CH=NN]       boot chapter NN's reference (default: $(notdir $(PROGRAM)))"
	@echo "  make run DIR=workspace/NN-name   boot your own copy (or: cd there && make run)"
	@echo "                         HEADLESS=1: serial here; QEMU_EXTRA=...: QEMU flags"
	@echo "  make debug [CH=NN|DIR=path]  QEMU paused with a gdb stub and gdb, at kmain"
	@echo "  make iso [CH=NN|DIR=path]    a bootable image (GRUB) for a USB stick or -cdrom"
	@echo "                         ISO_CMDLINE=...: the kernel's command line"
	@echo "  make test              every host test, QEMU test, the book and the grading checks"
	@echo "  make book              render the book to build/book/index.html"
	@echo "  make start CH=NN       write your starter copy of chapter NN to workspace/"
	@echo "  make grade [CH=NN]     grade your workspace (the reference if you have none)"
	@echo "  make hint CH=NN EX=N.M the next hint of an exercise (HINTS=0: grade with none)"
	@echo "  make watch CH=NN       re-grade whenever you save, showing the next exercise"
	@echo "  make grade-all SUBMISSIONS=dir CH=NN   (instructors) grade a class, each in a sandbox:"
	@echo "                         grades.csv, .json, .html; JOBS=n, SHARD=i/N, ONLY=name"
	@echo "  make grade-merge IN=\"dir ...\"          join the slices (SHARD=) into one class report"
	@echo "  make bench-grading [N=200]             time grade-all on a made-up class of N"
	@echo "  make bench [QUICK=1] [RUST=0] [ONLY=name]   C vs Rust timings, QEMU idle CPU (bench/bench.mk)"
	@echo "  make fuzz [FUZZ_S=60]  run each libFuzzer harness (tests/fuzz/) FUZZ_S seconds"
	@echo "  make soak [N=50] [LOAD=2]   every QEMU test N times (beside LOAD busy processes)"
	@echo "  make test-mutants      plant the bugs of tests/mutants.txt; their tests must catch each"
	@echo "  make test-tsan         thread stress programs under ThreadSanitizer (tests/tsan/)"
	@echo "  make test-fuzz         each fuzz harness for a few seconds"
	@echo "  make test-points       per protocol: interrupt points walked, landed, wakeups lost"
	@echo "  make compile_commands.json             for editors (clangd)"
	@echo "  make clean             remove build/"
	@echo ""
	@echo "CH= takes base or a chapter's number or name (CH=1, 01 or 01-futures):"
	@echo "  $(CH_NAMES)"

check-program:
	@test -n "$(PROGRAM)" || { echo "No chapter '$(CH)'. CH= takes base or a chapter's" \
	    "number or name (CH=1, 01 or 01-futures): $(CH_NAMES)"; exit 2; }
	@test -z "$(DIR)" || test -f "$(DIR)/Makefile" || \
	    { echo "DIR=$(DIR): no chapter copy there (make start CH=NN writes one)"; exit 2; }

deps:
	@$(ROOT)/tools/deps.sh test

run: check-program
	@$(ROOT)/tools/deps.sh run
	@echo "Booting $(WHOSE)"
	@$(MAKE) --no-print-directory -C $(RUN_DIR) run WORKBOOK=$(ROOT)

debug: check-program
	@$(ROOT)/tools/deps.sh run debug
	@echo "Debugging $(WHOSE)"
	@$(MAKE) --no-print-directory -C $(RUN_DIR) debug WORKBOOK=$(ROOT)

# An image that boots a real PC (BIOS) from a USB stick, or QEMU from -cdrom.
iso: check-program
	@$(ROOT)/tools/deps.sh run iso
	@echo "Making a bootable image of $(WHOSE)"
	@$(MAKE) --no-print-directory -C $(RUN_DIR) iso WORKBOOK=$(ROOT)

# One chapter's image booted through GRUB, as a PC boots it: one is enough,
# since every chapter boots with kernel-base's boot code.
test-iso:
	@$(ROOT)/tools/deps.sh run iso
	@echo "== $(notdir $(lastword $(PROGRAMS))): booted through GRUB from a CD image"
	@$(MAKE) --no-print-directory -C $(lastword $(PROGRAMS)) test-iso

# Each program's host tests (Criterion) and QEMU tests.
$(addprefix test-,$(PROGRAMS)): test-%: deps
	@echo "== $*: host tests"
	@$(MAKE) --no-print-directory -C $* test-host
	@echo "== $*: QEMU tests"
	@$(MAKE) --no-print-directory -C $* test-qemu

# Side by side, one program per core (each program's output kept together):
# every verdict is independent of the host's speed (tests/README.md), so a
# busy core changes only how long it takes.
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
test-programs: deps
	@echo "== host and QEMU tests of $(words $(PROGRAMS)) programs, $(TEST_JOBS) at a time (TEST_JOBS=); each one's output as it ends"
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target $(addprefix test-,$(PROGRAMS))

# The book needs pandoc, graphviz and QEMU (screenshots), not Criterion.
book:
	@$(ROOT)/tools/deps.sh book
	@$(MAKE) --no-print-directory -C book book
	@echo "The book is in build/book/: open build/book/index.html"

# After the programs: the book builds kernel-base for its screenshot, and two
# makes must not build the same objects at once.
book-check: deps $(if $(PROGRAMS_TESTED),,test-programs)
	@echo "== book"
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) -C book check
	@$(PYTHON) $(ROOT)/tools/book/check.py commands --root $(ROOT)

test-snapshots:
	@echo "== chapter snapshots"
	@python3 $(ROOT)/tools/check-snapshots.py

# The proofs of tests/ (issue 15) come last: interrupt points per protocol,
# real threads under ThreadSanitizer, a few seconds of fuzzing per harness,
# and the planted bugs that the tests must catch.
# After the programs, the checks of the whole workbook, side by side as well
# (each one's output as it ends).
# Longest first, so that the last to start is a short one.
TEST_WHOLE := test-mutants test-grading test-points book-check test-tsan test-fuzz test-iso \
    test-snapshots
test: test-programs
	@echo "== $(TEST_WHOLE), $(TEST_JOBS) at a time; each one's output as it ends"
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target PROGRAMS_TESTED=1 \
	    $(TEST_WHOLE)
	@echo "make test: everything passed"

# For editors: every program's and every workspace's compile commands, read
# from a dry run (make -n), so nothing is built or rebuilt.
compile_commands.json:
	@$(PYTHON) $(ROOT)/tools/compdb.py --root $(ROOT) -o $(ROOT)/compile_commands.json \
	    $(PROGRAMS) $(patsubst %/Makefile,%,$(wildcard workspace/*/Makefile))

clean:
	rm -rf build compile_commands.json

include tools/grade/grade.mk
-include tests/tests.mk
-include bench/bench.mk
