# make grade, watch and hint EX=N.M inside a chapter folder or a starter copy:
# its Makefile includes this file after kernel-base's build.mk.
ifndef GRADE_CHAPTER_MK
GRADE_CHAPTER_MK := $(lastword $(MAKEFILE_LIST))
include $(patsubst %/,%,$(dir $(GRADE_CHAPTER_MK)))/options.mk
# The clone this file belongs to grades the folder.
GRADE_ROOT := $(abspath $(dir $(GRADE_CHAPTER_MK))/../..)

.PHONY: grade watch hint
grade:
	@$(GRADE_PY) grade --root $(GRADE_ROOT) --dir $(CURDIR) $(GRADE_OPTS)
watch:
	@$(GRADE_PY) watch --root $(GRADE_ROOT) --dir $(CURDIR) $(GRADE_OPTS)
hint:
	@$(GRADE_PY) hint --root $(GRADE_ROOT) --dir $(CURDIR) --ex "$(EX)" $(GRADE_OPTS)
endif
