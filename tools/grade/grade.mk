# Exercises and grading, for the top-level Makefile (which sets ROOT and
# CHAPTERS) to include; `make help` lists the targets, tools/grade/README.md
# says what each does, options.mk the options.
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
