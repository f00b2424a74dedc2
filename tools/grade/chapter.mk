# `make grade` and `make watch` inside one chapter folder (a reference
# chapter or a learner's starter copy). Starter Makefiles include this file;
# kernel-base/build.mk may include it too: the guard makes that harmless.
ifndef GRADE_CHAPTER_MK
GRADE_CHAPTER_MK := $(lastword $(MAKEFILE_LIST))
PYTHON ?= python3
GRADE_PY := $(PYTHON) $(patsubst %/,%,$(dir $(GRADE_CHAPTER_MK)))/grade.py

# SEED=n repeats a run's random inputs; GRADE_TIMEOUT=s per test; GRADE_JOBS=n.
GRADE_OPTS = $(if $(ROOT),--root $(ROOT)) $(if $(SEED),--seed $(SEED)) \
    $(if $(GRADE_TIMEOUT),--timeout $(GRADE_TIMEOUT)) $(if $(GRADE_JOBS),--jobs $(GRADE_JOBS))

.PHONY: grade watch
grade:
	@$(GRADE_PY) grade --dir $(CURDIR) $(GRADE_OPTS)
watch:
	@$(GRADE_PY) watch --dir $(CURDIR) $(GRADE_OPTS)
endif
