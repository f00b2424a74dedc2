# Exercises and grading, for the top-level Makefile (which sets ROOT, the
# repository's top, and CHAPTERS, the chapter folders) to include:
#
#   make start CH=NN [DIR=path] [FORCE=1]   the learner's starter copy of chapter NN
#                                           (default DIR: workspace/NN-name)
#   make grade [CH=NN] [DIR=path]           grade a workspace (or the reference);
#                                           without CH: every chapter, one summary
#   make hint CH=NN EX=N.M [HINT=n]         the next hint of an exercise
#   make grade-all CH=NN SUBMISSIONS=dir    grade every submission folder in dir
#                                           [OUT=dir] [FORCE=1]
#   make watch CH=NN [DIR=path]             re-grade whenever a file changes
#   make test-grading                       the grading invariants and the
#                                           grader's own tests (part of make test)
#
# The options (SEED=, GRADE_TIMEOUT=, HINT=, HINTS=0, ...) are in options.mk.
include $(ROOT)/tools/grade/options.mk
GRADE_WHERE = --root $(ROOT) --chapters "$(CHAPTERS)" $(if $(CH),--ch $(CH)) \
    $(if $(DIR),--dir $(DIR))

.PHONY: start grade grade-all watch hint test-grading
start:
	@$(GRADE_PY) start $(GRADE_WHERE) $(if $(call GRADE_YES,$(FORCE)),--force)
grade:
	@$(GRADE_PY) grade $(GRADE_WHERE) $(GRADE_OPTS)
hint:
	@$(GRADE_PY) hint $(GRADE_WHERE) --ex "$(EX)" $(GRADE_OPTS)
grade-all:
	@$(GRADE_PY) grade-all $(GRADE_WHERE) $(GRADE_OPTS) --submissions "$(SUBMISSIONS)" \
	    $(if $(OUT),--out $(OUT)) $(if $(call GRADE_YES,$(FORCE)),--force)
watch:
	@$(GRADE_PY) watch $(GRADE_WHERE) $(GRADE_OPTS)
test-grading:
	@$(GRADE_PY) invariants $(GRADE_WHERE) $(GRADE_OPTS)
	@$(PYTHON) $(ROOT)/tools/grade/tests/selftest.py --root $(ROOT)
