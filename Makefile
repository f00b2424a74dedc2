# The workbook's front door. `make help` lists what it can do.
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
CHAPTERS := $(sort $(patsubst %/Makefile,%,$(wildcard chapters/[0-9][0-9]-*/Makefile)))
PROGRAMS := kernel-base $(CHAPTERS)
export ROOT

# CH=NN picks chapters/NN-*; CH=base picks kernel-base; the default is the
# last chapter (kernel-base until there is one).
ifneq ($(filter base kernel-base,$(CH)),)
PROGRAM := kernel-base
else ifneq ($(CH),)
PROGRAM := $(firstword $(filter chapters/$(CH)-%,$(CHAPTERS)))
else
PROGRAM := $(or $(lastword $(CHAPTERS)),kernel-base)
endif

.DEFAULT_GOAL := help
.PHONY: help check-program run debug test test-programs test-snapshots book book-check deps clean compile_commands.json \
    $(addprefix test-,$(PROGRAMS))

help:
	@echo "The workbook: cooperative multitasking in a kernel, in C"
	@echo ""
	@echo "  make run [CH=NN]       boot chapter NN in QEMU (default: $(PROGRAM))"
	@echo "                         HEADLESS=1: serial on this terminal; QEMU_EXTRA=...: more flags"
	@echo "  make debug [CH=NN]     QEMU paused with a gdb stub, gdb attached, stopped at kmain"
	@echo "  make test              every host test, QEMU test, the book and the grading checks"
	@echo "  make book              render the book to build/book/index.html"
	@echo "  make start CH=NN       write your starter copy of chapter NN to workspace/"
	@echo "  make grade [CH=NN]     grade your workspace (or the reference) exercise by exercise"
	@echo "  make watch CH=NN       re-grade whenever you save, showing the next exercise"
	@echo "  make grade-all SUBMISSIONS=dir CH=NN   (instructors) grade every submission in dir"
	@echo "  make compile_commands.json             for editors (clangd)"
	@echo "  make clean             remove build/"
	@echo ""
	@echo "Programs: $(PROGRAMS)"

check-program:
	@test -n "$(PROGRAM)" || { echo "No chapter $(CH). Chapters: $(CHAPTERS)"; exit 1; }

deps:
	@$(ROOT)/tools/deps.sh test

run: check-program
	@$(ROOT)/tools/deps.sh run
	@$(MAKE) --no-print-directory -C $(PROGRAM) run

debug: check-program
	@$(ROOT)/tools/deps.sh run debug
	@$(MAKE) --no-print-directory -C $(PROGRAM) debug

# Each program's host tests (Criterion) and QEMU tests.
$(addprefix test-,$(PROGRAMS)): test-%: deps
	@echo "== $*: host tests"
	@$(MAKE) --no-print-directory -C $* test-host
	@echo "== $*: QEMU tests"
	@$(MAKE) --no-print-directory -C $* test-qemu

test-programs: $(addprefix test-,$(PROGRAMS))

book: deps
	@$(MAKE) --no-print-directory -C book book

# After the programs: the book builds kernel-base for its screenshot, and two
# makes must not build the same objects at once.
book-check: deps test-programs
	@echo "== book"
	@$(MAKE) --no-print-directory -C book check

test-snapshots:
	@echo "== chapter snapshots"
	@python3 $(ROOT)/tools/check-snapshots.py

test: test-programs book-check test-snapshots
	@if [ -f tools/grade/grade.mk ]; then echo "== grading invariants"; \
	    $(MAKE) --no-print-directory test-grading; fi
	@echo "make test: everything passed"

compile_commands.json:
	@$(ROOT)/tools/deps.sh test compdb
	bear --output $(ROOT)/compile_commands.json -- \
	    sh -c 'for p in $(PROGRAMS); do $(MAKE) -B -C $$p kernel host-tests || exit 1; done'

clean:
	rm -rf build compile_commands.json

-include tools/grade/grade.mk
