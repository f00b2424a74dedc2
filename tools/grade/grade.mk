# Exercises and grading, for the top-level Makefile (which sets ROOT, the
# repository's top, and CHAPTERS, the chapter folders) to include:
#
#   make start CH=NN [DIR=path] [FORCE=1]   the learner's starter copy of chapter NN
#                                           (default DIR: workspace/NN-name)
#   make grade [CH=NN] [DIR=path]           grade a starter (or the reference);
#                                           without CH: every chapter, one summary
#   make grade-all CH=NN SUBMISSIONS=dir    grade every submission folder in dir:
#                                           build/grade-all/NN-name/grades.{csv,json}
#   make watch CH=NN [DIR=path]             re-grade whenever a file changes
#   make test-grading                       the grading invariants and the
#                                           grader's own tests (part of make test)
#
# Options: SEED=n repeats a run's random test inputs, GRADE_TIMEOUT=s per
# test (default 5), GRADE_JOBS=n tests at once, STRICT=1 grades only the
# exercise files (with the reference's tests), REPORT=path for the JSON,
# OUT=dir for grade-all's files.

PYTHON ?= python3
GRADE_TOOL := $(PYTHON) $(ROOT)/tools/grade/grade.py
GRADE_ARGS = --root $(ROOT) --chapters "$(CHAPTERS)" $(if $(CH),--ch $(CH)) \
    $(if $(DIR),--dir $(DIR)) $(if $(SEED),--seed $(SEED)) \
    $(if $(GRADE_TIMEOUT),--timeout $(GRADE_TIMEOUT)) $(if $(GRADE_JOBS),--jobs $(GRADE_JOBS))
GRADE_YES = $(filter 1 y yes true,$(1))

.PHONY: start grade grade-all watch test-grading
start:
	@$(GRADE_TOOL) start $(GRADE_ARGS) $(if $(call GRADE_YES,$(FORCE)),--force)
grade:
	@$(GRADE_TOOL) grade $(GRADE_ARGS) $(if $(call GRADE_YES,$(STRICT)),--strict) \
	    $(if $(REPORT),--report $(REPORT))
grade-all:
	@$(GRADE_TOOL) grade-all $(GRADE_ARGS) --submissions "$(SUBMISSIONS)" $(if $(OUT),--out $(OUT))
watch:
	@$(GRADE_TOOL) watch $(GRADE_ARGS)
test-grading:
	@$(GRADE_TOOL) invariants $(GRADE_ARGS)
	@$(PYTHON) $(ROOT)/tools/grade/tests/selftest.py --root $(ROOT)
