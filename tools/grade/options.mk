# The grading options, defined once: the top-level targets (grade.mk) and a
# chapter folder's targets (chapter.mk) both include this file.
#
#   SEED=n           repeat a run's random test inputs
#   GRADE_TIMEOUT=s  seconds per test (default 5)
#   GRADE_JOBS=n     compilers at once (grade-all: submissions at once, or JOBS=n)
#   HINT=n           show hints 1 to n of each failed exercise (default 1)
#   HINTS=0          show no hints at all (exams)
#   STRICT=1         grade only the exercise files, with the reference's tests
#   REPORT=path      where the JSON report goes
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
