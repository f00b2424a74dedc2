# The grading options (SEED=, GRADE_TIMEOUT=, GRADE_JOBS=, HINT=, HINTS=0,
# STRICT=1, REPORT=; tools/grade/README.md), for grade.mk and chapter.mk.
ifndef GRADE_OPTIONS_MK
GRADE_OPTIONS_MK := $(lastword $(MAKEFILE_LIST))
PYTHON ?= python3
GRADE_PY := $(PYTHON) $(patsubst %/,%,$(dir $(GRADE_OPTIONS_MK)))/grade.py
GRADE_YES = $(filter 1 y yes true,$(1))
GRADE_OPTS = $(if $(SEED),--seed $(SEED)) $(if $(GRADE_TIMEOUT),--timeout $(GRADE_TIMEOUT)) \
    $(if $(GRADE_JOBS),--jobs $(GRADE_JOBS)) $(if $(HINT),--hint $(HINT)) \
    $(if $(filter 0 n no false,$(HINTS)),--no-hints) $(if $(call GRADE_YES,$(STRICT)),--strict) \
    $(if $(REPORT),--report $(REPORT))
endif
