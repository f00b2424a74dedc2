# Exercises and grading, for the top-level Makefile (which sets ROOT, the
# repository's top, and CHAPTERS, the chapter folders) to include:
#
#   make start CH=NN [DIR=path] [FORCE=1]   the learner's starter copy of chapter NN
#                                           (default DIR: workspace/NN-name)
#   make grade [CH=NN] [DIR=path]           grade a workspace (or the reference);
#                                           without CH: every chapter, one summary
#   make hint CH=NN EX=N.M [HINT=n]         the next hint of an exercise
#   make grade-all CH=NN SUBMISSIONS=dir    grade every submission folder in dir, JOBS=n
#                                           at once (all cores) [OUT=dir] [FORCE=1]
#                                           [SHARD=i/N SEED=n]: the i-th of N slices
#                                           [ONLY=name]: only that one (a glob)
#   make grade-merge IN="dir ..." [OUT=dir] join the slices' grades into one report
#   make bench-grading [N=200] [CH=03]      grade a made-up class of N, and time it
#   make watch CH=NN [DIR=path]             re-grade whenever a file changes
#   make test-grading                       the grading invariants and the
#                                           grader's own tests (part of make test)
#
# The options (SEED=, GRADE_TIMEOUT=, HINT=, HINTS=0, ...) are in options.mk.
include $(ROOT)/tools/grade/options.mk
GRADE_WHERE = --root $(ROOT) --chapters "$(CHAPTERS)" $(if $(CH),--ch $(CH)) \
    $(if $(DIR),--dir $(DIR))

.PHONY: start grade grade-all grade-merge bench-grading watch hint test-grading
start:
	@$(GRADE_PY) start $(GRADE_WHERE) $(if $(call GRADE_YES,$(FORCE)),--force)
grade:
	@$(GRADE_PY) grade $(GRADE_WHERE) $(GRADE_OPTS)
hint:
	@$(GRADE_PY) hint $(GRADE_WHERE) --ex "$(EX)" $(GRADE_OPTS)
GRADE_ALL_OPTS = $(GRADE_OPTS) $(if $(JOBS),--jobs $(JOBS)) $(if $(OUT),--out $(OUT)) \
    $(if $(call GRADE_YES,$(FORCE)),--force)
# Without bubblewrap grade-all still grades, with limits only, and says so.
grade-all:
	@$(ROOT)/tools/deps.sh grade || true
	@$(GRADE_PY) grade-all $(GRADE_WHERE) $(GRADE_ALL_OPTS) --submissions "$(SUBMISSIONS)" \
	    $(if $(SHARD),--shard $(SHARD)) $(if $(ONLY),--only "$(ONLY)")
grade-merge:
	@$(GRADE_PY) grade-merge --root $(ROOT) --in "$(IN)" $(GRADE_ALL_OPTS)
bench-grading:
	@$(ROOT)/tools/deps.sh test grade
	@$(GRADE_PY) bench $(GRADE_WHERE) $(GRADE_ALL_OPTS) $(if $(N),--n $(N))
watch:
	@$(GRADE_PY) watch $(GRADE_WHERE) $(GRADE_OPTS)
test-grading:
	@$(GRADE_PY) invariants $(GRADE_WHERE) $(GRADE_OPTS)
	@$(PYTHON) $(ROOT)/tools/grade/tests/selftest.py --root $(ROOT)
